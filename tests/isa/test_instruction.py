"""Decoding, encoding and the well-formedness rules of :mod:`pybpf.isa._instruction`."""

from __future__ import annotations

import itertools
import struct

import pytest

from pybpf.isa import (
    LDDW,
    ByteOrder,
    Instruction,
    InstructionError,
    decode,
    encode,
    is_valid_opcode,
    iter_pcs,
    validate,
)
from pybpf.isa._instruction import _RULES

EXIT = Instruction(0x95)
BYTE_ORDERS: tuple[ByteOrder, ...] = ("little", "big")


def _choices(rule: object, field: str, opcode: int) -> list[int]:
    """Values worth trying for one field under one rule: every allowed value of a set."""
    if isinstance(rule, frozenset):
        return sorted(rule)
    if rule == "r":
        return [10]  # r10 may be read
    if rule == "w":
        return [9]
    if field == "offset":
        return [-32768]
    return [0xFEDCBA9876543210 if opcode == LDDW else -(2**31)]


def _valid_instructions() -> list[object]:
    cases: list[object] = []
    for opcode, rules in sorted(_RULES.items()):
        fields = ("dst", "src", "offset", "imm")
        choices = [_choices(rule, name, opcode) for rule, name in zip(rules, fields)]
        for variant, (dst, src, offset, imm) in enumerate(itertools.product(*choices)):
            insn = Instruction(opcode, dst, src, offset, imm)
            if insn.imm & 1 and insn.imm != 0x110 and insn.src == 10 and opcode & 0xE7 == 0xC3:
                continue  # a fetching atomic writes its source: r10 is refused there
            if insn.imm == 0x100 and insn.dst == 10 and opcode & 0xE7 == 0xC3:
                continue  # a load-acquire writes its destination
            cases.append(pytest.param(insn, id=f"{opcode:#04x}-{variant}"))
    return cases


VALID = _valid_instructions()


@pytest.mark.parametrize("byteorder", BYTE_ORDERS)
@pytest.mark.parametrize("insn", VALID)
def test_every_valid_opcode_round_trips(insn: Instruction, byteorder: ByteOrder) -> None:
    data = insn.encode(byteorder)
    assert len(data) == 8 * insn.width
    assert decode(data, byteorder) == [insn]
    assert encode([insn, EXIT], byteorder) == data + EXIT.encode(byteorder)


@pytest.mark.parametrize(
    ("byteorder", "data"),
    [
        pytest.param("little", bytes.fromhex("1d21feff000000000703000078563412"), id="little"),
        pytest.param("big", bytes.fromhex("1d12fffe000000000730000012345678"), id="big"),
    ],
)
def test_register_nibbles_and_fields_follow_the_byte_order(
    byteorder: ByteOrder, data: bytes
) -> None:
    assert decode(data, byteorder) == [
        Instruction(0x1D, dst=1, src=2, offset=-2),
        Instruction(0x07, dst=3, imm=0x12345678),
    ]


def test_lddw_immediate_joins_both_slots() -> None:
    data = bytes.fromhex("18010000887766550000000044332211")
    assert decode(data) == [Instruction(LDDW, dst=1, imm=0x1122334455667788)]


def test_width_counts_lddw_as_two_slots() -> None:
    program = [Instruction(LDDW, imm=1), Instruction(0xB7), EXIT]
    assert [pc for pc, _ in iter_pcs(program)] == [0, 2, 3]
    assert [insn.width for insn in program] == [2, 1, 1]


@pytest.mark.parametrize(
    ("insn", "pc", "target"),
    [
        pytest.param(Instruction(0x05, offset=-3), 5, 3, id="ja"),
        pytest.param(Instruction(0x15, 1, offset=2), 0, 3, id="jeq"),
        pytest.param(Instruction(0x06, imm=7), 1, 9, id="gotol"),
        pytest.param(Instruction(0x85, src=1, imm=4), 2, 7, id="call-local"),
        pytest.param(Instruction(LDDW, 1, 4, imm=0xFFFFFFFF), 3, 3, id="lddw-func"),
        pytest.param(Instruction(0x85, imm=4), 2, None, id="call-helper"),
        pytest.param(EXIT, 0, None, id="exit"),
        pytest.param(Instruction(0x07, 1), 0, None, id="alu"),
    ],
)
def test_jump_target_is_relative_to_the_next_slot(
    insn: Instruction, pc: int, target: int | None
) -> None:
    assert insn.jump_target(pc) == target


