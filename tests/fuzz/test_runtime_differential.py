"""A runtime forced onto the JIT and one forced onto the interpreter agree on random verified
programs that use maps, helpers and the newer instructions: same return value, same context,
same map contents in the same order, or the same error.

Where :mod:`test_engine_differential` runs bare engines, this one loads each program through a
runtime (the verifier, the loader's map relocations, the JIT's native maps and helpers), so it
reaches what a bare engine never sees: ``bpf_map_lookup_elem``/``update``/``delete`` on a hash,
an LRU hash, an array and a per-CPU array (their values read, written and changed by atomics,
``cmpxchg`` and ``xchg`` included), ``bpf_loop`` with a callback that writes its caller's frame,
``bpf_get_prandom_u32`` from a seeded runtime, ``may_goto`` loops, load-acquire and
store-release, ``bpf_spin_lock`` around reads and writes of a hash map value that holds one
(and BPF_F_LOCK updates of it), besides the ALU (``sdiv``/``smod``, ``movsx``, ``bswap``) and
32-bit jumps.
Jumps skip whole steps, so the verifier refuses few programs. ``addr_space_cast`` is not drawn:
it needs an arena map, which pybpf does not model.

CI runs a sample (``PYBPF_DIFF_EXAMPLES``); ``python tests/fuzz/test_runtime_differential.py
N [FIRST_SEED]`` runs the campaign, one seed per program.
"""

from __future__ import annotations

import functools
import os
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pybpf
from pybpf import BpfRuntimeError, VerifierError
from pybpf._spec import CollectionSpec, MapSpec
from pybpf.elf import load_collection
from pybpf.isa import (
    CALL,
    FETCH,
    LDDW,
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
    PseudoSrc,
    Size,
    Source,
)
from pybpf.maps import MapType
from pybpf.runtime._compile import compile_c, find_compiler
from pybpf.runtime._loader import _Loader

pytest.importorskip("llvmlite")

EXAMPLES = int(os.environ.get("PYBPF_DIFF_EXAMPLES", "10"))  # each loads two runtimes
CTX_SIZE = 64
VALUE_SIZE = 16
#: the maps every program may use, by index in its map table
MAPS = [
    MapSpec("hash", MapType.HASH, 4, VALUE_SIZE, 4),
    MapSpec("lru", MapType.LRU_HASH, 4, VALUE_SIZE, 4),
    MapSpec("array", MapType.ARRAY, 4, VALUE_SIZE, 4),
    MapSpec("percpu", MapType.PERCPU_ARRAY, 4, VALUE_SIZE, 4),
]
SCALARS = [0, 1, 2, 3, 4, 5, 7, 8, 9]  # r6 keeps the context
SIZES = [Size.B, Size.H, Size.W, Size.DW]
NBYTES = {Size.B: 1, Size.H: 2, Size.W: 4, Size.DW: 8}
ALU_OPS = [op for op in AluOp if op != AluOp.END]
JUMP_OPS = [op for op in JmpOp if op not in (JmpOp.JA, JmpOp.CALL, JmpOp.EXIT)]
RMW = [AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR]
LOOKUP, UPDATE, DELETE, PRANDOM, LOOP, SPIN_LOCK, SPIN_UNLOCK = 1, 2, 3, 7, 181, 93, 94
#: the hash map whose values hold a lock (the template's, for its BTF), after :data:`MAPS`
LOCKED = len(MAPS)
#: its value, ``struct locked`` of the template: 8 bytes, the lock, 4 bytes, then 8
LOCK_AT, LOCKED_VALUE, LOCKED_FIELDS = 8, 24, [(0, Size.DW), (12, Size.W), (16, Size.DW), (16, Size.W)]
KEY_SLOT, VALUE_SLOT, LOOP_SLOT = -8, -32, -40  # frame slots the map and loop steps use

Step = list[Instruction]


