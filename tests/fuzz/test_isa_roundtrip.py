"""Properties of the instruction layer: bytes, instructions and text convert without loss."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import assume, given
from hypothesis import strategies as st

from pybpf.isa import (
    LDDW,
    ByteOrder,
    Instruction,
    InstructionError,
    assemble,
    check_instruction,
    decode,
    disassemble,
    encode,
    format_instruction,
)
from pybpf.isa._instruction import _RULES

EXIT = Instruction(0x95)
byteorders: st.SearchStrategy[ByteOrder] = st.sampled_from(["little", "big"])


def _field(rule: object, name: str, opcode: int) -> st.SearchStrategy[int]:
    """Values that ``rule`` allows for one field (see ``_RULES`` in ``_instruction``)."""
    if isinstance(rule, frozenset):
        return st.sampled_from(sorted(rule))
    if rule == "r":
        return st.integers(0, 10)
    if rule == "w":
        return st.integers(0, 9)
    if name == "offset":
        return st.integers(-(2**15), 2**15 - 1)
    if opcode == LDDW:
        return st.integers(0, 2**64 - 1)
    return st.integers(-(2**31), 2**31 - 1)


@st.composite
def valid_instructions(draw: st.DrawFn) -> Instruction:
    opcode = draw(st.sampled_from(sorted(_RULES)))
    names = ("dst", "src", "offset", "imm")
    fields = [draw(_field(rule, name, opcode)) for rule, name in zip(_RULES[opcode], names)]
    insn = Instruction(opcode, *fields)
    try:
        check_instruction(insn, 0)
    except InstructionError:
        assume(False)  # the one cross-field rule: a fetching atomic may not write r10
    return insn


def _aim_at_next(insn: Instruction) -> Instruction:
    """The same instruction, with any jump distance changed to land on the next instruction."""
    if insn.jump_target(0) is None:
        return insn
    if insn.opcode == LDDW:
        return replace(insn, imm=(insn.imm & ~0xFFFFFFFF) | 1)  # counted from the second slot
    if insn.opcode == 0x06 or insn.opcode == 0x85:
        return replace(insn, imm=0)
    return replace(insn, offset=0)


@given(st.lists(valid_instructions(), max_size=8), byteorders)
def test_valid_instructions_survive_encode_and_decode(
    insns: list[Instruction], byteorder: ByteOrder
) -> None:
    assert decode(encode(insns, byteorder), byteorder) == insns


@given(st.binary(max_size=64), byteorders)
def test_any_bytes_decode_or_raise_instruction_error(data: bytes, byteorder: ByteOrder) -> None:
    try:
        insns = decode(data, byteorder)
    except InstructionError:
        return
    assert encode(insns, byteorder) == data


def _has_ubpf_spelling(insn: Instruction) -> bool:
    """load-acquire, store-release and may_goto are newer than the uBPF syntax."""
    is_atomic = insn.opcode & 0xE7 == 0xC3
    return not (is_atomic and insn.imm in (0x100, 0x110)) and insn.opcode != 0xE5


@given(valid_instructions().filter(_has_ubpf_spelling))
def test_valid_instructions_survive_the_ubpf_syntax(insn: Instruction) -> None:
    program = [_aim_at_next(insn), EXIT]
    assert assemble(disassemble(program, syntax="ubpf")) == program


@given(
    st.integers(0, 255),
    st.integers(0, 15),
    st.integers(0, 15),
    st.integers(-(2**15), 2**15 - 1),
    st.integers(-(2**31), 2**31 - 1),
)
def test_kernel_text_exists_for_any_instruction(
    opcode: int, dst: int, src: int, offset: int, imm: int
) -> None:
    text = format_instruction(Instruction(opcode, dst, src, offset, imm))
    assert text and "\n" not in text
