"""The JIT and the interpreter agree on random valid programs: same r0 or the same error, same
memory, same map contents, same instruction count.

Programs are built to do real work rather than fault at once: r6 holds the address of a
64-byte memory region (r1 on entry), loads, stores and atomics go through r6 or r10 (never
read otherwise, since the engines' stacks lie at different addresses) with
offsets a little wider than the region and the frame, jumps go forward, and two helpers
stand for maps and helper memory access. CI runs a sample (``PYBPF_DIFF_EXAMPLES`` sets its
size); ``python tests/fuzz/test_engine_differential.py 20000`` runs the long campaign, one
seed per program, printing its progress.

A second property runs the programs of the same kind that the verifier accepts (as syscall
programs, without helper calls or backward jumps, with a subprogram that keeps to its own
frame) with the JIT given the verifier's facts, so the accesses proven inside a frame run
unchecked there and checked in the interpreter: both must still agree. Both kinds draw the
newer instructions too: ``may_goto`` (loops of a few rounds in verified programs), load-acquire
and store-release, every atomic (``cmpxchg``, ``xchg``, the fetch forms), ``sdiv``/``smod``,
``movsx``, ``bswap`` and 32-bit jumps. Map helpers and ``bpf_loop`` run through a whole runtime
in :mod:`test_runtime_differential`.
"""

from __future__ import annotations