def _imm(rng: random.Random) -> int:
    if rng.random() < 0.3:
        return rng.choice([0, 1, -1, 7, 63, 64, -(1 << 31), (1 << 31) - 1])
    return rng.randint(-(1 << 31), (1 << 31) - 1)


def _scalar(rng: random.Random, regs: list[int] = SCALARS) -> int:
    return rng.choice(regs)


def _reset(regs: list[int], rng: random.Random) -> Step:
    return [Instruction(Class.ALU64 | AluOp.MOV, dst=r, imm=_imm(rng)) for r in regs]


def _alu(rng: random.Random) -> Step:
    cls = rng.choice([Class.ALU, Class.ALU64])
    op = rng.choice(ALU_OPS)
    offset = 0
    if op in (AluOp.DIV, AluOp.MOD):
        offset = rng.choice([0, 1])  # sdiv, smod
    elif op == AluOp.MOV:
        offset = rng.choice([0, 8, 16] + ([32] if cls == Class.ALU64 else []))  # movsx
    if op == AluOp.NEG:
        return [Instruction(cls | op, dst=_scalar(rng))]
    if rng.random() < 0.5 or offset and op == AluOp.MOV:
        return [Instruction(cls | Source.X | op, dst=_scalar(rng), src=_scalar(rng), offset=offset)]
    imm = _imm(rng)
    if op in (AluOp.LSH, AluOp.RSH, AluOp.ARSH):  # the verifier refuses a constant shift out of range
        imm = rng.randrange(64 if cls == Class.ALU64 else 32)
    elif op in (AluOp.DIV, AluOp.MOD) and imm == 0:  # and a constant division by zero
        imm = -1
    return [Instruction(cls | op, dst=_scalar(rng), offset=offset, imm=imm)]


def _byte_swap(rng: random.Random) -> Step:
    return [Instruction(rng.choice([0xD4, 0xDC, 0xD7]), dst=_scalar(rng), imm=rng.choice([16, 32, 64]))]


def _access(
    rng: random.Random, base: int, offset: int, size: int, atomics: bool, regs: list[int] = SCALARS
) -> Instruction:
    """One access of ``size`` at ``base + offset``, its other register one of ``regs``: a load,
    a store, or (``atomics``) an atomic, a load-acquire or a store-release."""
    kinds = ["ldx", "ldxsx", "st", "stx"] + ["acquire", "release", "atomic", "atomic", "atomic"] * atomics
    kind = rng.choice(kinds)
    if kind == "ldx" or kind == "ldxsx" and size == Size.DW:
        return Instruction(Class.LDX | Mode.MEM | size, dst=_scalar(rng, regs), src=base, offset=offset)
    if kind == "ldxsx":
        return Instruction(Class.LDX | Mode.MEMSX | size, dst=_scalar(rng, regs), src=base, offset=offset)
    if kind == "st":
        return Instruction(Class.ST | Mode.MEM | size, dst=base, offset=offset, imm=_imm(rng))
    if kind == "stx":
        return Instruction(Class.STX | Mode.MEM | size, dst=base, src=_scalar(rng, regs), offset=offset)
    if kind == "acquire":
        return Instruction(Class.STX | Mode.ATOMIC | size, dst=_scalar(rng, regs), src=base, offset=offset, imm=LOAD_ACQ)
    if kind == "release":
        return Instruction(Class.STX | Mode.ATOMIC | size, dst=base, src=_scalar(rng, regs), offset=offset, imm=STORE_REL)
    op = rng.choice([*RMW, *(o | FETCH for o in RMW), AtomicOp.XCHG, AtomicOp.CMPXCHG])
    return Instruction(Class.STX | Mode.ATOMIC | size, dst=base, src=_scalar(rng, regs), offset=offset, imm=op)


def _atomic_size(rng: random.Random, atomic: Instruction) -> Instruction:
    """Read-modify-write atomics are 32 or 64 bits wide."""
    if atomic.opcode & 0xE0 != Mode.ATOMIC or atomic.imm in (LOAD_ACQ, STORE_REL):
        return atomic
    size = rng.choice([Size.W, Size.DW])
    offset = atomic.offset - atomic.offset % NBYTES[size]
    return Instruction(Class.STX | Mode.ATOMIC | size, atomic.dst, atomic.src, offset, atomic.imm)


