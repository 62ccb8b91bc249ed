"""The disassembler: the kernel's text, exactly, and uBPF text that assembles back."""

from __future__ import annotations

import pytest

from pybpf.isa import (
    LDDW,
    Instruction,
    InstructionError,
    assemble,
    disassemble,
    format_instruction,
)

I = Instruction  # a short name keeps the tables below on one line each
EXIT = I(0x95)


def _helper_names(helper_id: int) -> str | None:
    return {1: "bpf_map_lookup_elem", 5: "bpf_ktime_get_ns"}.get(helper_id)


# Each text below is what kernel/bpf/disasm.c prints after the "(op) " prefix.
KERNEL = [
    # ALU64 uses r registers, ALU w registers; immediates are signed decimal
    pytest.param(I(0x07, 1, imm=2), "r1 += 2", id="add.imm"),
    pytest.param(I(0x0F, 1, 2), "r1 += r2", id="add.reg"),
    pytest.param(I(0x0C, 1, 2), "w1 += w2", id="add32.reg"),
    pytest.param(I(0x14, 1, imm=-1), "w1 -= -1", id="sub32.imm"),
    pytest.param(I(0x2F, 1, 2), "r1 *= r2", id="mul.reg"),
    pytest.param(I(0x37, 1, imm=3), "r1 /= 3", id="div.imm"),
    pytest.param(I(0x4C, 1, 2), "w1 |= w2", id="or32.reg"),
    pytest.param(I(0x57, 1, imm=255), "r1 &= 255", id="and.imm"),
    pytest.param(I(0x67, 1, imm=3), "r1 <<= 3", id="lsh.imm"),
    pytest.param(I(0x7F, 1, 2), "r1 >>= r2", id="rsh.reg"),
    pytest.param(I(0x97, 1, imm=3), "r1 %= 3", id="mod.imm"),
    pytest.param(I(0xAC, 1, 2), "w1 ^= w2", id="xor32.reg"),
    pytest.param(I(0xB7, 1, imm=5), "r1 = 5", id="mov.imm"),
    pytest.param(I(0xBC, 1, 2), "w1 = w2", id="mov32.reg"),
    pytest.param(I(0xC7, 1, imm=3), "r1 s>>= 3", id="arsh.imm"),
    pytest.param(I(0xCC, 1, 2), "w1 s>>= w2", id="arsh32.reg"),
    pytest.param(I(0x87, 1), "r1 = -r1", id="neg"),
    pytest.param(I(0x84, 1), "w1 = -w1", id="neg32"),
    pytest.param(I(0x3F, 1, 2, 1), "r1 s/= r2", id="sdiv.reg"),
    pytest.param(I(0x34, 1, 0, 1, 5), "w1 s/= 5", id="sdiv32.imm"),
    pytest.param(I(0x9F, 1, 2, 1), "r1 s%= r2", id="smod.reg"),
    pytest.param(I(0x94, 1, 0, 1, -5), "w1 s%= -5", id="smod32.imm"),
    pytest.param(I(0xBF, 1, 2, 8), "r1 = (s8)r2", id="movsx864"),
    pytest.param(I(0xBF, 1, 2, 16), "r1 = (s16)r2", id="movsx1664"),
    pytest.param(I(0xBF, 1, 2, 32), "r1 = (s32)r2", id="movsx3264"),
    pytest.param(I(0xBC, 1, 2, 8), "w1 = (s8)w2", id="movsx832"),
    pytest.param(I(0xBC, 1, 2, 16), "w1 = (s16)w2", id="movsx1632"),
    pytest.param(I(0xBF, 1, 2, 1, 0x10002), "r1 = addr_space_cast(r2, 1, 2)", id="addr-space-cast"),
    # byte swaps: the kernel writes r even for the 32-bit class
    pytest.param(I(0xDC, 1, imm=16), "r1 = be16 r1", id="be16"),
    pytest.param(I(0xD4, 1, imm=32), "r1 = le32 r1", id="le32"),
    pytest.param(I(0xD7, 1, imm=64), "r1 = bswap64 r1", id="bswap64"),
    # memory
    pytest.param(I(0x61, 0, 10, -4), "r0 = *(u32 *)(r10 -4)", id="ldxw"),
    pytest.param(I(0x71, 0, 1, 0), "r0 = *(u8 *)(r1 +0)", id="ldxb"),
    pytest.param(I(0x69, 0, 1, 2), "r0 = *(u16 *)(r1 +2)", id="ldxh"),
    pytest.param(I(0x79, 3, 1, 8), "r3 = *(u64 *)(r1 +8)", id="ldxdw"),
    pytest.param(I(0x91, 0, 1, 0), "r0 = *(s8 *)(r1 +0)", id="ldxsb"),
    pytest.param(I(0x89, 0, 1, -2), "r0 = *(s16 *)(r1 -2)", id="ldxsh"),
    pytest.param(I(0x81, 0, 1, 4), "r0 = *(s32 *)(r1 +4)", id="ldxsw"),
    pytest.param(I(0x7B, 10, 1, -8), "*(u64 *)(r10 -8) = r1", id="stxdw"),
    pytest.param(I(0x73, 1, 2, 3), "*(u8 *)(r1 +3) = r2", id="stxb"),
    pytest.param(I(0x62, 10, 0, -4, 0), "*(u32 *)(r10 -4) = 0", id="stw"),
    pytest.param(I(0x6A, 1, 0, 2, -1), "*(u16 *)(r1 +2) = -1", id="sth"),
    # atomics
    pytest.param(I(0xDB, 10, 1, -8, 0x00), "lock *(u64 *)(r10 -8) += r1", id="lock.add"),
    pytest.param(I(0xC3, 10, 1, -4, 0x40), "lock *(u32 *)(r10 -4) |= r1", id="lock.or32"),
    pytest.param(I(0xDB, 10, 1, -8, 0x50), "lock *(u64 *)(r10 -8) &= r1", id="lock.and"),
    pytest.param(I(0xDB, 10, 1, -8, 0xA0), "lock *(u64 *)(r10 -8) ^= r1", id="lock.xor"),
    pytest.param(
        I(0xDB, 10, 1, -8, 0x01), "r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)", id="fetch-add"
    ),
    pytest.param(
        I(0xC3, 10, 2, -4, 0x51), "r2 = atomic_fetch_and((u32 *)(r10 -4), r2)", id="fetch-and32"
    ),
    pytest.param(
        I(0xDB, 10, 1, -8, 0x41), "r1 = atomic64_fetch_or((u64 *)(r10 -8), r1)", id="fetch-or"
    ),
    pytest.param(
        I(0xC3, 10, 1, -8, 0xA1), "r1 = atomic_fetch_xor((u32 *)(r10 -8), r1)", id="fetch-xor32"
    ),
    pytest.param(I(0xDB, 10, 1, -8, 0xE1), "r1 = atomic64_xchg((u64 *)(r10 -8), r1)", id="xchg"),
    pytest.param(I(0xC3, 10, 1, -8, 0xE1), "r1 = atomic_xchg((u32 *)(r10 -8), r1)", id="xchg32"),
    pytest.param(
        I(0xDB, 10, 1, -8, 0xF1), "r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)", id="cmpxchg"
    ),
    pytest.param(
        I(0xC3, 10, 1, -8, 0xF1), "r0 = atomic_cmpxchg((u32 *)(r10 -8), r0, r1)", id="cmpxchg32"
    ),
    # 64-bit immediates, with bpftool's text for the pseudo sources
    pytest.param(I(LDDW, 1, imm=0x123), "r1 = 0x123", id="lddw"),
    pytest.param(I(LDDW, 1, imm=2**64 - 1), "r1 = 0xffffffffffffffff", id="lddw.all-ones"),
    pytest.param(I(LDDW, 1, 1, imm=3), "r1 = map[id:3]", id="lddw.map_fd"),
    pytest.param(I(LDDW, 1, 2, imm=0x800000003), "r1 = map[id:3][0]+8", id="lddw.map_value"),
    pytest.param(I(LDDW, 1, 3, imm=0x2A), "r1 = 0x2a", id="lddw.btf_id"),
    pytest.param(I(LDDW, 1, 4, imm=5), "r1 = subprog[+5]", id="lddw.func"),
    pytest.param(I(LDDW, 1, 4, imm=0xFFFFFFFE), "r1 = subprog[-2]", id="lddw.func-back"),
    pytest.param(I(LDDW, 1, 5, imm=2), "r1 = 0x2", id="lddw.map_idx"),
    pytest.param(I(LDDW, 1, 6, imm=0x1000000002), "r1 = map[idx:2]+16", id="lddw.map_idx_value"),
    # legacy packet loads
    pytest.param(I(0x30, imm=20), "r0 = *(u8 *)skb[20]", id="ldabsb"),
    pytest.param(I(0x20, imm=-4), "r0 = *(u32 *)skb[-4]", id="ldabsw"),
    pytest.param(I(0x48, 0, 1, imm=20), "r0 = *(u16 *)skb[r1 + 20]", id="ldindh"),
    # jumps: compared immediates in unsigned 32-bit hex
    pytest.param(I(0x05, offset=3), "goto pc+3", id="ja"),
    pytest.param(I(0x05, offset=-1), "goto pc-1", id="ja.back"),
    pytest.param(I(0x06, imm=3), "gotol pc+3", id="gotol"),
    pytest.param(I(0x1D, 1, 2, 3), "if r1 == r2 goto pc+3", id="jeq.reg"),
    pytest.param(I(0x15, 1, 0, 0, 5), "if r1 == 0x5 goto pc+0", id="jeq.imm"),
    pytest.param(I(0x66, 1, 0, -2, -2), "if w1 s> 0xfffffffe goto pc-2", id="jsgt32.imm"),
    pytest.param(I(0x2D, 1, 2, 1), "if r1 > r2 goto pc+1", id="jgt"),
    pytest.param(I(0x3E, 1, 2, 1), "if w1 >= w2 goto pc+1", id="jge32"),
    pytest.param(I(0x45, 1, 0, 1, 8), "if r1 & 0x8 goto pc+1", id="jset"),
    pytest.param(I(0x55, 1, 0, 1, 0), "if r1 != 0x0 goto pc+1", id="jne"),
    pytest.param(I(0x7D, 1, 2, 1), "if r1 s>= r2 goto pc+1", id="jsge"),
    pytest.param(I(0xA5, 1, 0, 1, 1), "if r1 < 0x1 goto pc+1", id="jlt"),
    pytest.param(I(0xBE, 1, 2, 1), "if w1 <= w2 goto pc+1", id="jle32"),
    pytest.param(I(0xCD, 1, 2, 1), "if r1 s< r2 goto pc+1", id="jslt"),
    pytest.param(I(0xD6, 1, 0, 1, -(2**31)), "if w1 s<= 0x80000000 goto pc+1", id="jsle32"),
    # calls and exit
    pytest.param(I(0x85, imm=1), "call bpf_map_lookup_elem#1", id="call.named"),
    pytest.param(I(0x85, imm=99), "call unknown#99", id="call.unnamed"),
    pytest.param(I(0x85, 0, 1, imm=3), "call pc+3", id="call.local"),
    pytest.param(I(0x85, 0, 1, imm=-4), "call pc-4", id="call.local-back"),
    pytest.param(I(0x85, 0, 2, imm=1234), "call kernel-function#1234", id="call.kfunc"),
    pytest.param(I(0x8D, 2), "callx r2", id="callx"),
    pytest.param(EXIT, "exit", id="exit"),
    # what the kernel prints for opcodes it does not know
    pytest.param(I(0x38), "BUG_ld_38", id="bug.ld"),
    pytest.param(I(0x99), "BUG_ldx_99", id="bug.ldx"),
    pytest.param(I(0xC2), "BUG_st_c2", id="bug.st"),
    pytest.param(I(0xDB, 10, 1, -8, 0x02), "BUG_db", id="bug.atomic-op"),
    pytest.param(I(0xFF), "BUG_ff", id="bug.alu64"),
]


