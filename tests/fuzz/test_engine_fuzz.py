"""Untrusted bytecode never crashes the host: a random valid program either returns a u64 or
raises BpfRuntimeError (a bad access, the budget, an unknown helper), nothing else.

Programs are valid by construction, so every example Hypothesis generates is run: each field
is drawn from what the ISA allows for its opcode, and every jump, ``gotol``, local call and
subprogram address is aimed at the first slot of an instruction of the program (backward
targets make loops, which the instruction budget ends). Hypothesis still counts as invalid the
attempts it cuts short itself (an overrun of its length cap, before any program exists).
"""

from __future__ import annotations

import dataclasses
from itertools import accumulate

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import BpfRuntimeError
from pybpf.engine import Interpreter, Region
from pybpf.isa import FETCH, LDDW, CallSrc, Class, Instruction, JmpOp, PseudoSrc, validate
from pybpf.isa._instruction import _RULES

OPCODES = sorted(_RULES)
ATOMICS = frozenset(op for op in OPCODES if op & 0x07 == Class.STX and op & 0xE0 == 0xC0)


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
    """One well-formed instruction; its jump fields are aimed later, by :func:`program`."""
    opcode = draw(st.sampled_from(OPCODES))
    dst, src, off, imm = _RULES[opcode]
    offset = draw(st.integers(-8, 8)) if off == "*" else draw(_field(off, False))
    value = draw(_field(imm, opcode == LDDW))
    if opcode == LDDW:
        value &= (1 << 64) - 1
    source = draw(_field(src, False))
    if opcode in ATOMICS and value & FETCH and value != 0x110:
        source = draw(st.integers(0, 9))  # a fetching atomic writes its source register
    target = draw(_field(dst, False))
    if opcode in ATOMICS and value == 0x100:
        target = draw(st.integers(0, 9))  # a load-acquire writes its destination register
    return Instruction(opcode, target, source, offset, value)


def _aimed(draw: st.DrawFn, insn: Instruction, pc: int, starts: list[int]) -> Instruction:
    """``insn`` with its jump target, if it has one, moved to an instruction of the program."""
    if insn.jump_target(pc) is None:
        return insn
    delta = draw(st.sampled_from(starts)) - pc - 1
    in_imm = (
        insn.opcode == Class.JMP32 | JmpOp.JA
        or (insn.opcode == Class.JMP | JmpOp.CALL and insn.src == CallSrc.LOCAL)
        or (insn.opcode == LDDW and insn.src == PseudoSrc.FUNC)
    )
    return dataclasses.replace(insn, imm=delta) if in_imm else dataclasses.replace(insn, offset=delta)


@st.composite
def program(draw: st.DrawFn) -> list[Instruction]:
    """``r0 = 0``, up to 24 random instructions, ``exit``: valid whatever is drawn."""
    body = draw(st.lists(instruction(), min_size=1, max_size=24))
    insns = [Instruction(0xB7, dst=0), *body, Instruction(0x95)]
    starts = list(accumulate((insn.width for insn in insns), initial=0))[:-1]
    return [_aimed(draw, insn, pc, starts) for insn, pc in zip(insns, starts, strict=True)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prog=program(), mem=st.binary(min_size=0, max_size=64))
def test_random_valid_programs_return_or_fault_cleanly(prog: list[Instruction], mem: bytes) -> None:
    validate(prog)  # every generated program is valid: none is discarded
    region = Region.from_bytes(mem, "mem")
    vm = Interpreter(prog, helpers={5: lambda ctx, a, *_: a}, max_instructions=5_000)
    try:
        r0 = vm.run(region.base, len(mem), regions=[region], packet=region)
    except BpfRuntimeError:
        return
    assert 0 <= r0 < 1 << 64


@settings(max_examples=100, deadline=None)
@given(prog=program())
def test_generated_programs_jump_and_call_inside_themselves(prog: list[Instruction]) -> None:
    starts = set(accumulate((insn.width for insn in prog), initial=0))
    end = max(starts)
    pcs = list(accumulate((insn.width for insn in prog), initial=0))[:-1]
    for pc, insn in zip(pcs, prog, strict=True):
        target = insn.jump_target(pc)
        assert target is None or (target in starts and target < end)
