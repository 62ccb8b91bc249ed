"""The hrtimer tracepoints fire by themselves from pybpf's timers, with the kernel's arguments,
and a hook that would deadlock the kernel raises instead of hanging."""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf
from pybpf.runtime._hooks import TIMER_FUNCTION

TESTDATA = Path(__file__).parent / "testdata"
START, CANCEL, ENTRY, EXIT, TP_START = 1, 2, 3, 4, 5
HRTIMER_MODE_REL_SOFT = 0x5
EDEADLK = 35
ALL = ["drive", "BPF_PROG_start", "raw_cancel", "BPF_PROG_entry", "tp_exit", "tp_start"]


def _load(rt: pybpf.Runtime, programs: list[str] = ALL) -> pybpf.Object:
    obj = rt.load(TESTDATA / "hrtimer_hooks.bpf.c", programs=programs)
    for name in programs[1:]:
        obj.programs[name].attach()
    return obj


def _drive(obj: pybpf.Object, op: int) -> None:
    obj.globals["op"] = op
    obj.programs["drive"].test_run(ctx=b"")
    assert obj.globals["rc"] >= 0


def _log(obj: pybpf.Object) -> list[tuple[int, int]]:
    return [(entry & 0xFF, entry >> 8) for entry in obj.globals["events"][: obj.globals["n"]]]


@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_start_restart_expiry_and_cancel_fire_the_tracepoints(clock: str) -> None:
    with pybpf.Runtime(clock=clock) as rt:
        obj = _load(rt)
        # On the real clock the first start is far enough out that the re-arm always comes
        # first, however loaded the host; the re-armed timer then fires soon.
        obj.globals["delay"] = 2000 if clock == "virtual" else 20 * pybpf.SECOND
        _drive(obj, 0)  # init, set callback, start in delay / 2
        obj.globals["delay"] = 2000 if clock == "virtual" else 20_000_000
        _drive(obj, 1)  # re-arm: 6.18 reports was_armed, fires no hrtimer_cancel
        rt.run_until_idle(pybpf.SECOND if clock == "virtual" else 10 * pybpf.SECOND)
        assert obj.globals["fired"] == 1
        obj.globals["delay"] = 10 * pybpf.SECOND  # still armed when cancelled, on either clock
        _drive(obj, 1)
        _drive(obj, 2)  # a real cancel of an armed timer
        mode = HRTIMER_MODE_REL_SOFT
        assert _log(obj) == [
            (START, mode), (TP_START, 1),
            (START, mode | 1 << 4), (TP_START, 1),
            (ENTRY, 1), (EXIT, 1),
            (START, mode), (TP_START, 1),
            (CANCEL, 1),
        ]
        assert obj.globals["seen_function"] == TIMER_FUNCTION
        assert (obj.globals["seen_state"], obj.globals["seen_soft"], obj.globals["seen_clockid"]) == (1, 1, 1)


def test_the_hrtimer_carries_the_expiry_and_expire_entry_the_time() -> None:
    with pybpf.Runtime(clock="virtual") as rt:
        obj = _load(rt)
        rt.advance(10_000)
        started = rt.clock.now()
        _drive(obj, 0)
        assert obj.globals["seen_expires"] == started + 1000
        rt.run_until_idle(pybpf.SECOND)
        assert obj.globals["seen_now"] == started + 1000


def test_a_realtime_timer_runs_on_the_monotonic_base() -> None:
    """bpf_timer_init sets its hrtimer up in relative mode, which moves CLOCK_REALTIME to the
    monotonic base."""
    with pybpf.Runtime(clock="virtual") as rt:
        obj = _load(rt)
        obj.globals["clock_id"] = 0
        _drive(obj, 0)
        assert obj.globals["seen_clockid"] == 1


