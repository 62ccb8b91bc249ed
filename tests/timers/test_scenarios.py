"""The scenarios of spec section 8 (../shared/spec/bpf_timer.md), on the virtual clock.

One syscall program applies one timer operation per run (see testdata/timer_ops.bpf.c), so each
test reads as the sequence of helper calls it makes and the return codes the kernel gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import pybpf
from pybpf import MILLISECOND, SECOND
from pybpf.runtime._table import map_charge
from pybpf.timers import TIMER_CHARGE, RealClock

from ._ops import timer_op

SOURCE = (Path(__file__).parent / "testdata" / "timer_ops.bpf.c").read_text()
ARR, HASH, LRU = 0, 1, 2
RESET, INIT, SET_CB, START, CANCEL, DELETE = range(6)
COUNT, PERIODIC, SELF_CANCEL, DELETE_SELF, CANCEL_OTHER = range(5)
EPERM, ENOENT, ENOMEM, EBUSY, EINVAL, EDEADLK = 1, 2, 12, 16, 22, 35
MONOTONIC, REALTIME, BOOTTIME = 1, 0, 7
ABS, CPU_PIN = 1, 2


class Timers:
    """Runs timer operations through the program and reads the results."""

    def __init__(self, rt: pybpf.Runtime, obj: pybpf.Object) -> None:
        self.rt, self.obj = rt, obj
        self.prog = obj.programs["timer_op"]

    def op(self, which: int, key: int, op: int, a: int = 0, b: int = 0, cpu: int | None = None) -> int:
        return timer_op(self.prog, which, key, op, a, b, cpu)

    def arm(self, which: int, key: int, nsecs: int, flags: int = 0, clock: int = MONOTONIC, cpu: int | None = None) -> None:
        """Reset, init, set the callback and start: every step must succeed."""
        assert [
            self.op(which, key, RESET),
            self.op(which, key, INIT, clock),
            self.op(which, key, SET_CB),
            self.op(which, key, START, nsecs, flags, cpu=cpu),
        ] == [0, 0, 0, 0]

    @property
    def real(self) -> bool:
        return isinstance(self.rt.clock, RealClock)

    @property
    def long(self) -> int:
        """A "long" delay: a second of virtual time, or 20 ms of real time."""
        return 20 * MILLISECOND if self.real else SECOND

    def settle(self, ns: int) -> None:
        """Let ``ns`` pass; on the real clock, also wait until what fell due has run."""
        self.rt.advance(ns)
        if not self.real:
            return
        deadline = self.rt.clock.now() + 2 * SECOND
        while self.rt.clock.now() < deadline and any(
            info.state == "running" or (info.expires_ns is not None and info.expires_ns <= self.rt.clock.now(
                {"monotonic": MONOTONIC, "realtime": REALTIME, "boottime": BOOTTIME}[info.clock]))
            for info in self.rt.timers()
        ):
            self.rt.advance(100_000)

    def counter(self, which: int, key: int) -> int:
        name = ("arr", "hash", "lru")[which]
        return self.obj.maps[name][key]["counter"]  # type: ignore[no-any-return]

    @property
    def g(self) -> pybpf.Map:
        return self.obj.globals  # type: ignore[return-value]


@pytest.fixture(
    params=[("virtual", "6.18"), ("real", "6.18"), ("virtual", "5.15"), ("virtual", "7.0")],
    ids=["virtual", "real", "virtual-5.15", "virtual-7.0"],
)
def t(c_file, request: pytest.FixtureRequest) -> Iterator[Timers]:  # type: ignore[no-untyped-def]
    """The scenarios on both clocks, and on the virtual one as the oldest and newest releases
    behave: where those differ from 6.18, the test says so."""
    clock, kernel = request.param
    with pybpf.Runtime(clock=clock, kernel=kernel) as rt:
        yield Timers(rt, rt.load(c_file(SOURCE)))


def exact(t: Timers) -> None:
    """Skip on the real clock: the test checks nanosecond-exact times."""
    if t.real:
        pytest.skip("nanosecond-exact times need the virtual clock")


# -- 8.1 flags and clocks ----------------------------------------------------------------------

@pytest.mark.parametrize("flags", [0, 1, 7], ids=["realtime", "monotonic", "boottime"])
def test_init_accepts_the_three_clocks_once(t: Timers, flags: int) -> None:
    assert t.op(ARR, 0, INIT, flags) == 0
    assert t.op(ARR, 0, INIT, flags) == -EBUSY


@pytest.mark.parametrize("flags", [2, 3, 4, 5, 6, 8, 9, 15, 16, 1 << 32])
def test_init_refuses_other_clocks_and_flags(t: Timers, flags: int) -> None:
    assert t.op(ARR, 0, INIT, flags) == -EINVAL


def test_start_refuses_unknown_flags(t: Timers) -> None:
    assert [t.op(ARR, 0, INIT, MONOTONIC), t.op(ARR, 0, SET_CB)] == [0, 0]
    assert t.op(ARR, 0, START, 1000, 4) == -EINVAL


# -- 8.2 call order ----------------------------------------------------------------------------

@pytest.mark.parametrize("op", [START, SET_CB, CANCEL], ids=["start", "set_callback", "cancel"])
def test_uninitialised_timer_refuses_everything(t: Timers, op: int) -> None:
    assert t.op(ARR, 0, op) == -EINVAL


def test_start_needs_a_callback_again_after_cancel(t: Timers) -> None:
    assert t.op(ARR, 0, INIT, MONOTONIC) == 0
    assert t.op(ARR, 0, START, 1000) == -EINVAL  # no callback yet
    assert t.op(ARR, 0, SET_CB) == 0
    assert t.op(ARR, 0, START, 1000) == 0
    assert t.op(ARR, 0, CANCEL) == 1
    assert t.op(ARR, 0, START, 1000) == -EINVAL  # cancel detached the callback
    assert t.op(ARR, 0, SET_CB) == 0  # no re-init needed
    assert t.op(ARR, 0, START, 1000) == 0


# -- 8.3 cancel return values ------------------------------------------------------------------

def test_cancel_says_whether_the_timer_was_armed(t: Timers) -> None:
    assert [t.op(ARR, 0, INIT, MONOTONIC), t.op(ARR, 0, SET_CB)] == [0, 0]
    assert t.op(ARR, 0, CANCEL) == 0  # never started
    assert [t.op(ARR, 0, SET_CB), t.op(ARR, 0, START, t.long)] == [0, 0]
    assert t.op(ARR, 0, CANCEL) == 1
    assert t.op(ARR, 0, CANCEL) == 0
    t.settle(2 * t.long)
    assert t.counter(ARR, 0) == 0


def test_cancel_after_the_callback_ran_returns_zero(t: Timers) -> None:
    t.arm(ARR, 0, 1000)
    t.settle(1000)
    assert t.counter(ARR, 0) == 1
    assert t.op(ARR, 0, CANCEL) == 0


# -- 8.4 callback context ----------------------------------------------------------------------

def test_self_cancel_from_the_callback_is_edeadlk(t: Timers) -> None:
    t.g["cb_mode"] = SELF_CANCEL
    t.arm(ARR, 1, 1000)
    t.settle(1000)
    assert t.g["cb_rc"] == -EDEADLK
    assert t.op(ARR, 1, START, 1000) == 0  # nothing changed: the callback is still set


def test_rearming_from_the_callback_makes_a_periodic_timer(t: Timers) -> None:
    exact(t)
    t.g["cb_mode"], t.g["limit"], t.g["period"] = PERIODIC, 10, 1000
    t.arm(HASH, 2, 1000)
    t.settle(t.long)
    assert t.counter(HASH, 2) == 10  # exactly ten runs, then it stops re-arming
    assert t.obj.maps["hash"][2]["last_ns"] == SECOND + 10 * 1000


def test_callbacks_rearmed_inside_a_window_fire_inside_it_at_their_times(t: Timers) -> None:
    exact(t)
    t.g["cb_mode"], t.g["limit"], t.g["period"] = PERIODIC, 100, 250
    t.arm(ARR, 0, 250)
    t.settle(1000)
    assert t.counter(ARR, 0) == 4
    assert t.obj.maps["arr"][0]["last_ns"] == SECOND + 1000


def test_callback_deleting_its_own_element_then_start_gets_einval(t: Timers) -> None:
    t.g["cb_mode"] = DELETE_SELF
    t.arm(HASH, 3, 1000)
    t.settle(1000)
    assert t.g["cb_rc"] == -EINVAL
    assert 3 not in t.obj.maps["hash"]
    assert t.g["runs"] == 1


def test_timers_fire_in_expiry_order_with_ties_in_start_order(t: Timers) -> None:
    exact(t)
    t.arm(ARR, 2, 300)
    t.arm(ARR, 0, 100)
    t.arm(ARR, 1, 300)
    fired = []
    for step in (100, 200):
        t.settle(step)
        fired.append([k for k in range(3) if t.counter(ARR, k)])
    assert fired == [[0], [0, 1, 2]]
    events = [(e.key, e.time_ns) for e in t.rt.timer_events() if e.event == "fire"]
    assert events == [(0, SECOND + 100), (2, SECOND + 300), (1, SECOND + 300)]  # keys typed as the map's


# -- 8.5 frees from element operations ---------------------------------------------------------

def test_updating_a_hash_key_frees_its_timer(t: Timers) -> None:
    t.arm(HASH, 4, t.long)
    assert t.op(HASH, 4, RESET) == 0  # an update of the same key
    assert t.op(HASH, 4, INIT, MONOTONIC) == 0  # the old timer is gone: init works again
    t.settle(2 * t.long)
    assert t.counter(HASH, 4) == 0


def test_user_space_update_of_an_array_resets_its_timer(t: Timers) -> None:
    t.arm(ARR, 3, t.long)
    t.obj.maps["arr"][3] = {"counter": 7}
    assert t.op(ARR, 3, INIT, MONOTONIC) == 0
    t.settle(2 * t.long)
    assert t.counter(ARR, 3) == 7  # the pending callback never fired


def test_deleting_an_element_frees_its_timer(t: Timers) -> None:
    t.arm(HASH, 5, t.long)
    del t.obj.maps["hash"][5]
    t.settle(2 * t.long)
    assert t.g["runs"] == 0
    assert t.rt.timers() == []


def test_lru_eviction_frees_the_evicted_timer(t: Timers) -> None:
    t.arm(LRU, 1, t.long)
    assert [t.op(LRU, 2, RESET), t.op(LRU, 3, RESET)] == [0, 0]  # the map holds two: key 1 goes
    assert 1 not in t.obj.maps["lru"]
    t.settle(2 * t.long)
    assert t.g["runs"] == 0


def test_user_space_reads_show_zeros_in_the_timer(t: Timers) -> None:
    t.arm(ARR, 0, t.long)
    raw = t.obj.maps["arr"].internal.lookup_elem((0).to_bytes(4, "little"))
    assert raw[16:32] == bytes(16)  # type: ignore[index]
    assert t.obj.maps["arr"][0]["t"] == {"__opaque": [0, 0]}


# -- 8.6 user references -----------------------------------------------------------------------

def test_closing_the_last_user_reference_cancels_timers_and_init_then_gets_eperm(t: Timers) -> None:
    t.arm(ARR, 0, t.long)
    t.obj.maps["arr"].close()
    t.settle(2 * t.long)
    assert t.g["runs"] == 0
    assert t.op(ARR, 0, INIT, MONOTONIC) == -EPERM


def test_a_pin_keeps_timers_firing_after_the_object_is_closed(t: Timers) -> None:
    t.g["cb_mode"], t.g["limit"], t.g["period"] = PERIODIC, 1000, t.long
    t.arm(ARR, 0, t.long)
    t.obj.maps["arr"].pin("/sys/fs/bpf/arr")
    t.obj.close()  # the program is gone for user space; the armed timer holds it
    t.settle(5 * t.long)
    count = t.rt.open_pinned("/sys/fs/bpf/arr")[0]["counter"]
    assert count == 5 if not t.real else count >= 3  # real periods drift by a little
    t.rt.unpin("/sys/fs/bpf/arr")
    assert t.rt.timers() == []


def test_an_armed_timer_keeps_its_program_alive(t: Timers) -> None:
    t.arm(ARR, 0, t.long)
    program = t.obj.programs["timer_op"]
    t.obj.maps["arr"].pin("/p")
    t.obj.close()  # no user reference to the program is left
    assert t.rt.timers()[0].program == program.name
    t.settle(t.long)
    assert t.rt.open_pinned("/p")[0]["counter"] == 1


# -- 8.8 flag behaviour ------------------------------------------------------------------------

def flags_refused_on_5_15(t: Timers, flags: int, clock: int = MONOTONIC) -> bool:
    """5.15 has neither BPF_F_TIMER_ABS (6.4) nor BPF_F_TIMER_CPU_PIN (6.7): start refuses them."""
    if t.rt.kernel != "5.15":
        return False
    assert [t.op(ARR, 0, INIT, clock), t.op(ARR, 0, SET_CB)] == [0, 0]
    assert t.op(ARR, 0, START, t.rt.clock.now(clock) + 1000, flags) == -EINVAL
    return True


def test_absolute_expiry_on_boottime_fires(t: Timers) -> None:
    exact(t)
    if flags_refused_on_5_15(t, ABS, BOOTTIME):
        return
    t.arm(ARR, 0, t.rt.clock.now(BOOTTIME) + 1000, ABS, clock=BOOTTIME)
    t.settle(999)
    assert t.counter(ARR, 0) == 0
    t.settle(1)
    assert t.counter(ARR, 0) == 1


def test_cpu_pin_fires_on_the_starting_cpu(t: Timers) -> None:
    if flags_refused_on_5_15(t, CPU_PIN):
        return
    t.arm(ARR, 0, 1000, CPU_PIN, cpu=1)
    t.settle(1000)
    assert t.obj.maps["arr"][0]["cpu"] == 1


def test_realtime_timers_follow_the_realtime_clock(t: Timers) -> None:
    if flags_refused_on_5_15(t, ABS, REALTIME):
        return
    t.arm(ARR, 0, t.rt.clock.now(REALTIME) + t.long, ABS, clock=REALTIME)
    t.settle(t.long)
    assert t.counter(ARR, 0) == 1


# -- memory limit ------------------------------------------------------------------------------

def test_init_fails_with_enomem_past_the_memory_limit(c_file) -> None:  # type: ignore[no-untyped-def]
    path = c_file(SOURCE)
    with pybpf.Runtime(clock="virtual") as rt:
        maps_only = sum(map_charge(m.internal) for m in rt.load(path).maps.values())
    with pybpf.Runtime(clock="virtual", memory_limit=maps_only + TIMER_CHARGE) as rt:
        t = Timers(rt, rt.load(path))
        assert t.op(ARR, 0, INIT, MONOTONIC) == 0
        assert t.op(ARR, 1, INIT, MONOTONIC) == -ENOMEM
        assert t.op(ARR, 0, RESET) == 0  # freeing a timer gives its memory back
        assert t.op(ARR, 1, INIT, MONOTONIC) == 0


STORM = r"""
struct elem { struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, struct elem); }
    storm SEC(".maps");
static int again(void *map, int *key, struct elem *e) { bpf_timer_start(&e->t, 0, 0); return 0; }
SEC("syscall")
int start(void *ctx)
{
    int key = 0;
    struct elem *e = bpf_map_lookup_elem(&storm, &key);
    if (!e)
        return 1;
    bpf_timer_init(&e->t, &storm, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&e->t, again);
    return bpf_timer_start(&e->t, 0, 0);
}
char LICENSE[] SEC("license") = "GPL";
"""


def test_a_timer_storm_is_stopped_with_a_clear_error(c_file) -> None:  # type: ignore[no-untyped-def]
    clock = pybpf.VirtualClock(max_callbacks=1000)
    with pybpf.Runtime(clock=clock) as rt:
        obj = rt.load(c_file(STORM))
        assert obj.programs["start"].test_run().retval == 0
        with pytest.raises(pybpf.BpfRuntimeError, match=r"^timer storm: more than 1000 callbacks in one advance, "
                                                         r"timer storm\[0\] keeps re-arming$") as info:
            rt.advance(0)
        assert info.value.timer == "storm[0]"
        assert [t.state for t in rt.timers()] == ["armed"]  # it is left as it was
