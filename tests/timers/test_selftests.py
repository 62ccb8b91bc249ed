"""Ports of what the kernel's timer selftests check (timer.c, timer_mim.c, timer_lockup.c,
timer_crash.c), on the virtual clock and on the real one."""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf

TESTDATA = Path(__file__).parent / "testdata"
MICROSECOND = pybpf.MICROSECOND


@pytest.fixture(params=["virtual", "real"])
def rt(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock=request.param) as runtime:
        yield runtime


def settle(rt: pybpf.Runtime, ns: int) -> None:
    """Let ``ns`` pass; on the real clock also wait for callbacks that fell due to finish."""
    rt.advance(ns)
    if isinstance(rt.clock, pybpf.timers.RealClock):
        deadline = rt.clock.now() + 2 * pybpf.SECOND
        while any(t.state == "running" or (t.expires_ns or 1 << 62) < rt.clock.now() for t in rt.timers()):
            if rt.clock.now() > deadline:
                break
            rt.advance(100 * MICROSECOND)


def test_timer_selftest(rt: pybpf.Runtime) -> None:
    obj = rt.load(TESTDATA / "timer_selftest.bpf.c")
    g = obj.globals
    assert (g["callback_check"], g["callback2_check"], g["pinned_callback_check"]) == (52, 52, 0)
    links = [obj.programs[f"test{i}"].attach() for i in range(1, 6)]
    res = obj.programs["test1"].test_run()  # runs bpf_fentry_test1..7, so test1..test5 fire
    assert res.retval == 0
    for link in links:
        link.detach()
    settle(rt, 50 * MICROSECOND)
    assert g["err"] == 0
    assert g["ok"] == 1 | 2 | 4
    assert (g["callback_check"], g["callback2_check"]) == (42, 42)  # ten runs each
    assert g["bss_data"] == 10  # timer_cb1 ran for the array and for the LRU element
    assert g["abs_data"] == 12
    assert g["pinned_callback_check"] == 2
    obj.close()  # closing the last references cancels the ~34 s timers
    assert rt.timers() == []


def test_timer_mim_inner_map_timers_live_while_user_space_holds_the_inner_map(rt: pybpf.Runtime) -> None:
    obj = rt.load(TESTDATA / "timer_mim.bpf.c")
    g = obj.globals
    link = obj.programs["test1"].attach()
    assert obj.programs["test1"].test_run().retval == 0
    link.detach()
    settle(rt, 20 * MICROSECOND)
    before = g["cnt"]
    settle(rt, 20 * MICROSECOND)
    assert g["cnt"] > before  # the two callbacks keep re-arming each other
    assert (g["err"], g["ok"]) == (0, 3)
    # Close user space's reference to the inner map and take it out of the outer map: its
    # timers are cancelled and the count stops.
    obj.maps["inner_htab"].close()
    del obj.maps["outer_arr"][1]
    settle(rt, 20 * MICROSECOND)
    stopped = g["cnt"]
    settle(rt, 50 * MICROSECOND)
    assert g["cnt"] == stopped


@pytest.mark.parametrize("crash_map", [0, 1], ids=["array", "hash"])
def test_timer_crash_poison_never_reaches_the_timer_slot(rt: pybpf.Runtime, crash_map: int) -> None:
    check_timer_crash(rt, crash_map)


@pytest.mark.parametrize("kernel", ["5.15", "5.16", "7.0"])
def test_timer_crash_on_other_releases(kernel: str) -> None:
    """Upstream fixed the copy in 5.17, and the fix reached 5.15.26 and 5.16.12: the latest
    5.15.y and 5.16.y copy around both the lock and the timer, as every later release does."""
    with pybpf.Runtime(clock="virtual", kernel=kernel) as rt:
        for crash_map in (0, 1):
            check_timer_crash(rt, crash_map)


def check_timer_crash(rt: pybpf.Runtime, crash_map: int) -> None:
    """timer_crash: an update of a value holding a spin lock and a timer with poisoned bytes."""
    obj = rt.load(TESTDATA / "timer_crash.bpf.c")
    obj.globals["crash_map"] = crash_map
    assert obj.programs["arm"].test_run().retval == 0
    assert obj.programs["poison"].test_run().retval == 0
    name = "hmap" if crash_map else "amap"
    internal = obj.maps[name].internal
    address = internal.lookup((0).to_bytes(4, "little"), 0)
    region = next(r for r in internal.regions() if r.contains(address, 16))
    word = int.from_bytes(region.buf[address - region.base : address - region.base + 8], "little")
    assert word != 0xDEADCAF3
    if crash_map:
        # The update made a new element whose timer is not initialised (the old one is freed).
        assert obj.globals["cancel_rc"] == -22


def test_timer_lockup_cross_cancel_never_hangs(rt: pybpf.Runtime) -> None:
    import threading

    obj = rt.load(TESTDATA / "timer_lockup.bpf.c")
    g = obj.globals
    packet = bytes(64)
    stop = threading.Event()
    # Both timers exist before the race starts: a cancel of a timer never initialised would
    # rightly fail with -EINVAL, which is not what this test is about.
    for i in (1, 2):
        obj.programs[f"timer{i}_prog"].test_run(data=packet, cpu=i - 1)
    settle(rt, MICROSECOND)
    g["timer1_err"] = g["timer2_err"] = 0

    def loop(name: str, cpu: int) -> None:
        for _ in range(200):
            if stop.is_set() or g["timer1_err"] or g["timer2_err"]:
                break
            obj.programs[name].test_run(data=packet, repeat=20, cpu=cpu)
            rt.advance(MICROSECOND)

    threads = [threading.Thread(target=loop, args=(f"timer{i + 1}_prog", i)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    stop.set()
    assert not any(t.is_alive() for t in threads), "deadlock"
    assert g["timer1_err"] in (0, 1, -35) and g["timer2_err"] in (0, 1, -35)
