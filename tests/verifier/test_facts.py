"""What the verifier proves for the engines (``Facts``): which accesses stay inside their
region, and which of those stay inside the running function's own stack frame, the fact the
JIT relies on to leave a check out."""

from __future__ import annotations

import pytest

from pybpf._spec import ProgType
from pybpf.isa import assemble
from pybpf.verifier import Facts, VerifyInput, verify


def facts_of(asm: str) -> Facts:
    return verify(assemble(asm), VerifyInput(ProgType.SYSCALL, sleepable=True))


@pytest.mark.parametrize(
    ("asm", "framed"),
    [
        ("stdw [%r10-8], 1\nldxdw %r0, [%r10-8]\nexit", {0, 1}),
        ("mov %r2, %r10\nadd %r2, -16\nstw [%r2+4], 1\nmov %r0, 0\nexit", {2}),
        # a variable offset, a multiple of 8 within the frame
        (("ldxw %r3, [%r1+0]\nand %r3, 7\nlsh %r3, 3\nmov %r2, %r10\nadd %r2, -64\nadd %r2, %r3\n"
          "stdw [%r2+0], 1\nmov %r0, 0\nexit"), {6}),
        # the context is no stack
        ("ldxw %r0, [%r1+0]\nexit", set()),
        # a pointer to the caller's frame: proven in bounds, but not in the callee's frame
        (("stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\ncall local f\nldxdw %r0, [%r10-8]\nexit\n"
          "f:\nstdw [%r1+0], 3\nstdw [%r10-8], 4\nmov %r0, 0\nexit"), {0, 4, 7}),
    ],
    ids=["fixed", "through-a-copy", "variable", "context", "caller-frame"],
)
def test_frame_accesses_are_the_own_frame_stack_accesses(asm: str, framed: set[int]) -> None:
    facts = facts_of(asm)
    assert facts.frame_accesses == framed
    assert facts.frame_accesses <= facts.safe_accesses


def test_an_access_that_reaches_another_frame_on_one_path_is_not_framed() -> None:
    # f stores through its own frame on one path and through its caller's on the other
    facts = facts_of(
        "ldxw %r2, [%r1+0]\nstdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\ncall local f\nmov %r0, 0\nexit\n"
        "f:\nmov %r3, %r10\nadd %r3, -8\njeq %r2, 0, +1\nmov %r3, %r1\nstdw [%r3+0], 3\nmov %r0, 0\nexit"
    )
    assert {0, 1, 11} <= facts.safe_accesses
    assert facts.frame_accesses == {1}
