"""Bounded memory wherever a program can make the runtime store things (issue 8, class 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf
from pybpf.helpers import format_bpf
from pybpf.helpers._format import FIELD_WIDTH_MAX
from pybpf import SECOND
from pybpf.timers import RealClock, TimerEvent
from pybpf.timers import _real as real_clock
from pybpf.timers._deadlines import Deadlines

SOURCE = Path(__file__).parent / "testdata" / "contain.bpf.c"


def test_trace_is_a_ring_that_counts_what_it_drops(object_file: Path) -> None:
    with pybpf.Runtime(clock="virtual", trace_limit=3) as rt:
        obj = rt.load(object_file, verify=False)  # its programs attack on purpose
        for n in range(5):
            obj.globals["target"] = n
            obj.programs["say"].test_run()
        assert rt.trace_lines() == ["line 2", "line 3", "line 4"]
        assert rt.trace_lost == 2


def test_timer_event_trace_is_bounded_and_counts_what_it_drops(object_file: Path) -> None:
    with pybpf.Runtime(clock="virtual", timer_trace_limit=4) as rt:
        obj = rt.load(object_file, verify=False)  # its programs attack on purpose
        obj.globals["target"], obj.globals["offset"], obj.globals["got"] = 0, 0, 0
        for _ in range(10):
            obj.programs["arm_at"].test_run()
            rt.advance(0)
        events = rt.timer_events()
        assert [e.event for e in events] == ["fire", "set_callback", "start", "fire"]
        assert isinstance(events[0], TimerEvent)
        assert rt.timer_events_lost == 1 + 3 * 10 - 4  # init, then set_callback, start, fire
        assert obj.globals["fired"] == 10


def test_rearming_a_timer_keeps_the_deadline_heap_small() -> None:
    deadlines: Deadlines[int] = Deadlines()
    for n in range(200_000):
        deadlines.push(1, n)
    deadlines.push(2, 5)
    assert deadlines.heap_size() <= 2 * 2 + 64 + 1
    assert deadlines.peek() == (5, 2)
    assert deadlines.expiry(1) == 199_999


def test_the_real_clocks_latency_statistics_keep_the_latest_samples_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(real_clock, "LATENCY_SAMPLES", 3)
    clock = RealClock(ncpus=1)
    fired: list[object] = []
    clock.set_fire(fired.append)
    try:
        for key in range(10):
            clock.arm(key, clock.now())  # due at once
        assert clock.run_until_idle(10 * SECOND) < 10 * SECOND
    finally:
        clock.close()
    assert sorted(fired) == list(range(10))  # type: ignore[type-var]
    assert len(clock.latencies_ns) == 3


@pytest.mark.parametrize(
    ("fmt", "length"),
    [
        pytest.param("%1000000000d|", FIELD_WIDTH_MAX + 1, id="clamped"),
        pytest.param("%-4294967297d|", 3, id="wraps-in-int"),
        pytest.param("%99999999999999999999u|", FIELD_WIDTH_MAX + 1, id="wraps-then-clamped"),
        pytest.param("%2147483648d|", 3, id="wraps-negative"),
    ],
)
def test_printf_widths_are_clamped_as_the_kernel_clamps_them(fmt: str, length: int) -> None:
    assert len(format_bpf(fmt, [42], lambda address: None)) == length
