"""Python misuse of the API: a wrong type is a TypeError and a bad value a ValueError, raised at
the call with a message naming the argument; a misspelt name is a KeyError listing the names."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import pybpf
from pybpf import SECOND


@pytest.mark.parametrize("clock", ["virtual", "real"])
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        pytest.param(lambda rt: rt.advance(1.5 * SECOND), TypeError,
                     "advance: ns must be an int of nanoseconds, not float (use int(1500000000.0))", id="float-advance"),
        pytest.param(lambda rt: rt.advance(-1), ValueError, "advance: ns is -1: time can't go backwards",
                     id="negative-advance"),
        pytest.param(lambda rt: rt.run_until(3e9), TypeError,
                     "run_until: t_ns must be an int of nanoseconds, not float (use int(3000000000.0))", id="float-until"),
        pytest.param(lambda rt: rt.run_until_idle(-1), ValueError,
                     "run_until_idle: limit_ns is -1: time can't go backwards", id="negative-idle"),
        pytest.param(lambda rt: rt.run_until_idle(None), TypeError,
                     "run_until_idle: limit_ns must be an int of nanoseconds, not NoneType", id="none-idle"),
    ],
)
def test_time_arguments_are_checked_at_the_call(
    clock: str, call: Callable[[pybpf.Runtime], object], error: type[Exception], message: str
) -> None:
    with pybpf.Runtime(clock=clock) as rt:
        with pytest.raises(error, match=f"^{re.escape(message)}$"):
            call(rt)


def test_run_until_into_the_past_of_a_virtual_clock_is_refused() -> None:
    with pybpf.Runtime(clock="virtual") as rt:
        rt.advance(SECOND)
        with pytest.raises(ValueError, match=r"^run_until: t_ns 1000000000 is before now \(2000000000\): "
                                             r"time can't go backwards$"):
            rt.run_until(SECOND)
        rt.run_until(3 * SECOND)
        assert rt.clock.now() == 3 * SECOND