def test_is_valid_opcode_knows_the_rules() -> None:
    assert is_valid_opcode(0x07)
    assert not is_valid_opcode(0xFF)


def _slot(opcode: int, regs: int = 0, offset: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", opcode, regs, offset, imm)


DECODE_ERRORS = [
    pytest.param(_slot(0xFF), r"^unknown opcode 0xff at PC 0$", 0, id="unknown-opcode"),
    pytest.param(
        _slot(0xB7) + _slot(0x8E), r"^unknown opcode 0x8e at PC 1$", 1, id="unknown-opcode-later"
    ),
    pytest.param(_slot(0x07, 0x10, 0, 1), r"^invalid reserved field src=1 at PC 0$", 0, id="alu-imm-src"),
    pytest.param(_slot(0x07, 0, 1, 1), r"^invalid reserved field offset=1 at PC 0$", 0, id="alu-imm-offset"),
    pytest.param(_slot(0x0F, 0, 0, 1), r"^invalid reserved field imm=1 at PC 0$", 0, id="alu-reg-imm"),
    pytest.param(_slot(0x37, 0, 2, 1), r"^invalid field offset=2 at PC 0$", 0, id="div-offset"),
    pytest.param(_slot(0xBF, 0x20, 24), r"^invalid field offset=24 at PC 0$", 0, id="movsx-offset"),
    pytest.param(_slot(0xBC, 0x20, 32), r"^invalid field offset=32 at PC 0$", 0, id="movsx32-by-32"),
    pytest.param(_slot(0xD4, 0, 0, 8), r"^invalid field imm=8 at PC 0$", 0, id="end-width"),
    pytest.param(_slot(0x87, 0, 0, 1), r"^invalid reserved field imm=1 at PC 0$", 0, id="neg-imm"),
    pytest.param(_slot(0x95, 1), r"^invalid reserved field dst=1 at PC 0$", 0, id="exit-dst"),
    pytest.param(_slot(0x05, 0, 0, 1), r"^invalid reserved field imm=1 at PC 0$", 0, id="ja-imm"),
    pytest.param(_slot(0x06, 0, 1), r"^invalid reserved field offset=1 at PC 0$", 0, id="gotol-offset"),
    pytest.param(_slot(0x85, 0x30), r"^invalid field src=3 at PC 0$", 0, id="call-src"),
    pytest.param(_slot(0x8D, 0x01, 0, 1), r"^invalid reserved field imm=1 at PC 0$", 0, id="callx-imm"),
    pytest.param(_slot(0xDB, 0x21, 0, 2), r"^invalid field imm=2 at PC 0$", 0, id="atomic-op"),
    pytest.param(_slot(0x61, 0x21, 0, 1), r"^invalid reserved field imm=1 at PC 0$", 0, id="ldx-imm"),
    pytest.param(_slot(0x62, 0x21, 0, 1), r"^invalid reserved field src=2 at PC 0$", 0, id="st-src"),
    pytest.param(_slot(0x18, 0x71) + _slot(0), r"^invalid field src=7 at PC 0$", 0, id="lddw-src"),
    pytest.param(_slot(0x07, 0x0B), r"^invalid register r11 at PC 0$", 0, id="dst-r11"),
    pytest.param(_slot(0x0F, 0xF1), r"^invalid register r15 at PC 0$", 0, id="src-r15"),
    pytest.param(_slot(0xB7, 0x0A), r"^r10 is read-only at PC 0$", 0, id="mov-r10"),
    pytest.param(_slot(0x61, 0x1A), r"^r10 is read-only at PC 0$", 0, id="ldx-r10"),
    pytest.param(_slot(0xDB, 0xA1, 0, 1), r"^r10 is read-only at PC 0$", 0, id="fetch-into-r10"),
    pytest.param(_slot(0x18), r"^truncated lddw at PC 0$", 0, id="truncated-lddw"),
    pytest.param(_slot(0x18) + _slot(0x95), r"^invalid second slot of lddw at PC 0$", 0, id="lddw-slot-opcode"),
    pytest.param(_slot(0x18) + _slot(0, 1), r"^invalid second slot of lddw at PC 0$", 0, id="lddw-slot-regs"),
    pytest.param(_slot(0x18) + _slot(0, 0, 1), r"^invalid second slot of lddw at PC 0$", 0, id="lddw-slot-offset"),
    pytest.param(b"\x95" * 7, r"^program size 7 is not a multiple of 8$", None, id="size-7"),
    pytest.param(b"\x95" * 12, r"^program size 12 is not a multiple of 8$", None, id="size-12"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "message", "pc"), DECODE_ERRORS)
def test_decode_refuses_malformed_bytes(data: bytes, message: str, pc: int | None) -> None:
    with pytest.raises(InstructionError, match=message) as caught:
        decode(data)
    assert caught.value.pc == pc


def test_decode_of_nothing_is_an_empty_list() -> None:
    assert decode(b"") == []


VALIDATE_ERRORS = [
    pytest.param([], r"^empty program$", None, id="empty"),
    pytest.param(
        [Instruction(0xB7)], r"^last insn is not an exit or jmp at PC 0$", 0, id="no-exit"
    ),
    pytest.param(
        [EXIT, Instruction(LDDW, imm=1)],
        r"^last insn is not an exit or jmp at PC 1$",
        1,
        id="ends-in-lddw",
    ),
    pytest.param(
        [Instruction(0x05, offset=1), EXIT],
        r"^jump out of range from insn 0 to 2$",
        0,
        id="ja-past-end",
    ),
    pytest.param(
        [EXIT, Instruction(0x15, 1, offset=-3), EXIT],
        r"^jump out of range from insn 1 to -1$",
        1,
        id="jeq-before-start",
    ),
    pytest.param(
        [Instruction(0x85, src=1, imm=5), EXIT],
        r"^jump out of range from insn 0 to 6$",
        0,
        id="call-local",
    ),
    pytest.param(
        [Instruction(0x06, imm=-2), EXIT], r"^jump out of range from insn 0 to -1$", 0, id="gotol"
    ),
    pytest.param(
        [Instruction(0x05, offset=1), Instruction(LDDW, imm=1), EXIT],
        r"^jump into the middle of lddw from insn 0 to 2$",
        0,
        id="into-lddw",
    ),
    pytest.param(
        [Instruction(LDDW, 1, 4, imm=2), Instruction(LDDW, imm=1), EXIT],
        r"^jump into the middle of lddw from insn 0 to 3$",
        0,
        id="lddw-func-into-lddw",
    ),
    pytest.param([Instruction(0xFF), EXIT], r"^unknown opcode 0xff at PC 0$", 0, id="bad-insn"),
    pytest.param([Instruction(0xB7, dst=10), EXIT], r"^r10 is read-only at PC 0$", 0, id="r10"),
]


@pytest.mark.parametrize(("program", "message", "pc"), VALIDATE_ERRORS)
def test_validate_refuses_malformed_programs(
    program: list[Instruction], message: str, pc: int | None
) -> None:
    with pytest.raises(InstructionError, match=message) as caught:
        validate(program)
    assert caught.value.pc == pc


@pytest.mark.parametrize(
    "program",
    [
        pytest.param([EXIT], id="exit"),
        pytest.param([Instruction(0x05, offset=-1)], id="ends-in-ja"),
        pytest.param([Instruction(0x06, imm=-1)], id="ends-in-gotol"),
        pytest.param(
            [Instruction(0x05, offset=2), Instruction(LDDW, imm=1), EXIT], id="jump-over-lddw"
        ),
        pytest.param([Instruction(0x85, src=1, imm=0), EXIT], id="call-next"),
    ],
)
def test_validate_accepts_well_formed_programs(program: list[Instruction]) -> None:
    validate(program)


def test_unchecked_decode_keeps_a_lone_lddw_slot_for_the_verifier() -> None:
    from pybpf.isa import LDDW_ALONE

    truncated = bytes.fromhex("b700000000000000" "9500000000000000" "1800000001000000")
    assert [i.opcode for i in decode(truncated, check=False)] == [0xB7, 0x95, LDDW_ALONE]
    bad_pair = bytes.fromhex("1800000001000000" "b700000000000000" "9500000000000000")
    insns = decode(bad_pair, check=False)
    assert [i.opcode for i in insns] == [LDDW_ALONE, 0xB7, 0x95]
    assert encode(insns) == bad_pair
    with pytest.raises(InstructionError, match="^truncated lddw at PC 2$"):
        decode(truncated)


def test_unchecked_decode_keeps_any_fields() -> None:
    code = bytes.fromhex("ff00000000000000" "b70a000001000000" "e500000000000000")
    assert [(i.opcode, i.dst) for i in decode(code, check=False)] == [(0xFF, 0), (0xB7, 10), (0xE5, 0)]
