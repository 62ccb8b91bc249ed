"""bpf_wq (6.10): the spec's rules on both clocks, through tests/timers/testdata/wq_ops.bpf.c,
and 7.0's bpf_timer_cancel_async through the same object."""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import pybpf
from pybpf.timers import RealClock

from ._ops import s32

SOURCE = Path(__file__).parent / "testdata" / "wq_ops.bpf.c"
RESET, WQ_INIT, WQ_SET_CB, WQ_START, DELETE, TIMER_INIT, TIMER_SET_CB, TIMER_START, CANCEL_ASYNC = range(9)
COUNT, RESTART_SELF, CANCEL_ASYNC_SELF = range(3)
ARR, HASH = 0, 1
ENOENT, EBUSY, EINVAL = 2, 16, 22


class Wq:
    def __init__(self, rt: pybpf.Runtime) -> None:
        self.rt = rt
        self.obj = rt.load(SOURCE, cflags=["-DWITH_CANCEL_ASYNC"] if rt.kernel == "7.0" else [])

    def op(self, op: int, key: int = 0, flags: int = 0, a: int = 0, which: int = ARR) -> int:
        return s32(self.obj.programs["wq_op"].test_run(ctx=struct.pack("<IiIIQ", which, key, op, flags, a)).retval)

    def ready(self, key: int = 0, which: int = ARR) -> None:
        assert [self.op(o, key, which=which) for o in (RESET, WQ_INIT, WQ_SET_CB)] == [0, 0, 0]

    def settle(self) -> None:
        """Let queued work run: advance(0) on the virtual clock; a little real time otherwise."""
        self.rt.advance(0)
        if isinstance(self.rt.clock, RealClock):
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline and any(t.state != "idle" for t in self.rt.timers() if t.kind == "wq"):
                self.rt.advance(200_000)

    @property
    def runs(self) -> int:
        return self.obj.globals["runs"]  # type: ignore[no-any-return]


@pytest.fixture(params=["virtual", "real"])
def wq(request: pytest.FixtureRequest) -> Iterator[Wq]:
    with pybpf.Runtime(clock=request.param) as rt:
        yield Wq(rt)


def test_return_codes(wq: Wq) -> None:
    assert [wq.op(WQ_START), wq.op(WQ_SET_CB)] == [-EINVAL, -EINVAL]  # not initialised
    assert [wq.op(WQ_INIT, flags=1), wq.op(WQ_INIT), wq.op(WQ_INIT)] == [-EINVAL, 0, -EBUSY]
    assert wq.op(WQ_START) == -EINVAL  # no callback
    assert [wq.op(WQ_SET_CB, flags=1), wq.op(WQ_SET_CB), wq.op(WQ_START, flags=1)] == [-EINVAL, 0, -EINVAL]
    assert wq.op(WQ_START) == 0


def test_work_runs_at_the_next_advance_never_inside_the_run_and_once_per_queueing(wq: Wq) -> None:
    wq.ready()
    assert [wq.op(WQ_START), wq.op(WQ_START)] == [0, 0]
    if not isinstance(wq.rt.clock, RealClock):
        assert wq.runs == 0  # queued, not run: the program run that queued it is over
        assert [(t.kind, t.clock, t.state, t.callback) for t in wq.rt.timers()] == [("wq", "-", "armed", "wq_cb")]
    wq.settle()
    events = [e.event for e in wq.rt.timer_events() if e.kind == "wq"]
    if isinstance(wq.rt.clock, RealClock) and wq.runs == 2:
        # A worker may take the work between the two starts, as a kernel worker may: the
        # second start then queues it again.
        assert events[:3] == ["init", "set_callback", "start"]
        assert sorted(events[3:]) == ["fire", "fire", "start"]
        return
    assert wq.runs == 1  # pending work queued twice runs once
    assert wq.obj.maps["arr"][0]["counter"] == 1
    assert events == ["init", "set_callback", "start", "fire"]


def test_work_may_queue_itself_again(wq: Wq) -> None:
    wq.obj.globals["cb_mode"] = RESTART_SELF
    wq.ready(2, HASH)
    assert wq.op(WQ_START, 2, which=HASH) == 0
    for _ in range(4):
        wq.settle()
    assert wq.obj.maps["hash"][2]["counter"] == 3
    assert wq.obj.maps["hash"][2]["in_cb_rc"] == 0


@pytest.mark.parametrize("how", ["delete", "update", "close"])
def test_element_delete_update_and_map_release_cancel_queued_work(wq: Wq, how: str) -> None:
    wq.ready(1, HASH)
    assert wq.op(WQ_START, 1, which=HASH) == 0
    if how == "delete":
        assert wq.op(DELETE, 1, which=HASH) == 0
    elif how == "update":
        wq.obj.maps["hash"][1] = {"counter": 5}
        assert wq.op(WQ_START, 1, which=HASH) == -EINVAL  # the update freed it: init again
    else:
        wq.obj.maps["hash"].close()
    wq.settle()
    # On the real clock a worker may run the work between the queueing and the free, as a
    # kernel worker may; the virtual clock runs it only when time passes, so there it never runs.
    assert wq.runs == 0 if not isinstance(wq.rt.clock, RealClock) else wq.runs <= 1
    assert wq.rt.timers() == []


