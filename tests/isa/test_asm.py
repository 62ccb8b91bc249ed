"""The uBPF / bpf_conformance assembler: every mnemonic, number forms, labels, every error."""

from __future__ import annotations

import re

import pytest

from pybpf.isa import LDDW, AsmError, Instruction, InstructionError, assemble

EXIT = Instruction(0x95)
I = Instruction  # a short name keeps the tables below on one line each


def _one(source: str) -> Instruction:
    """Assemble one instruction followed by ``exit``, and return the instruction."""
    insns = assemble(source + "\nexit")
    assert insns[-1] == EXIT
    (insn,) = insns[:-1]
    return insn


INSTRUCTIONS = [
    # ALU64 and ALU, immediate and register
    pytest.param("add %r1, 2", I(0x07, 1, imm=2), id="add.imm"),
    pytest.param("add %r1, %r2", I(0x0F, 1, 2), id="add.reg"),
    pytest.param("add64 %r1, %r2", I(0x0F, 1, 2), id="add64.alias"),
    pytest.param("add32 %r1, 2", I(0x04, 1, imm=2), id="add32.imm"),
    pytest.param("sub %r1, %r2", I(0x1F, 1, 2), id="sub.reg"),
    pytest.param("mul32 %r1, %r2", I(0x2C, 1, 2), id="mul32.reg"),
    pytest.param("div %r1, 3", I(0x37, 1, imm=3), id="div.imm"),
    pytest.param("or %r0, %r10", I(0x4F, 0, 10), id="or.reads-r10"),
    pytest.param("and32 %r1, 0xff", I(0x54, 1, imm=0xFF), id="and32.imm"),
    pytest.param("lsh %r1, 63", I(0x67, 1, imm=63), id="lsh.imm"),
    pytest.param("rsh32 %r1, %r2", I(0x7C, 1, 2), id="rsh32.reg"),
    pytest.param("mod %r1, %r2", I(0x9F, 1, 2), id="mod.reg"),
    pytest.param("xor %r1, -1", I(0xA7, 1, imm=-1), id="xor.imm"),
    pytest.param("mov %r0, 1", I(0xB7, 0, imm=1), id="mov.imm"),
    pytest.param("mov32 %r0, %r1", I(0xBC, 0, 1), id="mov32.reg"),
    pytest.param("arsh32 %r1, 5", I(0xC4, 1, imm=5), id="arsh32.imm"),
    pytest.param("sdiv %r1, %r2", I(0x3F, 1, 2, 1), id="sdiv.reg"),
    pytest.param("sdiv32 %r1, -3", I(0x34, 1, 0, 1, -3), id="sdiv32.imm"),
    pytest.param("smod %r1, 3", I(0x97, 1, 0, 1, 3), id="smod.imm"),
    pytest.param("smod32 %r1, %r2", I(0x9C, 1, 2, 1), id="smod32.reg"),
    pytest.param("neg %r1", I(0x87, 1), id="neg"),
    pytest.param("neg32 %r1", I(0x84, 1), id="neg32"),
    # byte swaps and sign extension
    pytest.param("le16 %r1", I(0xD4, 1, imm=16), id="le16"),
    pytest.param("le64 %r1", I(0xD4, 1, imm=64), id="le64"),
    pytest.param("be32 %r1", I(0xDC, 1, imm=32), id="be32"),
    pytest.param("swap16 %r1", I(0xD7, 1, imm=16), id="swap16"),
    pytest.param("bswap64 %r1", I(0xD7, 1, imm=64), id="bswap64"),
    pytest.param("movsx832 %r1, %r2", I(0xBC, 1, 2, 8), id="movsx832"),
    pytest.param("movsx1632 %r1, %r2", I(0xBC, 1, 2, 16), id="movsx1632"),
    pytest.param("movsx864 %r1, %r2", I(0xBF, 1, 2, 8), id="movsx864"),
    pytest.param("movsx1664 %r1, %r2", I(0xBF, 1, 2, 16), id="movsx1664"),
    pytest.param("movsx3264 %r1, %r2", I(0xBF, 1, 2, 32), id="movsx3264"),
    # 64-bit immediates
    pytest.param("lddw %r0, 0x1122334455667788", I(LDDW, 0, imm=0x1122334455667788), id="lddw.hex"),
    pytest.param("lddw %r0, 2147483648", I(LDDW, 0, imm=0x80000000), id="lddw.decimal"),
    pytest.param("lddw %r0, -1", I(LDDW, 0, imm=2**64 - 1), id="lddw.negative"),
    pytest.param("lddw %r0, -9223372036854775808", I(LDDW, 0, imm=2**63), id="lddw.min"),
    pytest.param(
        "lddw %r0, 18446744073709551615", I(LDDW, 0, imm=2**64 - 1), id="lddw.max-decimal"
    ),
    pytest.param("lddw %r0, 0xFFFFFFFFFFFFFFFF", I(LDDW, 0, imm=2**64 - 1), id="lddw.upper-hex"),
    pytest.param("lddw %r1, map_fd 3", I(LDDW, 1, 1, imm=3), id="lddw.map_fd"),
    pytest.param(
        "lddw %r1, map_value 0x800000003", I(LDDW, 1, 2, imm=0x800000003), id="lddw.map_value"
    ),
    pytest.param("lddw %r1, btf_id 7", I(LDDW, 1, 3, imm=7), id="lddw.btf_id"),
    pytest.param("lddw %r1, map_idx 0", I(LDDW, 1, 5, imm=0), id="lddw.map_idx"),
    pytest.param("lddw %r1, map_idx_value 0x1", I(LDDW, 1, 6, imm=1), id="lddw.map_idx_value"),
    pytest.param("lddw %r1, imm64 5", I(LDDW, 1, 0, imm=5), id="lddw.imm64"),
    pytest.param("lddw %r1, func +1", I(LDDW, 1, 4, imm=1), id="lddw.func-relative"),
    # loads and stores
    pytest.param("ldxb %r0, [%r1+0x2]", I(0x71, 0, 1, 2), id="ldxb"),
    pytest.param("ldxh %r0, [%r1]", I(0x69, 0, 1, 0), id="ldxh.no-offset"),
    pytest.param("ldxw %r0, [%r10-4]", I(0x61, 0, 10, -4), id="ldxw"),
    pytest.param("ldxdw %r0, [ %r1 + 8 ]", I(0x79, 0, 1, 8), id="ldxdw.spaces"),
    pytest.param("ldxsb %r0, [%r1+1]", I(0x91, 0, 1, 1), id="ldxsb"),
    pytest.param("ldxsh %r0, [%r1+2]", I(0x89, 0, 1, 2), id="ldxsh"),
    pytest.param("ldxsw %r0, [%r1+4]", I(0x81, 0, 1, 4), id="ldxsw"),
    pytest.param("stb [%r10-1], 0x80", I(0x72, 10, 0, -1, 0x80), id="stb"),
    pytest.param("sth [%r1+2], -1", I(0x6A, 1, 0, 2, -1), id="sth"),
    pytest.param("stw [%r1], 0xffffffff", I(0x62, 1, 0, 0, -1), id="stw.hex-pattern"),
    pytest.param("stdw [%r1+8], 5", I(0x7A, 1, 0, 8, 5), id="stdw"),
    pytest.param("stxb [%r10-8], %r1", I(0x73, 10, 1, -8), id="stxb"),
    pytest.param("stxh [%r10-8], %r1", I(0x6B, 10, 1, -8), id="stxh"),
    pytest.param("stxw [%r10-8], %r1", I(0x63, 10, 1, -8), id="stxw"),
    pytest.param("stxdw [%r10-8], %r1", I(0x7B, 10, 1, -8), id="stxdw"),
    pytest.param("ldabsb 20", I(0x30, imm=20), id="ldabsb"),
    pytest.param("ldabsh 20", I(0x28, imm=20), id="ldabsh"),
    pytest.param("ldabsw 20", I(0x20, imm=20), id="ldabsw"),
    pytest.param("ldindb %r1, 4", I(0x50, 0, 1, imm=4), id="ldindb"),
    pytest.param("ldindh %r1, 4", I(0x48, 0, 1, imm=4), id="ldindh"),
    pytest.param("ldindw %r1, -4", I(0x40, 0, 1, imm=-4), id="ldindw"),
    # atomics
    pytest.param("lock add [%r10-8], %r1", I(0xDB, 10, 1, -8, 0x00), id="lock.add"),
    pytest.param("lock add32 [%r10-4], %r1", I(0xC3, 10, 1, -4, 0x00), id="lock.add32"),
    pytest.param("lock or [%r10-8], %r1", I(0xDB, 10, 1, -8, 0x40), id="lock.or"),
    pytest.param("lock and32 [%r10-8], %r1", I(0xC3, 10, 1, -8, 0x50), id="lock.and32"),
    pytest.param("lock xor [%r10-8], %r1", I(0xDB, 10, 1, -8, 0xA0), id="lock.xor"),
    pytest.param("lock fetch add [%r10-8], %r1", I(0xDB, 10, 1, -8, 0x01), id="lock.fetch-add"),
    pytest.param("lock fetch or32 [%r10-8], %r1", I(0xC3, 10, 1, -8, 0x41), id="lock.fetch-or32"),
    pytest.param("lock fetch and [%r10-8], %r3", I(0xDB, 10, 3, -8, 0x51), id="lock.fetch-and"),
    pytest.param("lock fetch xor32 [%r10-4], %r3", I(0xC3, 10, 3, -4, 0xA1), id="lock.fetch-xor32"),
    pytest.param("lock xchg [%r10-8], %r1", I(0xDB, 10, 1, -8, 0xE1), id="lock.xchg"),
    pytest.param("lock xchg32 [%r10-8], %r1", I(0xC3, 10, 1, -8, 0xE1), id="lock.xchg32"),
    pytest.param("lock cmpxchg [%r10-8], %r1", I(0xDB, 10, 1, -8, 0xF1), id="lock.cmpxchg"),
    pytest.param("lock cmpxchg32 [%r10-8], %r1", I(0xC3, 10, 1, -8, 0xF1), id="lock.cmpxchg32"),
    # jumps with relative offsets, and calls
    pytest.param("ja +0", I(0x05, offset=0), id="ja"),
    pytest.param("ja32 +0", I(0x06, imm=0), id="ja32"),
    pytest.param("jeq %r1, 0x5, +0", I(0x15, 1, 0, 0, 5), id="jeq.imm"),
    pytest.param("jeq %r1, %r2, +0", I(0x1D, 1, 2, 0), id="jeq.reg"),
    pytest.param("jgt %r1, 0x80000000, +0", I(0x25, 1, 0, 0, -(2**31)), id="jgt.hex-pattern"),
    pytest.param("jge32 %r1, %r2, +0", I(0x3E, 1, 2, 0), id="jge32.reg"),
    pytest.param("jset %r1, 1, +0", I(0x45, 1, imm=1), id="jset"),
    pytest.param("jne32 %r1, -1, +0", I(0x56, 1, imm=-1), id="jne32"),
    pytest.param("jsgt %r1, %r2, +0", I(0x6D, 1, 2), id="jsgt"),
    pytest.param("jsge32 %r1, 2, +0", I(0x76, 1, imm=2), id="jsge32"),
    pytest.param("jlt %r1, 2, +0", I(0xA5, 1, imm=2), id="jlt"),
    pytest.param("jle32 %r1, %r2, +0", I(0xBE, 1, 2), id="jle32"),
    pytest.param("jslt %r1, 2, +0", I(0xC5, 1, imm=2), id="jslt"),
    pytest.param("jsle %r1, %r2, +0", I(0xDD, 1, 2), id="jsle"),
    pytest.param("call 5", I(0x85, imm=5), id="call.helper"),
    pytest.param("call helper 5", I(0x85, imm=5), id="call.helper-explicit"),
    pytest.param("call runtime 9", I(0x85, 0, 2, imm=9), id="call.kfunc"),
    pytest.param("call local +0", I(0x85, 0, 1, imm=0), id="call.local"),
    pytest.param("call %r2", I(0x8D, 2), id="callx"),
]


