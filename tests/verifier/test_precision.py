"""Precision tracking and stack liveness: states that differ only in values no check looks at
prune, and a value a check does look at keeps the states that differ in it apart, wherever
it came from (a constant, a spill and fill, a subprogram's return, a decided branch).

Each program takes two paths to a join that is a checkpoint (the jump and the 8 instructions
before it make the verifier store a state there, as the kernel's heuristic does): the first
path stores the state, the second is compared with it. In each "bad" program only the second
path is unsafe, so it is refused only if that path is not pruned.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pybpf import Runtime
from pybpf._spec import ProgType
from pybpf.isa import assemble
from pybpf.runtime._compile import compile_c
from pybpf.verifier import VerifierError, VerifyInput, verify
from pybpf.verifier._state import Reg, RegType

INPUT = VerifyInput(ProgType.SYSCALL, offered=frozenset(), sleepable=True)
#: eight instructions and a jump: the join after them becomes a checkpoint
PAD = "mov %r0, 0\n" * 8 + "ja +0\n"

#: the offset of a stack store: 8 on the first path, ``{second}`` on the second
OFFSET = """
ldxb %r2, [%r1+0]
mov %r4, {second}
jgt %r2, 128, join
mov %r4, 8
{pad}join:
mov %r5, %r10
add %r5, -16
add %r5, %r4
mov %r0, 0
stxdw [%r5+0], %r0
exit
"""

#: the same offset, spilled before the join and filled after it
SPILLED = """
ldxb %r2, [%r1+0]
mov %r4, {second}
stxdw [%r10-24], %r4
jgt %r2, 128, join
mov %r4, 8
stxdw [%r10-24], %r4
{pad}join:
mov %r6, 0
ldxdw %r4, [%r10-24]
mov %r5, %r10
add %r5, -16
add %r5, %r4
stxdw [%r5+0], %r6
mov %r0, 0
exit
"""

#: the offset returned by a subprogram, whose exit is the join
RETURNED = """
ldxb %r1, [%r1+0]
call local pick
mov %r5, %r10
add %r5, -16
add %r5, %r0
mov %r0, 0
stxdw [%r5+0], %r0
exit
pick:
mov %r0, {second}
jgt %r1, 128, join
mov %r0, 8
{pad}join:
exit
"""

#: a value that decides a branch: 0 on the first path, ``{second}`` on the second
DECIDES = """
ldxb %r2, [%r1+0]
mov %r4, {second}
jgt %r2, 128, join
mov %r4, 0
{pad}join:
jne %r4, 0, bad
mov %r0, 0
exit
bad:
ldxdw %r0, [%r10+8]
exit
"""

CASES = [
    pytest.param(OFFSET, 0, 16, "invalid write to stack R5 off=0 size=8", id="pointer-offset"),
    pytest.param(SPILLED, 0, 16, "invalid write to stack R5 off=0 size=8", id="spill-and-fill"),
    pytest.param(RETURNED, 0, 16, "invalid write to stack R5 off=0 size=8", id="subprogram-return"),
    pytest.param(DECIDES, 0, 1, "invalid read from stack R10 off=8 size=8", id="decided-branch"),
]


def _verify(text: str, second: int) -> int:
    return verify(assemble(text.format(second=second, pad=PAD)), INPUT).processed


@pytest.mark.parametrize(("text", "good", "bad", "message"), CASES)
def test_a_value_a_check_reads_keeps_states_apart(text: str, good: int, bad: int, message: str) -> None:
    _verify(text, good)
    with pytest.raises(VerifierError) as refused:
        _verify(text, bad)
    assert str(refused.value) == message


#: a loop whose counter decides its end, with a value doubled or doubled plus one on each
#: iteration: 2**i distinct values after i iterations, none of which any check reads
UNRELATED_IN_A_LOOP = """
mov %r6, 0
mov %r7, 0
loop:
ldxb %r2, [%r1+0]
lsh %r7, 1
jgt %r2, 100, +1
add %r7, 1
add %r6, 1
jlt %r6, 100, loop
mov %r0, 0
exit
"""


def test_an_unrelated_value_changing_in_a_loop_prunes() -> None:
    # each iteration's second path is pruned at the join (the kernel, which inside a loop
    # stores a state only every 20 jumps or 100 instructions, processes 1,510 instructions as
    # a socket filter); treating the value as precise never converges
    assert _verify(UNRELATED_IN_A_LOOP, 0) < 4_000


#: a stack slot holding a number on the first path and the context pointer on the second,
#: read after the join or not
SLOT = """
ldxb %r2, [%r1+0]
stxdw [%r10-8], %r1
jgt %r2, 128, join
mov %r4, 1
stxdw [%r10-8], %r4
{pad}join:
{read}
mov %r0, 0
mov %r0, 0
mov %r0, 0
mov %r0, 0
mov %r0, 0
mov %r0, 0
mov %r0, 0
mov %r0, 0
exit
"""


def test_a_stack_slot_nothing_reads_does_not_keep_states_apart() -> None:
    dead = verify(assemble(SLOT.format(pad=PAD, read="mov %r3, 0")), INPUT)
    read = verify(assemble(SLOT.format(pad=PAD, read="ldxdw %r3, [%r10-8]")), INPUT)
    # only when the slot is read does the second path go on past the join: its 10
    # instructions, less the join itself, which the kernel counts when it prunes there too
    assert read.processed - dead.processed == 9


def test_a_register_copy_keeps_every_field() -> None:
    # Reg.copy spells its fields out for speed: a field added to Reg must be added there too
    reg = Reg(RegType.MAP_VALUE)
    for i, name in enumerate(Reg.__slots__):
        setattr(reg, name, f"value {i}")
    copy = reg.copy()
    assert [getattr(copy, name) for name in Reg.__slots__] == [getattr(reg, name) for name in Reg.__slots__]


def test_a_parser_branching_on_every_header_byte_verifies_as_in_the_kernel() -> None:
    # the kernel processes 719 instructions; without precision the 2**24 paths never prune
    obj = compile_c(Path(__file__).parent / "testdata" / "branchy_parser.bpf.c")
    with Runtime(clock="virtual") as rt:
        loaded = rt.load(obj)
        assert loaded.programs["parse"].facts.processed < 1_500