def _frame(rng: random.Random) -> Step:
    """An aligned access to the frame (below the slots the other steps use) or the context."""
    size = rng.choice(SIZES)
    n = NBYTES[size]
    if rng.random() < 0.7:
        insn = _access(rng, 10, n * rng.randint(-512 // n, -1), size, atomics=True)
    else:  # the kernel refuses atomics on the context
        insn = _access(rng, 6, n * rng.randint(0, CTX_SIZE // n - 1), size, atomics=False)
    return [_atomic_size(rng, insn)]


def _jump(rng: random.Random) -> Step:
    """A conditional jump (64 or 32-bit) over the next steps: its offset is set later."""
    cls = rng.choice([Class.JMP, Class.JMP32])
    op = rng.choice(JUMP_OPS)
    if rng.random() < 0.5:
        return [Instruction(cls | Source.X | op, dst=_scalar(rng), src=_scalar(rng), offset=-rng.randint(1, 3))]
    return [Instruction(cls | op, dst=_scalar(rng), offset=-rng.randint(1, 3), imm=_imm(rng))]


def _may_goto_loop(rng: random.Random) -> Step:
    """``rC = 0; L: may_goto out; rC += 1; body; if rC < n goto L``: a loop of up to n rounds."""
    counter = rng.choice([2, 3, 4, 5, 7, 8, 9])
    body = rng.choice([_alu, _byte_swap])(rng)
    body = [i for i in body if i.dst != counter]
    rounds = rng.randint(1, 6)
    return [
        Instruction(Class.ALU64 | AluOp.MOV, dst=counter, imm=0),
        Instruction(Class.JMP | MAY_GOTO, offset=len(body) + 2),
        Instruction(Class.ALU64 | AluOp.ADD, dst=counter, imm=1),
        *body,
        Instruction(Class.JMP | JmpOp.JLT, dst=counter, imm=rounds, offset=-(len(body) + 3)),
    ]


def _map_and_key(rng: random.Random, index: int | None = None) -> Step:
    """r1 = one of the maps (``index``, else one of :data:`MAPS`), r2 = a pointer to a key (0-3
    exist in the arrays, 5 nowhere)."""
    return [
        Instruction(Class.ST | Mode.MEM | Size.W, dst=10, offset=KEY_SLOT, imm=rng.choice([0, 1, 2, 3, 5])),
        Instruction(LDDW, dst=1, src=PseudoSrc.MAP_IDX, imm=rng.randrange(len(MAPS)) if index is None else index),
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=2, src=10),
        Instruction(Class.ALU64 | AluOp.ADD, dst=2, imm=KEY_SLOT),
    ]


def _locked(rng: random.Random) -> Step:
    """Look a key of the locked map up (often stored just before) and, when found, take its
    lock, read and write the value's plain fields, and give the lock back."""
    pointer = rng.choice([7, 8, 9])
    others = [r for r in (0, 7, 8, 9) if r != pointer]  # the call clobbered r1-r5
    inside = []
    for _ in range(rng.randint(1, 3)):
        offset, size = rng.choice(LOCKED_FIELDS)
        inside.append(_access(rng, pointer, offset, size, False, others))
    locked = [
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=pointer, src=0),
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=1, src=pointer),
        Instruction(Class.ALU64 | AluOp.ADD, dst=1, imm=LOCK_AT),
        Instruction(CALL, imm=SPIN_LOCK),
        *inside,
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=1, src=pointer),
        Instruction(Class.ALU64 | AluOp.ADD, dst=1, imm=LOCK_AT),
        Instruction(CALL, imm=SPIN_UNLOCK),
        *_reset([0, 1, 2, 3, 4, 5, pointer], rng),
    ]
    insert = _update(rng, True) if rng.random() < 0.6 else []
    key = _map_and_key(rng, LOCKED)[1 if insert else 0:]  # after an update: the key it stored
    return [
        *insert,
        *key,
        Instruction(CALL, imm=LOOKUP),
        *_reset([1, 2, 3, 4, 5], rng),
        Instruction(Class.JMP | JmpOp.JEQ, dst=0, imm=0, offset=sum(i.width for i in locked)),
        *locked,
    ]


