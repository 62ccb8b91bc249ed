"""The JIT and the interpreter agree on random valid programs: same r0 or the same error, same
memory, same map contents, same instruction count.

Programs are built to do real work rather than fault at once: r6 holds the address of a
64-byte memory region (r1 on entry), loads, stores and atomics go through r6 or r10 (never
read otherwise, since the engines' stacks lie at different addresses) with
offsets a little wider than the region and the frame, jumps go forward, and two helpers
stand for maps and helper memory access. CI runs a sample; ``PYBPF_DIFF_EXAMPLES=20000`` runs
the long campaign.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pybpf import BpfRuntimeError, InstructionError
from pybpf.engine import ExecContext, Interpreter, Region
from pybpf.isa import (
    AluOp,
    AtomicOp,
    CallSrc,
    Class,
    Instruction,
    JmpOp,
    Mode,
    Size,
    Source,
    validate,
)

pytest.importorskip("llvmlite")

from pybpf.engine._jit import Jit

EXAMPLES = int(os.environ.get("PYBPF_DIFF_EXAMPLES", "25"))
MEM_SIZE = 64
SIZES = [Size.B, Size.H, Size.W, Size.DW]
ALU_OPS = [op for op in AluOp if op != AluOp.END]
JUMP_OPS = [op for op in JmpOp if op not in (JmpOp.JA, JmpOp.CALL, JmpOp.EXIT)]
ATOMICS = [AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR]
imm32 = st.integers(-(1 << 31), (1 << 31) - 1) | st.sampled_from([0, 1, -1, 7, 63, 64, -(1 << 31)])
reg = st.integers(0, 9).filter(lambda r: r != 6)  # r6 keeps the memory base


@st.composite
def alu(draw: st.DrawFn) -> Instruction:
    cls = draw(st.sampled_from([Class.ALU, Class.ALU64]))
    op = draw(st.sampled_from(ALU_OPS))
    offset = 0
    if op in (AluOp.DIV, AluOp.MOD):
        offset = draw(st.sampled_from([0, 1]))
    elif op == AluOp.MOV:
        offset = draw(st.sampled_from([0, 8, 16] + ([32] if cls == Class.ALU64 else [])))
    if op == AluOp.NEG:
        return Instruction(cls | op, dst=draw(reg))
    if draw(st.booleans()) or offset and op == AluOp.MOV:
        return Instruction(cls | Source.X | op, dst=draw(reg), src=draw(st.integers(0, 9)), offset=offset)
    return Instruction(cls | op, dst=draw(reg), offset=offset, imm=draw(imm32))


@st.composite
def byte_order(draw: st.DrawFn) -> Instruction:
    opcode = draw(st.sampled_from([0xD4, 0xDC, 0xD7]))
    return Instruction(opcode, dst=draw(reg), imm=draw(st.sampled_from([16, 32, 64])))


@st.composite
def memory(draw: st.DrawFn) -> Instruction:
    size = draw(st.sampled_from(SIZES))
    on_stack = draw(st.booleans())
    base = 10 if on_stack else 6
    offset = draw(st.integers(-530, -1)) if on_stack else draw(st.integers(-4, MEM_SIZE + 4))
    kind = draw(st.sampled_from(["ldx", "ldxsx", "st", "stx", "atomic"]))
    if kind == "ldx" or (kind == "ldxsx" and size == Size.DW):
        return Instruction(Class.LDX | Mode.MEM | size, dst=draw(reg), src=base, offset=offset)
    if kind == "ldxsx":
        return Instruction(Class.LDX | Mode.MEMSX | size, dst=draw(reg), src=base, offset=offset)
    if kind == "st":
        return Instruction(Class.ST | Mode.MEM | size, dst=base, offset=offset, imm=draw(imm32))
    if kind == "stx":
        return Instruction(Class.STX | Mode.MEM | size, dst=base, src=draw(st.integers(0, 9)), offset=offset)
    size = draw(st.sampled_from([Size.W, Size.DW]))
    op = draw(st.sampled_from([*ATOMICS, AtomicOp.XCHG, AtomicOp.CMPXCHG]))
    if op in ATOMICS and draw(st.booleans()):
        op |= 0x01  # FETCH
    return Instruction(Class.STX | Mode.ATOMIC | size, dst=base, src=draw(reg), offset=offset, imm=op)


@st.composite
def jump(draw: st.DrawFn) -> Instruction:
    cls = draw(st.sampled_from([Class.JMP, Class.JMP32]))
    op = draw(st.sampled_from(JUMP_OPS))
    offset = draw(st.integers(0, 4))
    if draw(st.booleans()):
        return Instruction(cls | Source.X | op, dst=draw(st.integers(0, 9)), src=draw(st.integers(0, 9)), offset=offset)
    return Instruction(cls | op, dst=draw(st.integers(0, 9)), offset=offset, imm=draw(imm32))


CALLS = [
    Instruction(Class.JMP | JmpOp.CALL, imm=1),  # the map helper: map[r2 & 0xff] = r3
    Instruction(Class.JMP | JmpOp.CALL, imm=2),  # reads 8 bytes at r1
    Instruction(Class.JMP | JmpOp.CALL, imm=77),  # a helper the table lacks
]
#: A subprogram: r0 = r1 * 3 kept through its own frame, plus a store into the caller's frame.
SUBPROGRAM = [
    Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=0, src=1),
    Instruction(Class.ALU64 | AluOp.MUL, dst=0, imm=3),
    Instruction(Class.STX | Mode.MEM | Size.DW, dst=10, src=0, offset=-8),
    Instruction(Class.STX | Mode.MEM | Size.DW, dst=10, src=0, offset=8),
    Instruction(Class.LDX | Mode.MEM | Size.DW, dst=0, src=10, offset=-8),
    Instruction(Class.JMP | JmpOp.EXIT),
]


@st.composite
def program(draw: st.DrawFn) -> list[Instruction]:
    body: list[Instruction] = []
    for _ in range(draw(st.integers(1, 30))):
        kind = draw(st.sampled_from(["alu", "alu", "mem", "mem", "jump", "call", "local", "end", "loop"]))
        if kind == "alu":
            body.append(draw(alu()))
        elif kind == "end":
            body.append(draw(byte_order()))
        elif kind == "mem":
            body.append(draw(memory()))
        elif kind == "jump":
            body.append(draw(jump()))
        elif kind == "call":
            body.append(draw(st.sampled_from(CALLS)))
        elif kind == "loop":  # a backward jump: the budget ends what does not stop
            body.append(Instruction(Class.JMP | JmpOp.JNE, dst=draw(reg), imm=draw(imm32), offset=-draw(st.integers(1, 3))))
        else:
            body.append(Instruction(Class.JMP | JmpOp.CALL, src=CallSrc.LOCAL, imm=-1))  # fixed below
    prologue = [
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=6, src=1),
        *(Instruction(Class.ALU64 | AluOp.MOV, dst=r, imm=draw(imm32)) for r in (0, 2, 3, 4, 5, 7, 8, 9)),
    ]
    insns = prologue + body + [Instruction(Class.JMP | JmpOp.EXIT)]
    sub = len(insns)  # each instruction is one slot: no lddw is generated
    fixed = [
        Instruction(i.opcode, src=i.src, imm=sub - pc - 1) if i.opcode == Class.JMP | JmpOp.CALL and i.src == CallSrc.LOCAL else i
        for pc, i in enumerate(insns)
    ]
    # Backward jumps must stay inside the body.
    fixed = [
        Instruction(i.opcode, i.dst, i.src, max(i.offset, len(prologue) - pc - 1), i.imm)
        if i.cls in (Class.JMP, Class.JMP32) and i.offset < 0 else i
        for pc, i in enumerate(fixed)
    ]
    return fixed + SUBPROGRAM


def _run(engine: Any, insns: list[Instruction], region: Region, mem: bytes) -> tuple[object, ...]:
    region.buf[:] = mem
    stored: dict[int, int] = {}

    def map_update(ctx: ExecContext, _1: int, key: int, value: int, *_: int) -> int:
        stored[key & 0xFF] = value
        return len(stored)

    def read_word(ctx: ExecContext, address: int, *_: int) -> int:
        return int.from_bytes(ctx.read(address, 8), "little")

    vm = engine(insns, helpers={1: map_update, 2: read_word}, max_instructions=3_000)
    try:
        outcome: object = vm.run(region.base, MEM_SIZE, regions=[region])
    except BpfRuntimeError as err:
        # (The interpreter does not update its count when a run faults: counts are compared
        # on completed runs only.)
        # Stack addresses differ between the engines' stacks: name them by their place.
        words = [_place(w, region) for w in str(err).split()]
        return (type(err).__name__, " ".join(words)), bytes(region.buf), stored
    return outcome, bytes(region.buf), stored, vm.last_instruction_count


def _place(word: str, region: Region) -> str:
    if not word.startswith("0x"):
        return word
    offset = int(word, 16) - region.base
    return f"mem{offset:+d}" if -4096 <= offset <= 4096 else "elsewhere"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(insns=program(), mem=st.binary(min_size=MEM_SIZE, max_size=MEM_SIZE))
def test_jit_and_interpreter_agree_on_random_programs(insns: list[Instruction], mem: bytes) -> None:
    try:
        validate(insns)
    except InstructionError:
        assume(False)
    # Both runs use the same region, so addresses derived from r1 are the same in both; r10
    # is only ever a memory base (the two engines' stacks lie at different addresses).
    region = Region(MEM_SIZE, "mem")
    assert _run(Jit, insns, region, mem) == _run(Interpreter, insns, region, mem)