import os
import random
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pybpf import BpfRuntimeError, InstructionError
from pybpf._spec import ProgType
from pybpf.engine import ExecContext, Interpreter, Region
from pybpf.isa import (
    FETCH,
    LOAD_ACQ,
    MAY_GOTO,
    STORE_REL,
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
from pybpf.verifier import VerifierError, VerifyInput, check_structure, sanitize_dead_code, verify

pytest.importorskip("llvmlite")

from pybpf.engine._jit import Jit

EXAMPLES = int(os.environ.get("PYBPF_DIFF_EXAMPLES", "25"))
MEM_SIZE = 64
SIZES = [Size.B, Size.H, Size.W, Size.DW]
ALU_OPS = [op for op in AluOp if op != AluOp.END]
JUMP_OPS = [op for op in JmpOp if op not in (JmpOp.JA, JmpOp.CALL, JmpOp.EXIT)]
ATOMICS = [AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR]
REGS = [0, 1, 2, 3, 4, 5, 7, 8, 9]  # written freely; r6 keeps the memory base
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


def _imm(rng: random.Random) -> int:
    if rng.random() < 0.3:
        return rng.choice([0, 1, -1, 7, 63, 64, -(1 << 31)])
    return rng.randint(-(1 << 31), (1 << 31) - 1)


def _reg(rng: random.Random) -> int:
    return rng.choice(REGS)


def _alu(rng: random.Random) -> Instruction:
    cls = rng.choice([Class.ALU, Class.ALU64])
    op = rng.choice(ALU_OPS)
    offset = 0
    if op in (AluOp.DIV, AluOp.MOD):
        offset = rng.choice([0, 1])
    elif op == AluOp.MOV:
        offset = rng.choice([0, 8, 16] + ([32] if cls == Class.ALU64 else []))
    if op == AluOp.NEG:
        return Instruction(cls | op, dst=_reg(rng))
    if rng.random() < 0.5 or offset and op == AluOp.MOV:
        return Instruction(cls | Source.X | op, dst=_reg(rng), src=rng.randint(0, 9), offset=offset)
    return Instruction(cls | op, dst=_reg(rng), offset=offset, imm=_imm(rng))


def _byte_order(rng: random.Random) -> Instruction:
    return Instruction(rng.choice([0xD4, 0xDC, 0xD7]), dst=_reg(rng), imm=rng.choice([16, 32, 64]))


def _memory(rng: random.Random) -> Instruction:
    size = rng.choice(SIZES)
    on_stack = rng.random() < 0.5
    base = 10 if on_stack else 6
    offset = rng.randint(-530, -1) if on_stack else rng.randint(-4, MEM_SIZE + 4)
    kind = rng.choice(["ldx", "ldxsx", "st", "stx", "atomic", "acquire", "release"])
    if kind == "acquire":
        return Instruction(Class.STX | Mode.ATOMIC | size, dst=_reg(rng), src=base, offset=offset, imm=LOAD_ACQ)
    if kind == "release":
        return Instruction(Class.STX | Mode.ATOMIC | size, dst=base, src=rng.randint(0, 9), offset=offset, imm=STORE_REL)
    if kind == "ldx" or (kind == "ldxsx" and size == Size.DW):
        return Instruction(Class.LDX | Mode.MEM | size, dst=_reg(rng), src=base, offset=offset)
    if kind == "ldxsx":
        return Instruction(Class.LDX | Mode.MEMSX | size, dst=_reg(rng), src=base, offset=offset)
    if kind == "st":
        return Instruction(Class.ST | Mode.MEM | size, dst=base, offset=offset, imm=_imm(rng))
    if kind == "stx":
        return Instruction(Class.STX | Mode.MEM | size, dst=base, src=rng.randint(0, 9), offset=offset)
    size = rng.choice([Size.W, Size.DW])
    op = rng.choice([*ATOMICS, AtomicOp.XCHG, AtomicOp.CMPXCHG])
    if op in ATOMICS and rng.random() < 0.5:
        op |= 0x01  # FETCH
    return Instruction(Class.STX | Mode.ATOMIC | size, dst=base, src=_reg(rng), offset=offset, imm=op)


def _jump(rng: random.Random) -> Instruction:
    cls = rng.choice([Class.JMP, Class.JMP32])
    op = rng.choice(JUMP_OPS)
    offset = rng.randint(0, 4)
    if rng.random() < 0.5:
        return Instruction(cls | Source.X | op, dst=rng.randint(0, 9), src=rng.randint(0, 9), offset=offset)
    return Instruction(cls | op, dst=rng.randint(0, 9), offset=offset, imm=_imm(rng))


def _loop(rng: random.Random) -> Instruction:
    """A backward jump (or a ``may_goto`` either way): the budget ends what does not stop."""
    if rng.random() < 0.3:
        return Instruction(Class.JMP | MAY_GOTO, offset=rng.randint(-3, 3))
    return Instruction(Class.JMP | JmpOp.JNE, dst=_reg(rng), imm=_imm(rng), offset=-rng.randint(1, 3))


_LOCAL_CALL = Instruction(Class.JMP | JmpOp.CALL, src=CallSrc.LOCAL, imm=-1)  # target fixed below
_MAKERS = [_alu, _alu, _memory, _memory, _jump, _byte_order, _loop,
           lambda rng: rng.choice(CALLS), lambda rng: _LOCAL_CALL]


#: Registers verified programs compute with: initialised scalars (r6 keeps the context).
_SCALARS = [0, 1, 2, 3, 4, 5, 7, 8, 9]
_SIZE_BYTES = {Size.B: 1, Size.H: 2, Size.W: 4, Size.DW: 8}


def _verified_alu(rng: random.Random) -> list[Instruction]:
    insn = _alu(rng)
    src = rng.choice(_SCALARS) if insn.opcode & Source.X else 0
    return [Instruction(insn.opcode, rng.choice(_SCALARS), src, insn.offset, insn.imm)]


def _verified_memory(rng: random.Random) -> list[Instruction]:
    """An access the verifier can prove: the context (r6) or the frame (r10), aligned."""
    size = rng.choice(SIZES)
    n = _SIZE_BYTES[size]
    on_stack = rng.random() < 0.7
    base = 10 if on_stack else 6
    offset = n * (rng.randint(-512 // n, -1) if on_stack else rng.randint(0, MEM_SIZE // n - 1))
    kind = rng.choice(["ldx", "st", "stx", "atomic", "acquire", "release"] if on_stack else ["ldx", "st", "stx"])
    if kind == "ldx":
        return [Instruction(Class.LDX | Mode.MEM | size, dst=rng.choice(_SCALARS), src=base, offset=offset)]
    if kind == "st":
        return [Instruction(Class.ST | Mode.MEM | size, dst=base, offset=offset, imm=_imm(rng))]
    if kind == "stx":
        return [Instruction(Class.STX | Mode.MEM | size, dst=base, src=rng.choice(_SCALARS), offset=offset)]
    if kind == "acquire":  # the kernel refuses these on the context: the frame only
        return [Instruction(Class.STX | Mode.ATOMIC | size, dst=rng.choice(_SCALARS), src=10, offset=offset, imm=LOAD_ACQ)]
    if kind == "release":
        return [Instruction(Class.STX | Mode.ATOMIC | size, dst=10, src=rng.choice(_SCALARS), offset=offset, imm=STORE_REL)]
    size = rng.choice([Size.W, Size.DW])
    offset = _SIZE_BYTES[size] * rng.randint(-512 // _SIZE_BYTES[size], -1)
    op = rng.choice([*ATOMICS, *(a | FETCH for a in ATOMICS), AtomicOp.XCHG, AtomicOp.CMPXCHG])
    return [Instruction(Class.STX | Mode.ATOMIC | size, dst=10, src=rng.choice(_SCALARS), offset=offset, imm=op)]


def _may_goto_loop(rng: random.Random) -> list[Instruction]:
    """``rC = 0; L: may_goto out; rC += 1; step; if rC < n goto L``: a loop of up to n rounds."""
    counter = rng.choice(_SCALARS[1:])
    body = [i for i in _verified_alu(rng) if i.dst != counter]
    return [
        Instruction(Class.ALU64 | AluOp.MOV, dst=counter, imm=0),
        Instruction(Class.JMP | MAY_GOTO, offset=len(body) + 2),
        Instruction(Class.ALU64 | AluOp.ADD, dst=counter, imm=1),
        *body,
        Instruction(Class.JMP | JmpOp.JLT, dst=counter, imm=rng.randint(1, 6), offset=-(len(body) + 3)),
    ]


def _variable_stack(rng: random.Random) -> list[Instruction]:
    """A store or load at a variable, masked offset in a 64-byte window of the frame."""
    index, pointer = rng.sample([2, 3, 4, 5, 7, 8, 9], 2)
    size = rng.choice(SIZES)
    mask = 64 - _SIZE_BYTES[size]  # a multiple of the size below 64
    access = (
        Instruction(Class.STX | Mode.MEM | size, dst=pointer, src=rng.choice(_SCALARS), offset=0)
        if rng.random() < 0.5
        else Instruction(Class.LDX | Mode.MEM | size, dst=rng.choice(_SCALARS), src=pointer, offset=0)
    )
    return [
        Instruction(Class.ALU64 | AluOp.AND, dst=index, imm=mask),
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=pointer, src=10),
        Instruction(Class.ALU64 | AluOp.ADD, dst=pointer, imm=-64 * rng.randint(1, 8)),
        Instruction(Class.ALU64 | Source.X | AluOp.ADD, dst=pointer, src=index),
        access,
        Instruction(Class.ALU64 | AluOp.MOV, dst=pointer, imm=_imm(rng)),  # a scalar again
    ]


def _verified_jump(rng: random.Random) -> list[Instruction]:
    insn = _jump(rng)
    src = rng.choice(_SCALARS) if insn.opcode & Source.X else 0
    return [Instruction(insn.opcode, rng.choice(_SCALARS), src, insn.offset, insn.imm)]


def _verified_call(rng: random.Random) -> list[Instruction]:
    """A call of the subprogram, then r1-r5 (which it clobbers) set again."""
    again = [Instruction(Class.ALU64 | AluOp.MOV, dst=r, imm=_imm(rng)) for r in range(1, 6)]
    return [Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=1, src=rng.choice(_SCALARS)), _LOCAL_CALL, *again]


_VERIFIED_MAKERS = [_verified_alu, _verified_memory, _verified_memory, _variable_stack, _verified_jump,
                    lambda rng: [_byte_order(rng)], _verified_call, _may_goto_loop]
#: The subprogram of verified programs: r0 = r1 * 3, kept through its own frame.
_VERIFIED_SUBPROGRAM = [*SUBPROGRAM[:3], *SUBPROGRAM[4:]]


def random_verifiable_program(rng: random.Random) -> list[Instruction]:
    """A program of up to 30 random steps the verifier can accept (no helper calls, no
    backward jumps, proven accesses only), jumps kept inside the body; the subprogram follows
    when it is called. Returns what the maker drew: the verifier still judges it."""
    prologue = [
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=6, src=1),
        *(Instruction(Class.ALU64 | AluOp.MOV, dst=r, imm=_imm(rng)) for r in _SCALARS),
    ]
    body = [insn for _ in range(rng.randint(1, 30)) for insn in rng.choice(_VERIFIED_MAKERS)(rng)]
    insns = prologue + body + [Instruction(Class.JMP | JmpOp.EXIT)]
    sub = len(insns)
    fixed = []
    for pc, i in enumerate(insns):
        if i is _LOCAL_CALL:
            i = Instruction(i.opcode, src=i.src, imm=sub - pc - 1)
        elif i.cls in (Class.JMP, Class.JMP32) and i.opcode & 0xF0 not in (JmpOp.EXIT, JmpOp.CALL):
            i = Instruction(i.opcode, i.dst, i.src, min(i.offset, sub - pc - 2), i.imm)
        fixed.append(i)
    called = any(i.opcode == _LOCAL_CALL.opcode and i.src == CallSrc.LOCAL for i in fixed)
    return fixed + (_VERIFIED_SUBPROGRAM if called else [])


def random_program(rng: random.Random) -> list[Instruction]:
    """A valid program of up to 30 random instructions between a prologue and an exit, with
    the subprogram after it."""
    prologue = [
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=6, src=1),
        *(Instruction(Class.ALU64 | AluOp.MOV, dst=r, imm=_imm(rng)) for r in (0, 2, 3, 4, 5, 7, 8, 9)),
    ]
    body = [rng.choice(_MAKERS)(rng) for _ in range(rng.randint(1, 30))]
    insns = prologue + body + [Instruction(Class.JMP | JmpOp.EXIT)]
    sub = len(insns)  # each instruction is one slot: no lddw is generated
    fixed = []
    for pc, i in enumerate(insns):
        if i is _LOCAL_CALL:
            i = Instruction(i.opcode, src=i.src, imm=sub - pc - 1)
        elif i.cls in (Class.JMP, Class.JMP32) and i.offset < 0:  # stay inside the body
            i = Instruction(i.opcode, i.dst, i.src, max(i.offset, len(prologue) - pc - 1), i.imm)
        fixed.append(i)
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