def _lookup(rng: random.Random) -> Step:
    """Look a key up and, when found, access its value through a register."""
    pointer = rng.choice([7, 8, 9])
    size = rng.choice(SIZES)
    n = NBYTES[size]
    others = [r for r in SCALARS if r != pointer]
    use = [
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=pointer, src=0),
        *_reset([0], rng),  # cmpxchg compares with r0: a scalar
        *(
            _atomic_size(rng, _access(rng, pointer, n * rng.randint(0, VALUE_SIZE // n - 1), size, True, others))
            for _ in range(rng.randint(1, 3))
        ),
    ]
    return [
        *_map_and_key(rng),
        Instruction(CALL, imm=LOOKUP),
        *_reset([1, 2, 3, 4, 5], rng),
        Instruction(Class.JMP | JmpOp.JEQ, dst=0, imm=0, offset=len(use)),
        *use,
        *_reset([pointer], rng),
    ]


def _update(rng: random.Random, locked: bool | None = None) -> Step:
    """Store a value (two registers) under a key, with BPF_ANY, BPF_NOEXIST or BPF_EXIST; in
    the locked map (a 24-byte value: a third register; one time in four unless ``locked``
    says) with BPF_F_LOCK too, at times."""
    locked = rng.random() < 0.25 if locked is None else locked
    flags = rng.choice([0, 0, 1, 2]) | (rng.choice([0, 4]) if locked else 0)
    return [
        Instruction(Class.STX | Mode.MEM | Size.DW, dst=10, src=_scalar(rng), offset=VALUE_SLOT),
        Instruction(Class.STX | Mode.MEM | Size.DW, dst=10, src=_scalar(rng), offset=VALUE_SLOT + 8),
        Instruction(Class.STX | Mode.MEM | Size.DW, dst=10, src=_scalar(rng), offset=VALUE_SLOT + 16),
        *_map_and_key(rng, LOCKED if locked else None),
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=3, src=10),
        Instruction(Class.ALU64 | AluOp.ADD, dst=3, imm=VALUE_SLOT),
        Instruction(Class.ALU64 | AluOp.MOV, dst=4, imm=flags),
        Instruction(CALL, imm=UPDATE),
        *_reset([1, 2, 3, 4, 5], rng),
    ]


def _delete(rng: random.Random) -> Step:
    return [*_map_and_key(rng), Instruction(CALL, imm=DELETE), *_reset([1, 2, 3, 4, 5], rng)]


def _prandom(rng: random.Random) -> Step:
    return [Instruction(CALL, imm=PRANDOM), *_reset([1, 2, 3, 4, 5], rng)]


_LOOP_CALLBACK = Instruction(LDDW, dst=2, src=PseudoSrc.FUNC, imm=-1)  # its target is set later
_SUBPROGRAM_CALL = Instruction(CALL, src=CallSrc.LOCAL, imm=-1)
#: bpf_loop's callback: adds 3 * (index + 1) to the u64 its context points to (a slot of its
#: caller's frame); it stops the loop (returns 1) on index 5.
CALLBACK = [
    Instruction(Class.LDX | Mode.MEM | Size.DW, dst=3, src=2, offset=0),
    Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=0, src=1),
    Instruction(Class.ALU64 | AluOp.ADD, dst=0, imm=1),
    Instruction(Class.ALU64 | AluOp.MUL, dst=0, imm=3),
    Instruction(Class.ALU64 | Source.X | AluOp.ADD, dst=3, src=0),
    Instruction(Class.STX | Mode.MEM | Size.DW, dst=2, src=3, offset=0),
    Instruction(Class.ALU64 | AluOp.MOV, dst=0, imm=0),
    Instruction(Class.JMP | JmpOp.JNE, dst=1, imm=5, offset=1),
    Instruction(Class.ALU64 | AluOp.MOV, dst=0, imm=1),
    Instruction(Class.JMP | JmpOp.EXIT),
]
#: a subprogram: r0 = r1 * 3, kept through its own frame
SUBPROGRAM = [
    Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=0, src=1),
    Instruction(Class.ALU64 | AluOp.MUL, dst=0, imm=3),
    Instruction(Class.STX | Mode.MEM | Size.DW, dst=10, src=0, offset=-8),
    Instruction(Class.LDX | Mode.MEM | Size.DW, dst=0, src=10, offset=-8),
    Instruction(Class.JMP | JmpOp.EXIT),
]


