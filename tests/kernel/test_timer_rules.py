"""The timer rules whose messages changed across releases (tests/timers/testdata/timer_rules.bpf.c),
as the kernel here (6.18) gives them: pybpf's default release must give the same verdict, so the
older releases' messages, asserted in tests/timers/test_release_rules.py, differ from a checked one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf
from pybpf.verifier import VerifierError

from .test_structure import kernel_verdict

RULES = Path(__file__).parent.parent / "timers" / "testdata" / "timer_rules.bpf.c"


RULES_6_18 = ["TWO_TIMERS", "NO_TIMER", "MISALIGNED", "NESTED", "RETURNS_ONE", "RETURNS_RANDOM", "CALLED_DIRECTLY", "CALLS_DEEP"]


@pytest.mark.parametrize("rule", RULES_6_18)
def test_the_kernel_gives_pybpfs_6_18_verdict(rule: str, build: Callable[..., Path]) -> None:
    obj = build(RULES, {rule: "1"})
    with pybpf.Runtime(kernel="6.18") as rt:
        try:
            rt.load(obj)
            ours = None
        except VerifierError as err:
            ours = str(err)
    assert kernel_verdict(obj) == ours
