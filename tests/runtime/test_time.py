"""``Runtime.run_until`` and ``Runtime.run_until_idle`` on both clocks, as README and
docs/timers.md describe them, with their edge cases: limits, nothing armed, callbacks that
re-arm, times in the past.

On the virtual clock every figure is exact. On the real clock the assertions are the ones host
time allows on a loaded machine: time passed at least as long as asked, nothing fired early,
and what was due long before the end has fired.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

import pybpf
from pybpf import MILLISECOND, SECOND, BpfRuntimeError, VirtualClock

TICKS = r"""
struct elem { __u64 count; __u64 times; __u64 period; struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, int); __type(value, struct elem); }
    ticks SEC(".maps");

/* Fires `times` times in all (0: for ever), `period` apart. */
static int tick(void *map, int *key, struct elem *e)
{
    e->count++;
    if (!e->times || e->count < e->times)
        bpf_timer_start(&e->t, e->period, 0);
    return 0;
}

struct args { int key; int pad; __u64 delay; __u64 period; __u64 times; };

SEC("syscall")
int arm(struct args *a)
{
    int key = a->key;
    struct elem *e = bpf_map_lookup_elem(&ticks, &key);
    if (!e)
        return -1;
    e->count = 0;
    e->times = a->times;
    e->period = a->period;
    bpf_timer_init(&e->t, &ticks, CLOCK_MONOTONIC); /* -EBUSY when it was already */
    bpf_timer_set_callback(&e->t, tick);
    return bpf_timer_start(&e->t, a->delay, 0);
}
char LICENSE[] SEC("license") = "GPL";
"""

LIMIT = 10 * SECOND  #: a run_until_idle limit no real-clock test should come near


class Ticks:
    """The ticker program loaded into a runtime."""

    def __init__(self, rt: pybpf.Runtime, path: Path) -> None:
        self.rt = rt
        self.obj = rt.load(path)

    def arm(self, key: int, delay: int, *, period: int = 0, times: int = 1) -> None:
        ctx = struct.pack("<iiQQQ", key, 0, delay, period, times)
        assert self.obj.programs["arm"].test_run(ctx=ctx).retval == 0

    def count(self, key: int) -> int:
        return int(self.obj.maps["ticks"][key]["count"])

    def armed(self) -> int:
        return sum(t.state == "armed" for t in self.rt.timers())


@pytest.fixture(params=["virtual", "real"])
def clock(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ticks(c_file, clock: str) -> Iterator[Ticks]:  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock=clock) as rt:
        yield Ticks(rt, c_file(TICKS))


def test_run_until_fires_what_falls_due_by_then(ticks: Ticks, clock: str) -> None:
    rt = ticks.rt
    ticks.arm(0, 10 * MILLISECOND)
    ticks.arm(1, 60 * SECOND)
    start = rt.clock.now()  # after arming, however long that took on a busy machine
    rt.run_until(start + 300 * MILLISECOND)
    assert rt.clock.now() >= start + 300 * MILLISECOND
    if clock == "virtual":
        assert rt.clock.now() == start + 300 * MILLISECOND
    assert (ticks.count(0), ticks.count(1)) == (1, 0)
    assert ticks.armed() == 1


def test_run_until_a_time_in_the_past(ticks: Ticks, clock: str) -> None:
    # The virtual clock refuses it (issue 11: time never goes backwards there, and a past
    # target is a mistake); the real clock has moved on by itself, so no time passes.
    rt = ticks.rt
    ticks.arm(0, 0)  # due at once, but never inside the run that armed it
    before = rt.clock.now()
    if clock == "virtual":
        with pytest.raises(ValueError, match=r"^run_until: t_ns \d+ is before now \(\d+\): time can't go backwards$"):
            rt.run_until(before - SECOND)
        assert (rt.clock.now(), ticks.count(0)) == (before, 0)  # nothing moved, nothing fired
    else:
        rt.run_until(before - SECOND)
        assert rt.clock.now() >= before
    assert rt.run_until_idle(LIMIT) < SECOND
    assert ticks.count(0) == 1


def test_run_until_now_fires_what_is_due_now(ticks: Ticks, clock: str) -> None:
    ticks.arm(0, 0)
    ticks.rt.run_until(ticks.rt.clock.now())
    ticks.rt.run_until_idle(LIMIT)
    assert ticks.count(0) == 1


def test_run_until_idle_with_nothing_armed_returns_at_once(ticks: Ticks, clock: str) -> None:
    passed = ticks.rt.run_until_idle(LIMIT)
    assert passed == 0 if clock == "virtual" else 0 <= passed < SECOND


def test_run_until_idle_returns_after_the_last_expiry(ticks: Ticks, clock: str) -> None:
    start = ticks.rt.clock.now()
    ticks.arm(0, 20 * MILLISECOND)
    ticks.arm(1, 50 * MILLISECOND)
    passed = ticks.rt.run_until_idle(LIMIT)
    assert (ticks.count(0), ticks.count(1), ticks.armed()) == (1, 1, 0)
    # the clock stops at the last expiry, not at the limit
    assert ticks.rt.clock.now() >= start + 50 * MILLISECOND
    assert passed == 50 * MILLISECOND if clock == "virtual" else passed < LIMIT


def test_run_until_idle_follows_callbacks_that_re_arm(ticks: Ticks, clock: str) -> None:
    start = ticks.rt.clock.now()
    ticks.arm(0, 10 * MILLISECOND, period=10 * MILLISECOND, times=5)
    passed = ticks.rt.run_until_idle(LIMIT)
    assert (ticks.count(0), ticks.armed()) == (5, 0)
    assert ticks.rt.clock.now() >= start + 50 * MILLISECOND
    assert passed == 50 * MILLISECOND if clock == "virtual" else passed < LIMIT


def test_run_until_idle_stops_at_the_limit_when_a_timer_re_arms_for_ever(ticks: Ticks, clock: str) -> None:
    ticks.arm(0, 10 * MILLISECOND, period=10 * MILLISECOND, times=0)
    passed = ticks.rt.run_until_idle(100 * MILLISECOND)
    assert passed >= 100 * MILLISECOND
    if clock == "virtual":
        assert (passed, ticks.count(0)) == (100 * MILLISECOND, 10)  # the one due at the limit fires
        assert ticks.rt.timers()[0].expires_ns == ticks.rt.clock.now() + 10 * MILLISECOND
    else:
        assert 1 <= ticks.count(0) <= passed // (10 * MILLISECOND) + 1
    so_far = ticks.count(0)
    ticks.rt.advance(200 * MILLISECOND)
    assert ticks.count(0) > so_far  # still re-arming: the limit, not idleness, ended the wait


def test_run_until_idle_with_no_limit_fires_only_what_is_due_now(ticks: Ticks, clock: str) -> None:
    ticks.arm(0, 0)
    ticks.arm(1, 60 * SECOND)
    before = ticks.rt.clock.now()
    passed = ticks.rt.run_until_idle(0)
    assert ticks.count(1) == 0
    if clock == "virtual":
        assert (passed, ticks.count(0), ticks.rt.clock.now()) == (0, 1, before)
    else:
        assert passed < SECOND


def test_run_until_idle_refuses_a_negative_limit(ticks: Ticks, clock: str) -> None:
    ticks.arm(0, SECOND)
    before = ticks.rt.clock.now()
    with pytest.raises(ValueError, match=r"^run_until_idle: limit_ns is -1000000: time can't go backwards$"):
        ticks.rt.run_until_idle(-MILLISECOND)
    assert ticks.rt.clock.now() >= before
    assert ticks.armed() == 1


def test_run_until_idle_stops_a_timer_storm(c_file) -> None:  # type: ignore[no-untyped-def]
    # a callback re-arming with 0 ns is due again at once: time never reaches the limit
    with pybpf.Runtime(clock=VirtualClock(max_callbacks=100)) as rt:
        ticks = Ticks(rt, c_file(TICKS))
        ticks.arm(2, 0, period=0, times=0)
        with pytest.raises(BpfRuntimeError, match=r"^timer storm: more than 100 callbacks in one advance"):
            rt.run_until_idle(SECOND)
        assert ticks.count(2) == 100