@pytest.mark.parametrize(("source", "want"), INSTRUCTIONS)
def test_each_mnemonic_assembles_to_its_instruction(source: str, want: Instruction) -> None:
    assert _one(source) == want


NUMBERS = [
    pytest.param("2147483647", 2147483647, id="max-decimal"),
    pytest.param("-2147483648", -(2**31), id="min-decimal"),
    pytest.param("+7", 7, id="plus-sign"),
    pytest.param("0x7fffffff", 2**31 - 1, id="hex-positive"),
    pytest.param("0x80000000", -(2**31), id="hex-sign-bit"),
    pytest.param("0XFFFFFFFF", -1, id="hex-upper"),
    pytest.param("-0x10", -16, id="negative-hex"),
    pytest.param("010", 10, id="leading-zero-is-decimal"),
]


@pytest.mark.parametrize(("text", "imm"), NUMBERS)
def test_immediates_are_stored_as_signed_32_bit(text: str, imm: int) -> None:
    assert _one(f"mov %r0, {text}").imm == imm


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        pytest.param("[%r1+32767]", 32767, id="max"),
        pytest.param("[%r1-32768]", -32768, id="min"),
        pytest.param("[%r1+0xffff]", -1, id="hex-pattern"),
        pytest.param("[%r1-0x10]", -16, id="negative-hex"),
    ],
)
def test_offsets_are_stored_as_signed_16_bit(text: str, offset: int) -> None:
    assert _one(f"ldxb %r0, {text}").offset == offset