@pytest.mark.parametrize(("insn", "text"), KERNEL)
def test_kernel_syntax_matches_disasm_c(insn: Instruction, text: str) -> None:
    assert format_instruction(insn, helper_name=_helper_names) == text


def test_helpers_are_unknown_without_a_name_table() -> None:
    assert format_instruction(I(0x85, imm=1)) == "call unknown#1"


def test_str_of_an_instruction_is_its_kernel_text() -> None:
    assert str(I(0x0F, 1, 2)) == "r1 += r2"


PROGRAM = [I(0xB7, 0, imm=0), I(LDDW, 1, imm=0x1122334455667788), I(0x63, 10, 1, -4), EXIT]


def test_kernel_listing_has_bpftool_prefixes_and_skips_lddw_second_slot() -> None:
    assert disassemble(PROGRAM) == (
        "   0: (b7) r0 = 0\n"
        "   1: (18) r1 = 0x1122334455667788\n"
        "   3: (63) *(u32 *)(r10 -4) = r1\n"
        "   4: (95) exit\n"
    )


def test_kernel_listing_without_opcodes_keeps_the_pc() -> None:
    assert disassemble(PROGRAM, opcodes=False).splitlines() == [
        "   0: r0 = 0",
        "   1: r1 = 0x1122334455667788",
        "   3: *(u32 *)(r10 -4) = r1",
        "   4: exit",
    ]