def test_links_say_the_timers_fire_them() -> None:
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(TESTDATA / "hrtimer_hooks.bpf.c", programs=["drive", "tp_exit", "raw_cancel"])
        assert obj.programs["tp_exit"].attach().fired_by.startswith("pybpf's timers")
        assert obj.programs["raw_cancel"].attach().fired_by.startswith("pybpf's timers")


@pytest.mark.parametrize("kernel", ["6.17", "6.18"])
def test_re_arming_fires_hrtimer_cancel_only_before_was_armed(kernel: str) -> None:
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
        obj = _load(rt, ["drive", "raw_cancel", "tp_start"])
        _drive(obj, 0)
        _drive(obj, 1)
        kinds = [kind for kind, _ in _log(obj)]
        assert kinds == ([TP_START, CANCEL, TP_START] if kernel == "6.17" else [TP_START, TP_START])


def test_starting_a_timer_from_hrtimer_start_deadlocks_before_7_0() -> None:
    """bpf_timer_start from the hrtimer_start tracepoint takes the hrtimer base lock the
    tracepoint runs under: the kernel spins forever; pybpf raises."""
    with pybpf.Runtime(clock="virtual") as rt:
        obj = _load(rt, ["drive", "BPF_PROG_start"])
        _drive(obj, 3)  # a second timer, not armed
        obj.globals["restart_in_hook"] = 1
        obj.globals["op"] = 0
        with pytest.raises(pybpf.BpfRuntimeError, match=r"timer deadlock: bpf_timer_start from a hook inside hrtimer code"):
            obj.programs["drive"].test_run(ctx=b"")


def test_7_0_defers_a_start_from_hrtimer_start() -> None:
    """7.0 queues the start to irq_work; applying it fires hrtimer_start again, where the
    program's start of the timer being processed is refused (-EDEADLK) instead of looping."""
    with pybpf.Runtime(clock="virtual", kernel="7.0") as rt:
        obj = _load(rt, ["drive", "BPF_PROG_start"])
        _drive(obj, 3)
        obj.globals["restart_in_hook"] = 1
        _drive(obj, 0)
        assert obj.globals["hook_rc"] == -EDEADLK
        assert [kind for kind, _ in _log(obj)] == [START, START]
        assert sorted(t.state for t in rt.timers()) == ["armed", "armed"]


def test_cancelling_the_expiring_timer_from_expire_entry_is_a_deadlock() -> None:
    """hrtimer_cancel waits for the callback that expire_entry comes before, on the same CPU."""
    with pybpf.Runtime(clock="virtual") as rt:
        obj = _load(rt, ["drive", "BPF_PROG_entry"])
        obj.globals["cancel_in_entry"] = 1
        _drive(obj, 0)
        with pytest.raises(pybpf.BpfRuntimeError, match=r"timer deadlock: bpf_timer_cancel of the timers timer from its own"):
            rt.run_until_idle(pybpf.SECOND)


def test_hooks_attached_to_an_armed_timer_see_its_expiry_and_detached_ones_see_nothing() -> None:
    """The table skips the tracepoints no program is attached to: attaching or detaching
    between a start and its expiry must still be seen at once."""
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(TESTDATA / "hrtimer_hooks.bpf.c", programs=["drive", "BPF_PROG_entry", "tp_exit", "raw_cancel"])
        _drive(obj, 0)  # armed with no hook attached
        links = [obj.programs[name].attach() for name in ("BPF_PROG_entry", "tp_exit", "raw_cancel")]
        rt.run_until_idle(pybpf.SECOND)
        assert [kind for kind, _ in _log(obj)] == [ENTRY, EXIT]
        for link in links:
            link.detach()
        obj.globals["delay"] = 10 * pybpf.SECOND
        _drive(obj, 1)
        _drive(obj, 2)  # cancels an armed timer: hrtimer_cancel, with nothing attached now
        rt.run_until_idle(pybpf.SECOND)
        assert obj.globals["fired"] == 1
        assert [kind for kind, _ in _log(obj)] == [ENTRY, EXIT]