def test_comments_blank_lines_and_indentation_are_ignored() -> None:
    source = """
        # a whole-line comment

        mov %r0, 1   # a trailing comment
    \tadd %r0,%r0
        exit#no space before it
    """
    assert assemble(source) == [I(0xB7, imm=1), I(0x0F, 0, 0), EXIT]


def test_labels_resolve_forwards_and_backwards() -> None:
    source = """
        ja forward
    back:
        exit
    forward:
        jeq %r0, 0, back
        ja back
    """
    assert assemble(source) == [I(0x05, offset=1), EXIT, I(0x15, offset=-2), I(0x05, offset=-3)]


def test_jump_distances_count_lddw_as_two_slots() -> None:
    source = "ja over\nlddw %r0, 1\nover:\nexit"
    assert assemble(source)[0] == I(0x05, offset=2)


def test_a_label_may_share_a_line_with_its_instruction() -> None:
    assert assemble("ja end\nmov %r0, 1\nend: exit") == [I(0x05, offset=1), I(0xB7, imm=1), EXIT]


def test_exit_names_the_first_exit_when_no_label_has_that_name() -> None:
    source = "jne %r0, %r1, exit\nmov %r0, 1\nexit\nmov %r0, 2\nexit"
    assert assemble(source)[0] == I(0x5D, 0, 1, 1)