def test_kernel_listing_right_aligns_pcs_in_four_columns() -> None:
    lines = disassemble([I(0x05, offset=0)] * 10000 + [EXIT]).splitlines()
    assert lines[9] == "   9: (05) goto pc+0"
    assert lines[10000] == "10000: (95) exit"


def test_kernel_listing_passes_helper_names_through() -> None:
    text = disassemble([I(0x85, imm=5), EXIT], helper_name=_helper_names, opcodes=False)
    assert text == "   0: call bpf_ktime_get_ns#5\n   1: exit\n"


def test_empty_program_disassembles_to_nothing() -> None:
    assert disassemble([]) == ""


UBPF = [
    pytest.param(I(0x07, 1, imm=-1), "add %r1, -1", id="add.imm"),
    pytest.param(I(0x0C, 1, 2), "add32 %r1, %r2", id="add32.reg"),
    pytest.param(I(0x3F, 1, 2, 1), "sdiv %r1, %r2", id="sdiv"),
    pytest.param(I(0x94, 1, 0, 1, 3), "smod32 %r1, 3", id="smod32"),
    pytest.param(I(0x87, 1), "neg %r1", id="neg"),
    pytest.param(I(0x84, 1), "neg32 %r1", id="neg32"),
    pytest.param(I(0xBC, 1, 2, 8), "movsx832 %r1, %r2", id="movsx832"),
    pytest.param(I(0xBF, 1, 2, 32), "movsx3264 %r1, %r2", id="movsx3264"),
    pytest.param(I(0xD4, 1, imm=16), "le16 %r1", id="le16"),
    pytest.param(I(0xDC, 1, imm=64), "be64 %r1", id="be64"),
    pytest.param(I(0xD7, 1, imm=32), "bswap32 %r1", id="bswap32"),
    pytest.param(I(LDDW, 1, imm=0x123), "lddw %r1, 0x123", id="lddw"),
    pytest.param(
        I(LDDW, 1, 2, imm=0x800000003), "lddw %r1, map_value 0x800000003", id="lddw.map_value"
    ),
    pytest.param(I(LDDW, 1, 4, imm=0xFFFFFFFE), "lddw %r1, func -2", id="lddw.func"),
    pytest.param(I(LDDW, 1, 4, imm=2**32), "lddw %r1, func 0x100000000", id="lddw.func-high-bits"),
    pytest.param(I(0x61, 0, 10, -4), "ldxw %r0, [%r10-4]", id="ldxw"),
    pytest.param(I(0x71, 0, 1, 0), "ldxb %r0, [%r1]", id="ldxb.no-offset"),
    pytest.param(I(0x81, 0, 1, 4), "ldxsw %r0, [%r1+4]", id="ldxsw"),
    pytest.param(I(0x7A, 10, 0, -8, 7), "stdw [%r10-8], 7", id="stdw"),
    pytest.param(I(0x6B, 10, 1, -2), "stxh [%r10-2], %r1", id="stxh"),
    pytest.param(I(0x30, imm=20), "ldabsb 20", id="ldabsb"),
    pytest.param(I(0x40, 0, 1, imm=4), "ldindw %r1, 4", id="ldindw"),
    pytest.param(I(0xDB, 10, 1, -8, 0x00), "lock add [%r10-8], %r1", id="lock.add"),
    pytest.param(I(0xC3, 10, 1, -8, 0xA1), "lock fetch xor32 [%r10-8], %r1", id="lock.fetch-xor32"),
    pytest.param(I(0xDB, 10, 1, -8, 0xE1), "lock xchg [%r10-8], %r1", id="lock.xchg"),
    pytest.param(I(0xC3, 10, 1, -8, 0xF1), "lock cmpxchg32 [%r10-8], %r1", id="lock.cmpxchg32"),
    pytest.param(I(0x05, offset=-3), "ja -3", id="ja"),
    pytest.param(I(0x06, imm=3), "ja32 +3", id="ja32"),
    pytest.param(I(0x15, 1, 0, 0, 5), "jeq %r1, 5, +0", id="jeq.imm"),
    pytest.param(I(0xDE, 1, 2, 2), "jsle32 %r1, %r2, +2", id="jsle32.reg"),
    pytest.param(I(0x85, imm=99), "call 99", id="call"),
    pytest.param(I(0x85, imm=1), "call 1 # bpf_map_lookup_elem", id="call.named"),
    pytest.param(I(0x85, 0, 1, imm=-4), "call local -4", id="call.local"),
    pytest.param(I(0x85, 0, 2, imm=7), "call runtime 7", id="call.kfunc"),
    pytest.param(I(0x8D, 2), "call %r2", id="callx"),
    pytest.param(EXIT, "exit", id="exit"),
]


