"""Timers raced against their own teardown: ports of the kernel's race and stress selftests
(timer.c's ``race`` program, 6.8; the stress, async-cancel and NMI tests and
timer_start_delete_race.c, 7.0), on both clocks. The kernel's oracle is that nothing crashes or
hangs and every run returns 0; pybpf's is the same, plus the end state each release leaves."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf
from pybpf.verifier import VerifierError

RACES = Path(__file__).parent / "testdata" / "timer_races.bpf.c"
REARM, UPDATE_SELF, CANCEL_SELF = range(3)


def load(rt: pybpf.Runtime, *programs: str) -> pybpf.Object:
    cflags = ["-DWITH_CANCEL_ASYNC"] if rt.kernel == "7.0" else []
    return rt.load(RACES, programs=list(programs), cflags=cflags)


def on_threads(run: Callable[[int], int], threads: int, times: int) -> list[int]:
    """``run(cpu)`` ``times`` times on each of ``threads`` threads (thread i on CPU i): every result."""
    results: list[int] = []

    def loop(cpu: int) -> None:
        results.extend(run(cpu) for _ in range(times))

    workers = [threading.Thread(target=loop, args=(cpu,)) for cpu in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert not any(w.is_alive() for w in workers), "hung"
    return results


@pytest.mark.parametrize(
    ("kernel", "clock", "async_cancel"),
    [("6.18", "virtual", False), ("6.18", "real", False), ("7.0", "virtual", True), ("7.0", "real", True),
     ("7.0", "virtual", False), ("5.15", "virtual", False)],
)
def test_timer_stress(kernel: str, clock: str, async_cancel: bool) -> None:
    """Four threads re-create, arm and stop one timer: every run returns 0. A cancel detaches
    the callback; 7.0's bpf_timer_cancel_async does not."""
    with pybpf.Runtime(clock=clock, kernel=kernel, ncpus=4) as rt:
        obj = load(rt, "race")
        obj.globals["async_cancel"] = int(async_cancel)
        race = obj.programs["race"]
        assert set(on_threads(lambda cpu: race.test_run(ctx=b"", cpu=cpu).retval, 4, 50)) == {0}
        (timer,) = rt.timers()
        assert (timer.state, timer.callback) == ("idle", "rearm" if async_cancel else None)


@pytest.mark.parametrize(("mode", "hits"), [(REARM, None), (UPDATE_SELF, "update_hits"), (CANCEL_SELF, "cancel_hits")])
def test_timer_stress_from_nmi_on_7_0(mode: int, hits: str | None) -> None:
    """perf_event programs (NMI) arm a fresh timer each time: 7.0 queues the start (and the
    async cancel) and applies them when the program returns; callbacks that free or cancel
    their own timer run."""
    with pybpf.Runtime(clock="virtual", kernel="7.0") as rt:
        obj = load(rt, "nmi")
        obj.globals["mode"] = mode
        obj.programs["nmi"].attach()
        for _ in range(20):
            rt.trigger("perf_event", b"")
            rt.advance(0)
        assert obj.globals["test_hits"] == 20
        if hits is not None:
            assert obj.globals[hits] == 20
        else:
            assert [(t.state, t.callback) for t in rt.timers()] == [("idle", "rearm")]


@pytest.mark.parametrize("kernel", ["5.15", "6.18"])
def test_before_7_0_perf_event_programs_cannot_touch_the_timer_map(kernel: str) -> None:
    refused = pytest.raises(VerifierError, match="^tracing progs cannot use bpf_timer yet$")
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt, refused:
        load(rt, "nmi")


@pytest.mark.parametrize(("kernel", "clock"), [("6.18", "virtual"), ("7.0", "virtual"), ("7.0", "real")])
def test_timer_start_delete_race(kernel: str, clock: str) -> None:
    """One thread arms the timer of an array element again and again, another deletes the
    element (refused on an array): every run returns 0 and one 100 ms timer stays armed."""
    with pybpf.Runtime(clock=clock, kernel=kernel, ncpus=2) as rt:
        obj = load(rt, "start_timer", "delete_elem")
        programs = [obj.programs["start_timer"], obj.programs["delete_elem"]]
        assert set(on_threads(lambda cpu: programs[cpu].test_run(ctx=b"", cpu=cpu).retval, 2, 10)) == {0}
        (timer,) = rt.timers()
        assert timer.callback == "count"
        if clock == "virtual":  # on the real one the last 100 ms may have passed by now
            assert (timer.state, obj.globals["cb_cnt"]) == ("armed", 0)