def test_user_space_reads_zeros_in_the_wq_bytes(wq: Wq) -> None:
    wq.ready()
    raw = wq.obj.maps["arr"].internal.lookup_elem(bytes(4))
    assert raw[8:24] == bytes(16)  # type: ignore[index]


def test_before_6_10_the_wq_is_plain_bytes() -> None:
    with pybpf.Runtime(clock="virtual", kernel="6.9") as rt:
        # no program: they call the wq kfuncs, which a 6.9 kernel refuses where reached
        obj = rt.load(SOURCE, programs=[])
        obj.maps["arr"][0] = {"w": {"__opaque": [7, 8]}}
        assert obj.maps["arr"][0]["w"] == {"__opaque": [7, 8]}  # not hidden: no special field


KSYMS = """
SEC("syscall")
int which(void *ctx)
{
	return bpf_ksym_exists(bpf_wq_init) | bpf_ksym_exists(bpf_timer_cancel_async) << 1;
}
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.mark.parametrize(("kernel", "found"), [("5.15", 0), ("6.9", 0), ("6.10", 1), ("6.18", 1), ("7.0", 3)])
def test_the_kfuncs_a_release_offers(c_file, kernel: str, found: int) -> None:  # type: ignore[no-untyped-def]
    """The kfunc registry's release field: bpf_wq from 6.10, bpf_timer_cancel_async from 7.0."""
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
        obj = rt.load(c_file(KSYMS), programs=["which"])
        assert obj.programs["which"].test_run(ctx=b"").retval == found


STRONG = """/* Not through bpf_helpers.h, whose kfunc declarations are weak. */
#include <linux/bpf.h>
struct bpf_timer;
extern int bpf_timer_cancel_async(struct bpf_timer *timer) __attribute__((section(".ksyms")));
__attribute__((section("syscall"), used)) int strong(void *ctx) { return bpf_timer_cancel_async(0); }
char LICENSE[] __attribute__((section("license"), used)) = "GPL";
"""


def test_a_strong_reference_to_a_kfunc_of_a_later_release_fails_the_load(c_file) -> None:  # type: ignore[no-untyped-def]
    missing = r"kfunc 'bpf_timer_cancel_async' is not in Linux 6\.18 \(it appeared in 7\.0\)"
    with pybpf.Runtime(clock="virtual", kernel="6.18") as rt, pytest.raises(pybpf.NotSupportedError, match=missing):
        rt.load(c_file(STRONG))
    with pybpf.Runtime(clock="virtual", kernel="7.0") as rt:
        assert "strong" in rt.load(c_file(STRONG)).programs


# -- 7.0: bpf_timer_cancel_async -----------------------------------------------------------------

@pytest.fixture
def v7() -> Iterator[Wq]:
    with pybpf.Runtime(clock="virtual", kernel="7.0") as rt:
        yield Wq(rt)


def _armed(w: Wq, nsecs: int = 100_000) -> None:
    assert [w.op(o, a=a) for o, a in ((RESET, 0), (TIMER_INIT, 1), (TIMER_SET_CB, 0), (TIMER_START, nsecs))] == [0] * 4


def test_cancel_async_returns_codes_and_keeps_the_callback(v7: Wq) -> None:
    assert v7.op(CANCEL_ASYNC) == -EINVAL  # not initialised
    _armed(v7)
    assert [v7.op(CANCEL_ASYNC), v7.op(CANCEL_ASYNC)] == [1, 0]  # was armed, then idle
    assert v7.op(TIMER_START, a=1000) == 0  # no set_callback needed again
    v7.rt.advance(1000)
    assert v7.obj.globals["timer_runs"] == 1


def test_async_cancel_succeed_selftest(v7: Wq) -> None:
    """7.0's test_async_cancel_succeed: start 100 us, cancel_async at once: it never runs."""
    _armed(v7)
    assert v7.op(CANCEL_ASYNC) == 1
    v7.rt.advance(500_000)
    assert v7.obj.globals["timer_runs"] == 0


def test_cancel_async_from_its_own_callback_cannot_stop_it(v7: Wq) -> None:
    v7.obj.globals["cb_mode"] = CANCEL_ASYNC_SELF
    _armed(v7, 1000)
    v7.rt.advance(1000)
    assert v7.obj.globals["timer_runs"] == 1
    assert v7.obj.maps["arr"][0]["in_cb_rc"] == -1  # the callback is running: it continues


def test_an_element_with_a_timer_and_a_wq_keeps_both_and_frees_both(wq: Wq) -> None:
    wq.ready(1, HASH)
    assert [wq.op(o, 1, which=HASH) for o in (TIMER_INIT, TIMER_SET_CB, WQ_START)] == [0, 0, 0]
    assert wq.op(TIMER_START, 1, a=10**12, which=HASH) == 0
    assert sorted(t.kind for t in wq.rt.timers()) == ["timer", "wq"]  # one field each, not one per element
    assert wq.op(DELETE, 1, which=HASH) == 0
    assert wq.rt.timers() == []
    assert sorted(e.kind for e in wq.rt.timer_events() if e.event == "free") == ["timer", "wq"]