@pytest.mark.parametrize(("insn", "text"), UBPF)
def test_ubpf_syntax_writes_what_the_assembler_reads(insn: Instruction, text: str) -> None:
    assert format_instruction(insn, syntax="ubpf", helper_name=_helper_names) == text


@pytest.mark.parametrize(
    ("insn", "message"),
    [
        pytest.param(I(0xFF), r"^unknown opcode 0xff$", id="opcode"),
        pytest.param(I(LDDW, 1, 7), r"^invalid lddw source 7$", id="lddw-source"),
        pytest.param(I(0x85, 0, 3), r"^invalid call source 3$", id="call-source"),
        pytest.param(I(0xDB, 10, 1, 0, 0x02), r"^invalid atomic operation 0x2$", id="atomic"),
    ],
)
def test_ubpf_syntax_refuses_what_it_cannot_write(insn: Instruction, message: str) -> None:
    with pytest.raises(InstructionError, match=message):
        format_instruction(insn, syntax="ubpf")


def test_ubpf_listing_names_the_pc_of_what_it_cannot_write() -> None:
    with pytest.raises(InstructionError, match=r"^unknown opcode 0xff at PC 3$") as caught:
        disassemble([I(LDDW), I(0xB7), I(0xFF), EXIT], syntax="ubpf")
    assert caught.value.pc == 3


def test_unknown_syntax_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^unknown syntax 'llvm'$"):
        format_instruction(EXIT, syntax="llvm")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^unknown syntax 'llvm'$"):
        disassemble([EXIT], syntax="llvm")  # type: ignore[arg-type]


EVERY_FORM = """
    mov %r6, %r1
    lddw %r1, map_fd 3
    lddw %r2, map_value 0x800000003
    lddw %r3, btf_id 9
    lddw %r4, map_idx 1
    lddw %r5, map_idx_value 0x400000001
    lddw %r7, func callback
    lddw %r8, -1
    ldabsh 12
    ldindb %r6, 14
    call local callback
    call runtime 1234
    call 1
    call %r8
    ja32 done
done:
    exit
callback:
    exit
"""


def test_ubpf_listing_of_every_form_assembles_back() -> None:
    program = assemble(EVERY_FORM)
    assert assemble(disassemble(program, syntax="ubpf")) == program


def test_conformance_programs_survive_a_ubpf_round_trip(
    conformance_vector: tuple[str, str],
) -> None:
    _, source = conformance_vector
    program = assemble(source)
    assert assemble(disassemble(program, syntax="ubpf")) == program