def check(rng: random.Random) -> bool:
    """Run one random program on both engines and assert they agree; False when the
    program is not valid (nothing ran)."""
    insns = random_program(rng)
    try:
        validate(insns)
    except InstructionError:
        return False
    mem = rng.randbytes(MEM_SIZE)
    # Both runs use the same region, so addresses derived from r1 are the same in both; r10
    # is only ever a memory base (the two engines' stacks lie at different addresses).
    region = Region(MEM_SIZE, "mem")
    jit, interp = _run(Jit, insns, region, mem), _run(Interpreter, insns, region, mem)
    assert jit == interp, (insns, mem)
    return True


_VERIFY_INPUT = VerifyInput(ProgType.SYSCALL, offered=frozenset(), sleepable=True)


def check_verified(rng: random.Random) -> bool:
    """As :func:`check`, for a program the verifier accepts, the JIT given its facts; False
    when the verifier refuses the program."""
    insns = random_verifiable_program(rng)
    try:
        validate(insns)
        check_structure(insns)
        facts = verify(insns, _VERIFY_INPUT)
    except (InstructionError, VerifierError):
        return False
    insns = sanitize_dead_code(insns, facts.reachable)
    mem = rng.randbytes(MEM_SIZE)
    region = Region(MEM_SIZE, "mem")

    def informed(*args: Any, **kwargs: Any) -> Jit:
        return Jit(*args, in_frame=facts.frame_accesses, **kwargs)

    jit, interp = _run(informed, insns, region, mem), _run(Interpreter, insns, region, mem)
    assert jit == interp, (insns, mem)
    return True


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(rng=st.randoms(use_true_random=False))
def test_jit_and_interpreter_agree_on_random_programs(rng: random.Random) -> None:
    assume(check(rng))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(rng=st.randoms(use_true_random=False))
def test_jit_with_the_verifiers_facts_agrees_on_verified_programs(rng: random.Random) -> None:
    assume(check_verified(rng))


if __name__ == "__main__":  # the campaign: python tests/fuzz/test_engine_differential.py N [FIRST_SEED] [verified]
    count, first, valid = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0, 0
    checker = check_verified if sys.argv[3:] == ["verified"] else check
    for done, seed in enumerate(range(first, first + count), 1):
        valid += checker(random.Random(seed))
        if done % 1000 == 0 or done == count:
            print(f"seeds {first}..{seed}: {done} programs, {valid} valid, no disagreement", flush=True)