def _loop(rng: random.Random) -> Step:
    """``bpf_loop(n, callback, &slot, 0)``, then the slot read back into a register."""
    return [
        Instruction(Class.STX | Mode.MEM | Size.DW, dst=10, src=_scalar(rng), offset=LOOP_SLOT),
        Instruction(Class.ALU64 | AluOp.MOV, dst=1, imm=rng.choice([0, 1, 3, 8])),
        _LOOP_CALLBACK,
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=3, src=10),
        Instruction(Class.ALU64 | AluOp.ADD, dst=3, imm=LOOP_SLOT),
        Instruction(Class.ALU64 | AluOp.MOV, dst=4, imm=0),
        Instruction(CALL, imm=LOOP),
        Instruction(Class.LDX | Mode.MEM | Size.DW, dst=_scalar(rng), src=10, offset=LOOP_SLOT),
        *_reset([1, 2, 3, 4, 5], rng),
    ]


def _call(rng: random.Random) -> Step:
    return [
        Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=1, src=_scalar(rng)),
        _SUBPROGRAM_CALL,
        *_reset([1, 2, 3, 4, 5], rng),
    ]


_STEPS = [_alu, _alu, _alu, _byte_swap, _frame, _frame, _jump, _jump, _may_goto_loop,
          _lookup, _lookup, _update, _update, _delete, _prandom, _loop, _call, _locked]


def _slots(step: Step) -> int:
    return sum(i.width for i in step)


def random_program(rng: random.Random) -> tuple[list[Instruction], dict[str, int]]:
    """A syscall program of up to 24 random steps, then the subprogram and the callback when
    it uses them; returns the instructions and the entry PC of each function after the first.

    A jump step skips a few whole steps (never into one), so what the verifier judges is
    mostly what the steps do."""
    prologue = [Instruction(Class.ALU64 | Source.X | AluOp.MOV, dst=6, src=1), *_reset(SCALARS, rng)]
    steps = [prologue] + [rng.choice(_STEPS)(rng) for _ in range(rng.randint(1, 24))]
    for index, step in enumerate(steps):
        if len(step) == 1 and step[0].cls in (Class.JMP, Class.JMP32) and step[0].offset < 0:
            over = steps[index + 1: index + 1 - step[0].offset]
            steps[index] = [Instruction(step[0].opcode, step[0].dst, step[0].src, sum(map(_slots, over)), step[0].imm)]
    main = [i for step in steps for i in step] + [Instruction(Class.JMP | JmpOp.EXIT)]
    functions, tail, end = {}, [], _slots(main)
    for name, marker, body in (("sub", _SUBPROGRAM_CALL, SUBPROGRAM), ("callback", _LOOP_CALLBACK, CALLBACK)):
        if any(i is marker for i in main):
            functions[name] = end
            tail += body
            end += len(body)
    fixed, pc = [], 0
    for insn in main:
        if insn is _SUBPROGRAM_CALL:
            insn = Instruction(CALL, src=CallSrc.LOCAL, imm=functions["sub"] - pc - 1)
        elif insn is _LOOP_CALLBACK:
            insn = Instruction(LDDW, dst=2, src=PseudoSrc.FUNC, imm=(functions["callback"] - pc - 1) & 0xFFFF_FFFF)
        fixed.append(insn)
        pc += insn.width
    return fixed + tail, functions


