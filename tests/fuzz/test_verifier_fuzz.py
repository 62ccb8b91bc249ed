"""Property: the verifier is sound. Random and mutated instruction streams get a verdict (a
``VerifierError`` or facts), never another exception; and every program it accepts runs on the
interpreter without an ``OutOfBoundsError``: accepted means safe.

The streams are syscall programs (their context is plain memory of any size, so the interpreter
can run whatever is accepted). Mutations start from seed programs that are accepted, so that
many mutants are accepted too and the second half of the property is exercised. CI runs a
sample; ``PYBPF_FUZZ_EXAMPLES=20000`` runs the full campaign.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf._spec import ProgType
from pybpf.engine import BpfRuntimeError, InstructionLimitError, Interpreter, OutOfBoundsError, Region
from pybpf.isa import Instruction, assemble, decode, encode
from pybpf.verifier import (
    VerifierError,
    VerifyInput,
    check_structure,
    sanitize_dead_code,
    verify,
)

EXAMPLES = int(os.environ.get("PYBPF_FUZZ_EXAMPLES", "300"))
CTX_SIZE = 64

SEEDS = [
    # context reads and a stack spill and fill
    "ldxdw %r2, [%r1+0]\nstxdw [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit",
    # a variable stack offset, masked into the frame
    "ldxdw %r2, [%r1+8]\nand %r2, 15\nmov %r3, %r10\nadd %r3, -32\nadd %r3, %r2\n"
    "stxb [%r3+0], %r2\nldxb %r0, [%r3+0]\nexit",
    # a bounded loop over the stack
    "mov %r2, 0\nmov %r0, 0\nl:\nmov %r3, %r10\nadd %r3, -64\nmov %r4, %r2\nlsh %r4, 3\n"
    "add %r3, %r4\nstxdw [%r3+0], %r2\nadd %r2, 1\njlt %r2, 8, l\nexit",
    # branches on context data refining a stack pointer offset
    "ldxw %r2, [%r1+4]\njgt %r2, 48, +5\nmov %r3, %r10\nadd %r3, -64\nadd %r3, %r2\nldxb %r0, [%r3+0]\n"
    "exit\nmov %r0, 1\nexit",
    # a subprogram call with a stack pointer argument
    "mov %r1, %r10\nadd %r1, -8\ncall local f\nldxdw %r0, [%r10-8]\nexit\n"
    "f:\nmov %r2, 7\nstxdw [%r1+0], %r2\nmov %r0, 0\nexit",
    # signed and 32-bit comparisons
    "ldxw %r2, [%r1+0]\njslt %r2, 0, +7\njsgt %r2, 40, +6\nmov %r3, %r10\nneg %r2\nadd %r3, %r2\n"
    "stxb [%r3-8], %r2\nmov %r0, 0\nexit\nmov %r0, 2\nexit",
    # atomics on the stack
    "mov %r2, 1\nstxdw [%r10-8], %r2\nlock add [%r10-8], %r2\nlock fetch add [%r10-8], %r2\n"
    "ldxdw %r0, [%r10-8]\nexit",
    # pruning: a stack offset that differs between two paths meeting at a checkpoint (eight
    # instructions and a jump before the join make one), spilled and filled after it
    "ldxb %r2, [%r1+0]\nmov %r4, 0\njgt %r2, 128, j\nmov %r4, 8\n" + "mov %r0, 0\n" * 8 + "ja +0\n"
    "j:\nstxdw [%r10-24], %r4\nldxdw %r4, [%r10-24]\nmov %r5, %r10\nadd %r5, -16\nadd %r5, %r4\n"
    "stxb [%r5+0], %r2\nmov %r0, 0\nexit",
    # pruning: a subprogram whose paths meet at its exit returns an offset, and a branch on it
    "ldxb %r1, [%r1+0]\ncall local f\njgt %r0, 8, +4\nmov %r5, %r10\nadd %r5, -16\nadd %r5, %r0\n"
    "stxb [%r5+0], %r0\nmov %r0, 0\nexit\nf:\nmov %r0, 0\njgt %r1, 128, j\nmov %r0, 8\n"
    + "mov %r2, 0\n" * 8 + "ja +0\nj:\nexit",
    # pruning in a loop: a value no check reads changes on every iteration, the counter decides
    "mov %r6, 0\nmov %r7, 0\nl:\nldxb %r2, [%r1+0]\nlsh %r7, 1\njgt %r2, 100, +1\nadd %r7, 1\n"
    "add %r6, 1\njlt %r6, 20, l\nmov %r5, %r10\nadd %r5, -32\nadd %r5, %r6\nstxb [%r5+0], %r7\n"
    "mov %r0, 0\nexit",
]
SEED_PROGRAMS = [assemble(text) for text in SEEDS]


def _code(insns: list[Instruction]) -> bytes:
    return encode(insns)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed program with a few of its 8-byte slots changed field by field."""
    raw = bytearray(_code(draw(st.sampled_from(SEED_PROGRAMS))))
    for _ in range(draw(st.integers(1, 3))):
        slot = draw(st.integers(0, len(raw) // 8 - 1)) * 8
        field = draw(st.sampled_from(["opcode", "regs", "offset", "imm", "byte"]))
        if field == "opcode":
            raw[slot] = draw(st.integers(0, 255))
        elif field == "regs":
            raw[slot + 1] = draw(st.integers(0, 255))
        elif field == "offset":
            raw[slot + 2 : slot + 4] = draw(st.integers(-600, 600)).to_bytes(2, "little", signed=True)
        elif field == "imm":
            value = draw(st.integers(-70, 70) | st.integers(-(2**31), 2**31 - 1))
            raw[slot + 4 : slot + 8] = value.to_bytes(4, "little", signed=True)
        else:
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return bytes(raw)


random_streams = st.binary(min_size=8, max_size=96).map(lambda b: b[: len(b) // 8 * 8] or bytes(8))

INPUT = VerifyInput(ProgType.SYSCALL, offered=frozenset(), sleepable=True)


def check_and_run(code: bytes) -> bool:
    """Verify ``code``; run it when accepted. Returns whether it was accepted."""
    try:
        insns = decode(code, check=False)
        check_structure(insns)
        facts = verify(insns, INPUT)
    except VerifierError as err:
        assert str(err)
        return False
    program = Interpreter(sanitize_dead_code(insns, facts.reachable), max_instructions=200_000)
    for fill in (0x00, 0xFF, 0x5A):
        ctx = Region.from_bytes(bytes([fill]) * max(CTX_SIZE, facts.max_ctx_offset), "ctx")
        try:
            program.run(ctx.base, regions=(ctx,))
        except OutOfBoundsError:
            raise
        except InstructionLimitError:
            pass
        except BpfRuntimeError as err:  # a fault the verifier cannot rule out is still a bug
            raise AssertionError(f"accepted program faulted: {err}") from err
    return True


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated() | random_streams)
def test_accepted_programs_never_fault(code: bytes) -> None:
    check_and_run(code)


def test_every_seed_is_accepted_and_runs() -> None:
    assert all(check_and_run(_code(seed)) for seed in SEED_PROGRAMS)
