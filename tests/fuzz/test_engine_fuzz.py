"""Untrusted bytecode never crashes the host: a random valid program either returns a u64 or
raises BpfRuntimeError (a bad access, the budget, an unknown helper), nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pybpf import BpfRuntimeError, InstructionError
from pybpf.engine import Interpreter, Region
from pybpf.isa import LDDW, Instruction, validate
from pybpf.isa._instruction import _RULES

OPCODES = sorted(_RULES)
FIELD_DEFAULTS = {"r": st.integers(0, 10), "w": st.integers(0, 9), "*": None}


def _field(rule: object, wide: bool) -> st.SearchStrategy[int]:
    if rule == "r":
        return st.integers(0, 10)
    if rule == "w":
        return st.integers(0, 9)
    if rule == "*":
        return st.integers(-(1 << 63), (1 << 64) - 1) if wide else st.integers(-(1 << 31), (1 << 31) - 1)
    return st.sampled_from(sorted(rule))  # type: ignore[arg-type]


@st.composite
def instruction(draw: st.DrawFn) -> Instruction:
    opcode = draw(st.sampled_from(OPCODES))
    dst, src, off, imm = _RULES[opcode]
    offset = draw(st.integers(-8, 8)) if off == "*" else draw(_field(off, False))
    value = draw(_field(imm, opcode == LDDW))
    if opcode == LDDW:
        value &= (1 << 64) - 1
    return Instruction(opcode, draw(_field(dst, False)), draw(_field(src, False)), offset, value)


@st.composite
def program(draw: st.DrawFn) -> list[Instruction]:
    body = draw(st.lists(instruction(), min_size=1, max_size=24))
    return [Instruction(0xB7, dst=0), *body, Instruction(0x95)]  # r0 = 0 ... exit


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(prog=program(), mem=st.binary(min_size=0, max_size=64))
def test_random_valid_programs_return_or_fault_cleanly(prog: list[Instruction], mem: bytes) -> None:
    try:
        validate(prog)
    except InstructionError:
        assume(False)
    region = Region.from_bytes(mem, "mem")
    vm = Interpreter(prog, helpers={5: lambda ctx, a, *_: a}, max_instructions=5_000)
    try:
        r0 = vm.run(region.base, len(mem), regions=[region], packet=region)
    except BpfRuntimeError:
        return
    assert 0 <= r0 < 1 << 64