def test_a_label_called_exit_wins_over_the_first_exit() -> None:
    source = "ja exit\nexit\nexit:\nexit"
    assert assemble(source)[0] == I(0x05, offset=1)


def test_call_local_and_ja32_put_the_distance_in_the_immediate() -> None:
    source = "call local f\nja32 done\nf:\nexit\ndone:\nexit"
    assert assemble(source)[:2] == [I(0x85, 0, 1, imm=1), I(0x06, imm=1)]


def test_lddw_func_takes_a_label_counted_from_its_second_slot() -> None:
    # As for the kernel, the distance is from the slot after the first one: 3 - 0 - 1.
    source = "lddw %r1, func cb\nexit\ncb:\nexit"
    assert assemble(source)[0] == I(LDDW, 1, 4, imm=2)


def test_lddw_func_keeps_a_backward_distance_in_the_low_half() -> None:
    source = "ja start\ncb:\nexit\nstart:\nlddw %r1, func cb\nexit"
    assert assemble(source)[2] == I(LDDW, 1, 4, imm=0xFFFFFFFE)


def _far_jump(distance: int) -> str:
    return "ja far\n" + "mov %r0, 0\n" * distance + "far:\nexit"


def test_a_label_at_the_longest_distance_is_reachable() -> None:
    assert assemble(_far_jump(32767))[0] == I(0x05, offset=32767)


