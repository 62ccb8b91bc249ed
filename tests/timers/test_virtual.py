"""The virtual clock: time moves only when told; due timers fire in order at their expiry."""

from __future__ import annotations

import re

import pytest

from pybpf import BpfRuntimeError
from pybpf.timers import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_TAI, VirtualClock

S = 1_000_000_000


def test_all_clocks_start_where_told_and_move_together() -> None:
    clock = VirtualClock(start_ns=5 * S, epoch_ns=1000 * S)
    assert [clock.now(c) for c in (CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME, CLOCK_TAI)] == [
        5 * S, 5 * S, 1000 * S, 1037 * S,
    ]
    clock.advance(3)
    assert clock.now(CLOCK_MONOTONIC) == 5 * S + 3
    assert clock.now(CLOCK_REALTIME) == 1000 * S + 3


def test_defaults_start_at_one_second() -> None:
    assert VirtualClock().now() == S


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda c: c.advance(-1), "advance: ns is -1: time can't go backwards", id="negative-advance"),
        pytest.param(lambda c: c.run_until(S - 1),
                     "run_until: t_ns 999999999 is before now (1000000000): time can't go backwards",
                     id="run-until-the-past"),
        pytest.param(lambda c: c.run_until_idle(-1), "run_until_idle: limit_ns is -1: time can't go backwards",
                     id="negative-idle-limit"),
        pytest.param(lambda c: c.now(4), "unknown clock id 4", id="unknown-clock"),
        pytest.param(lambda c: VirtualClock(start_ns=-1), "clock times can't be negative", id="negative-start"),
        pytest.param(lambda c: VirtualClock(max_callbacks=0), "max_callbacks must be at least 1", id="no-callbacks"),
    ],
)
def test_bad_arguments_are_refused(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call(VirtualClock())  # type: ignore[operator]


def recorder(clock: VirtualClock) -> list[tuple[str, int]]:
    fired: list[tuple[str, int]] = []
    clock.set_fire(lambda key: fired.append((str(key), clock.now())))
    return fired


def test_advance_fires_due_timers_in_order_each_at_its_expiry() -> None:
    clock = VirtualClock(start_ns=0)
    fired = recorder(clock)
    clock.arm("b", 20)
    clock.arm("a", 10)
    clock.arm("c", 20)
    clock.arm("later", 31)
    clock.advance(30)
    assert fired == [("a", 10), ("b", 20), ("c", 20)]
    assert clock.now() == 30
    assert clock.armed == 1


def test_advance_zero_fires_what_is_due_now() -> None:
    clock = VirtualClock(start_ns=0)
    fired = recorder(clock)
    clock.arm("now", 0)
    assert fired == []
    clock.advance(0)
    assert fired == [("now", 0)]


def test_timers_rearmed_inside_the_window_fire_inside_it() -> None:
    clock = VirtualClock(start_ns=0)
    ticks: list[int] = []

    def tick(key: object) -> None:
        ticks.append(clock.now())
        clock.arm(key, clock.now() + 10)

    clock.set_fire(tick)
    clock.arm("ticker", 10)
    clock.advance(35)
    assert ticks == [10, 20, 30]
    assert clock.expires("ticker") == 40


def test_deadlines_on_other_clocks_are_converted() -> None:
    clock = VirtualClock(start_ns=0, epoch_ns=100 * S)
    fired = recorder(clock)
    clock.arm("rt", 100 * S + 50, CLOCK_REALTIME)
    assert clock.expires("rt") == 50
    assert clock.expires("rt", CLOCK_REALTIME) == 100 * S + 50
    clock.advance(50)
    assert fired == [("rt", 50)]


def test_disarmed_timers_do_not_fire() -> None:
    clock = VirtualClock(start_ns=0)
    fired = recorder(clock)
    clock.arm("x", 5)
    assert clock.disarm("x") is True
    clock.advance(10)
    assert fired == []
    assert clock.expires("x") is None


def test_run_until_moves_to_an_absolute_time() -> None:
    clock = VirtualClock(start_ns=S)
    clock.run_until(3 * S)
    assert clock.now() == 3 * S


def test_run_until_idle_stops_when_no_timer_is_left() -> None:
    clock = VirtualClock(start_ns=0)
    fired = recorder(clock)
    clock.arm("a", 10)
    clock.arm("b", 25)
    assert clock.run_until_idle(1000) == 25
    assert fired == [("a", 10), ("b", 25)]


def test_run_until_idle_gives_up_at_the_limit() -> None:
    clock = VirtualClock(start_ns=0)
    clock.set_fire(lambda key: clock.arm(key, clock.now() + 10))
    clock.arm("forever", 10)
    assert clock.run_until_idle(95) == 95
    assert clock.now() == 95


def test_a_timer_storm_is_stopped_and_named() -> None:
    clock = VirtualClock(start_ns=0, max_callbacks=100)
    clock.set_fire(lambda key: clock.arm(key, clock.now()))
    clock.arm("storm", 0)
    with pytest.raises(BpfRuntimeError, match=r"^timer storm: more than 100 callbacks in one advance, timer storm keeps re-arming$"):
        clock.advance(1)
    assert clock.armed == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda c: c.advance(1.5 * S), "advance: ns must be an int of nanoseconds, not float (use int(1500000000.0))",
                     id="float-advance"),
        pytest.param(lambda c: c.advance(0.25), "advance: ns must be an int of nanoseconds, not float", id="fraction"),
        pytest.param(lambda c: c.run_until(2.0 * S), "run_until: t_ns must be an int of nanoseconds, not float (use int(2000000000.0))",
                     id="float-run-until"),
        pytest.param(lambda c: c.run_until_idle("1s"), "run_until_idle: limit_ns must be an int of nanoseconds, not str",
                     id="str-limit"),
        pytest.param(lambda c: c.advance(True), "advance: ns must be an int of nanoseconds, not bool", id="bool"),
    ],
)
def test_times_are_ints_of_nanoseconds(call: object, message: str) -> None:
    clock = VirtualClock()
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        call(clock)  # type: ignore[operator]
    assert clock.now() == S  # nothing moved