#: The object whose BTF the programs borrow: the kernel wants function records (func_info) for
#: a program that passes a callback, and these name the entry, the subprogram and the callback.
TEMPLATE = r"""
#include <bpf/bpf_helpers.h>
struct locked { __u64 a; struct bpf_spin_lock lock; __u32 b; __u64 c; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, struct locked); }
    locked SEC(".maps");
static __attribute__((noinline)) int sub(int x) { return x * 3; }
static long callback(__u32 index, void *ctx) { return index == 5; }
SEC("syscall") int fuzz(void *ctx) { return sub(bpf_loop(1, callback, ctx, 0)); }
char LICENSE[] SEC("license") = "GPL";
"""


@functools.cache
def _template() -> CollectionSpec:
    folder = Path(tempfile.mkdtemp(prefix="pybpf-fuzz-"))
    (folder / "template.bpf.c").write_text(TEMPLATE)
    return load_collection(compile_c(folder / "template.bpf.c"), name="fuzz")


def _spec(insns: list[Instruction], functions: dict[str, int]) -> CollectionSpec:
    """The template with its program replaced by ``insns`` (``functions``: where its
    subprograms begin) and its maps by :data:`MAPS`."""
    template = _template()
    maps = [*MAPS, template.maps["locked"]]
    program = replace(
        template.programs["fuzz"], instructions=tuple(insns), map_refs=tuple(m.name for m in maps),
        subprograms=functions, subprogram_offsets={}, core_relos=(), externs={},
    )
    return replace(template, maps={m.name: m for m in maps}, programs={"fuzz": program})


def _run(engine: str, program: tuple[list[Instruction], dict[str, int]], ctx: bytes) -> tuple[object, ...]:
    """Load and run the program on a runtime forced onto ``engine``: what it returned (or the
    error), the context, and every map's items in iteration order."""
    with pybpf.Runtime(clock="virtual", engine=engine, ncpus=2, seed=7, max_instructions=20_000) as rt:
        try:
            obj = _Loader(rt, _spec(*program), "/sys/fs/bpf", {}).load({})
        except VerifierError:
            return ("refused",)
        try:
            result = obj.programs["fuzz"].test_run(ctx=ctx, cpu=1)
            outcome: object = (result.retval, result.ctx_out)
        except BpfRuntimeError as err:
            outcome = (type(err).__name__, str(err))
        maps = {name: list(obj.maps[name].items()) for name in obj.maps}
        obj.close()
        return outcome, maps


def check(rng: random.Random) -> bool:
    """Run one random program through both runtimes and assert they agree; False when the
    verifier refuses it (both runtimes must)."""
    program = random_program(rng)
    ctx = rng.randbytes(CTX_SIZE)
    jit, interp = _run("jit", program, ctx), _run("interpreter", program, ctx)
    assert jit == interp, (program, ctx)
    return jit != ("refused",)


@pytest.mark.skipif(find_compiler() is None, reason="no clang or ziglang to build the template")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(rng=st.randoms(use_true_random=False))
def test_runtimes_on_both_engines_agree_on_programs_with_maps_and_helpers(rng: random.Random) -> None:
    assume(check(rng))


def _campaign(argv: list[str]) -> None:
    count, first, valid = int(argv[0]), int(argv[1]) if len(argv) > 1 else 0, 0
    for done, seed in enumerate(range(first, first + count), 1):
        valid += check(random.Random(seed))
        if done % 500 == 0 or done == count:
            print(f"seeds {first}..{seed}: {done} programs, {valid} verified, no disagreement", flush=True)


if __name__ == "__main__":  # the campaign: python tests/fuzz/test_runtime_differential.py N [FIRST_SEED]
    _campaign(sys.argv[1:])