ERRORS = [
    # mnemonics and operand counts
    pytest.param(
        "ldxq %r0, %r1\nexit", r"unknown mnemonic 'ldxq' at line 1", id="unknown-mnemonic"
    ),
    pytest.param("exit\n-- raw", r"unknown mnemonic '--' at line 2", id="section-marker"),
    pytest.param(
        "movsx848 %r0, %r1\nexit", r"unknown mnemonic 'movsx848' at line 1", id="bad-movsx"
    ),
    pytest.param("ldxsdw %r0, [%r1]\nexit", r"unknown mnemonic 'ldxsdw' at line 1", id="ldxsdw"),
    pytest.param("lddw %r0\nexit", r"wrong number of operands for lddw at line 1", id="lddw-1"),
    pytest.param(
        "lddw %r0, 1, 2, 3\nexit", r"wrong number of operands for lddw at line 1", id="lddw-4"
    ),
    pytest.param("mov %r0\nexit", r"wrong number of operands for mov at line 1", id="mov-1"),
    pytest.param("neg %r0, 1\nexit", r"wrong number of operands for neg at line 1", id="neg-2"),
    pytest.param("exit 0", r"wrong number of operands for exit at line 1", id="exit-1"),
    pytest.param("jeq %r0, 1\nexit", r"wrong number of operands for jeq at line 1", id="jeq-2"),
    pytest.param("ja\nexit", r"wrong number of operands for ja at line 1", id="ja-0"),
    pytest.param("call\nexit", r"wrong number of operands for call at line 1", id="call-0"),
    pytest.param(
        "call local a b\nexit", r"wrong number of operands for call at line 1", id="call-3"
    ),
    pytest.param("ldxb %r0\nexit", r"wrong number of operands for ldxb at line 1", id="ldxb-1"),
    pytest.param("ldabsw\nexit", r"wrong number of operands for ldabsw at line 1", id="ldabs-0"),
    pytest.param("lock\nexit", r"wrong number of operands for lock at line 1", id="lock-bare"),
    pytest.param(
        "lock or [%r10-8]\nexit", r"wrong number of operands for lock at line 1", id="lock-2"
    ),
    pytest.param(
        "lock fetch\nexit", r"wrong number of operands for lock at line 1", id="lock-fetch"
    ),
    pytest.param(
        "lock sub [%r10-8], %r1\nexit",
        r"unknown atomic operation 'sub' at line 1",
        id="lock-sub",
    ),
    pytest.param("call kernel 5\nexit", r"unknown call kind 'kernel' at line 1", id="call-kind"),
    pytest.param("lddw %r0, map 3\nexit", r"unknown lddw source 'map' at line 1", id="lddw-source"),
    # registers
    pytest.param("or %r0, %r50\nexit", r"invalid register '%r50' at line 1", id="r50"),
    pytest.param("mov %r11, 1\nexit", r"invalid register '%r11' at line 1", id="r11"),
    pytest.param("mov r1, 1\nexit", r"invalid register 'r1' at line 1", id="no-percent"),
    pytest.param("mov %rx, 1\nexit", r"invalid register '%rx' at line 1", id="not-a-number"),
    pytest.param("ldxb %r0, [%r16+1]\nexit", r"invalid register '%r16' at line 1", id="memory-r16"),
    pytest.param("call %r12\nexit", r"invalid register '%r12' at line 1", id="callx-r12"),
    # immediates
    pytest.param(
        "# comment\nmov32 %r0, 2147483648\nexit",
        r"immediate 2147483648 out of range at line 2",
        id="imm-dec-high",
    ),
    pytest.param(
        "mov %r0, -2147483649\nexit",
        r"immediate -2147483649 out of range at line 1",
        id="imm-dec-low",
    ),
    pytest.param(
        "mov32 %r0, 0x100000000\nexit",
        r"immediate 0x100000000 out of range at line 1",
        id="imm-hex",
    ),
    pytest.param(
        "mov %r0, -0x80000001\nexit",
        r"immediate -0x80000001 out of range at line 1",
        id="imm-neg-hex",
    ),
    pytest.param("mov %r0, five\nexit", r"invalid immediate 'five' at line 1", id="imm-word"),
    pytest.param("mov %r0, 1.5\nexit", r"invalid immediate '1.5' at line 1", id="imm-float"),
    pytest.param("mov %r0, 0x\nexit", r"invalid immediate '0x' at line 1", id="imm-bare-0x"),
    pytest.param(
        "call 0x100000000\nexit",
        r"immediate 0x100000000 out of range at line 1",
        id="call-imm",
    ),
    pytest.param(
        "lddw %r0, 18446744073709551616\nexit",
        r"immediate 18446744073709551616 out of range at line 1",
        id="lddw-high",
    ),
    pytest.param(
        "lddw %r0, -9223372036854775809\nexit",
        r"immediate -9223372036854775809 out of range at line 1",
        id="lddw-low",
    ),
    pytest.param(
        "lddw %r0, 0x10000000000000000\nexit",
        r"immediate 0x10000000000000000 out of range at line 1",
        id="lddw-hex",
    ),
    pytest.param("lddw %r0, x\nexit", r"invalid immediate 'x' at line 1", id="lddw-word"),
    pytest.param(
        "lddw %r0, map_fd x\nexit", r"invalid immediate 'x' at line 1", id="lddw-map-word"
    ),
    # memory operands and offsets
    pytest.param(
        "ldxb %r0, %r1\nexit", r"invalid memory operand '%r1' at line 1", id="no-brackets"
    ),
    pytest.param(
        "stb %r1, 1\nexit", r"invalid memory operand '%r1' at line 1", id="store-no-brackets"
    ),
    pytest.param(
        "ldxb %r0, [%r1*2]\nexit", r"invalid memory operand '\[%r1\*2\]' at line 1", id="star"
    ),
    pytest.param(
        "# comment\nldxb %r0, [%r1+0x10000]\nexit",
        r"offset \+0x10000 out of range at line 2",
        id="offset-hex",
    ),
    pytest.param(
        "ldxb %r0, [%r1+32768]\nexit",
        r"offset \+32768 out of range at line 1",
        id="offset-high",
    ),
    pytest.param(
        "ldxb %r0, [%r1-32769]\nexit", r"offset -32769 out of range at line 1", id="offset-low"
    ),
    pytest.param("ldxb %r0, [%r1+x]\nexit", r"invalid offset '\+x' at line 1", id="offset-word"),
    # jump targets and labels
    pytest.param(
        "ja NOT_A_LABEL\nexit", r"undefined label 'NOT_A_LABEL' at line 1", id="undefined"
    ),
    pytest.param(
        "call local nowhere\nexit", r"undefined label 'nowhere' at line 1", id="undefined-call"
    ),
    pytest.param("ja exit\nja -1", r"undefined label 'exit' at line 1", id="no-exit-at-all"),
    pytest.param("a:\nexit\na:\nexit", r"duplicate label 'a' at line 3", id="duplicate"),
    pytest.param("1a:\nexit", r"invalid label '1a' at line 1", id="label-digit"),
    pytest.param(":\nexit", r"invalid label '' at line 1", id="label-empty"),
    pytest.param("jeq %r0, 0, 5\nexit", r"invalid jump target '5' at line 1", id="bare-number"),
    pytest.param("ja +32768\nexit", r"offset \+32768 out of range at line 1", id="ja-offset"),
    pytest.param("ja +x\nexit", r"invalid offset '\+x' at line 1", id="ja-word"),
    pytest.param(
        "ja32 +2147483648\nexit",
        r"immediate \+2147483648 out of range at line 1",
        id="ja32-range",
    ),
    pytest.param(_far_jump(32768), r"jump to 'far' out of range at line 1", id="label-too-far"),
    # what validate() refuses, at the line of the instruction
    pytest.param("mov %r10, 1\nexit", r"r10 is read-only at line 1", id="write-r10"),
    pytest.param(
        "lock fetch add [%r1], %r10\nexit", r"r10 is read-only at line 1", id="fetch-into-r10"
    ),
    pytest.param(
        "mov %r0, 1\n\nja +1", r"jump out of range from insn 1 to 3 at line 3", id="jump-out"
    ),
    pytest.param(
        "ja +1\nlddw %r0, 1\nexit",
        r"jump into the middle of lddw from insn 0 to 2 at line 1",
        id="into-lddw",
    ),
    pytest.param("exit\nmov %r0, 1", r"last insn is not an exit or jmp at line 2", id="falls-off"),
    pytest.param("", r"empty program", id="empty"),
    pytest.param("# only a comment\n\n", r"empty program", id="only-comments"),
    pytest.param("start:\n", r"empty program", id="only-a-label"),
]


@pytest.mark.parametrize(("source", "message"), ERRORS)
def test_invalid_input_is_refused_naming_the_line(source: str, message: str) -> None:
    """Each row's message is matched whole; ``.line`` is the number its message ends with."""
    with pytest.raises(AsmError, match=f"^{message}$") as caught:
        assemble(source)
    named = re.search(r" at line (\d+)$", message)
    assert caught.value.line == (int(named.group(1)) if named else None)


def test_validation_errors_are_chained_to_the_instruction_error() -> None:
    with pytest.raises(AsmError) as caught:
        assemble("mov %r10, 1\nexit")
    assert isinstance(caught.value.__cause__, InstructionError)


def test_every_conformance_program_assembles(conformance_vector: tuple[str, str]) -> None:
    _, source = conformance_vector
    assert assemble(source)


ACCEPTED_NEGATIVES = {
    "error": "or %r0, %r10 only reads r10: the vector expects a failure elsewhere",
    "incorrect_return_value_high_bits": "a valid program whose expected result is wrong",
}

NEGATIVE_MESSAGES = {
    "invalid_imm32_dec_range": r"^immediate 2147483648 out of range at line 2$",
    "invalid_imm32_hex_range": r"^immediate 0x100000000 out of range at line 2$",
    "invalid_label": r"^undefined label 'NOT_A_LABEL' at line 1$",
    "invalid_lock": r"^wrong number of operands for lock at line 1$",
    "invalid_lock2": r"^wrong number of operands for lock at line 1$",
    "invalid_mnemonic": r"^unknown mnemonic 'ldxq' at line 2$",
    "invalid_offset": r"^invalid memory operand '%r1' at line 1$",
    "invalid_offset_range": r"^offset \+0x10000 out of range at line 2$",
    "invalid_operand_count": r"^wrong number of operands for lddw at line 1$",
    "invalid_register": r"^invalid register '%r50' at line 1$",
    "invalid_unknown_directive": r"^empty program$",
}


def test_negative_conformance_programs_are_refused(negative_vector: tuple[str, str]) -> None:
    name, source = negative_vector
    if name in ACCEPTED_NEGATIVES:
        assert assemble(source)
        return
    with pytest.raises(AsmError, match=NEGATIVE_MESSAGES.get(name, "")):
        assemble(source)
