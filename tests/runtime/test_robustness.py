"""Robustness under abuse: far-future timers, clocks driven from several threads at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import pybpf
from pybpf.timers import KTIME_SAFE_MAX, kernel_expiry

SOURCE = Path(__file__).parent / "testdata" / "contain.bpf.c"
U64 = (1 << 64) - 1
NOW = 5_000_000_000



@pytest.mark.parametrize(
    ("nsecs", "absolute", "expires"),
    [
        pytest.param(1000, False, NOW + 1000, id="relative"),
        pytest.param(1000, True, 1000, id="absolute-past"),
        pytest.param((1 << 63) - 1, False, KTIME_SAFE_MAX, id="relative-overflows"),
        pytest.param(1 << 63, False, KTIME_SAFE_MAX, id="relative-negative"),
        pytest.param(U64, False, KTIME_SAFE_MAX, id="relative-minus-one"),
        pytest.param(1 << 63, True, KTIME_SAFE_MAX, id="absolute-negative"),
        pytest.param(U64, True, KTIME_SAFE_MAX, id="absolute-minus-one"),
        pytest.param((1 << 63) - 1, True, (1 << 63) - 1, id="absolute-s64-max"),
    ],
)
def test_expiry_follows_the_kernels_signed_ktime(nsecs: int, absolute: bool, expires: int) -> None:
    assert kernel_expiry(nsecs, absolute, NOW) == expires


def _arm(obj: pybpf.Object, key: int, nsecs: int, flags: int = 0) -> int:
    obj.globals["target"], obj.globals["offset"], obj.globals["got"] = key, nsecs - (1 << 64) if nsecs >= 1 << 63 else nsecs, flags
    return obj.programs["arm_at"].test_run().retval


@pytest.mark.parametrize("flags", [0, 1], ids=["relative", "absolute"])
def test_far_future_timer_never_fires_and_the_real_clock_keeps_serving(object_file: Path, flags: int) -> None:
    with pybpf.Runtime(clock="real", ncpus=1) as rt:
        obj = rt.load(object_file, verify=False)  # its programs attack on purpose
        assert _arm(obj, 0, U64, flags) == 0
        (info,) = rt.timers()
        assert info.expires_ns == KTIME_SAFE_MAX
        assert _arm(obj, 1, 1_000_000) == 0  # 1 ms, on the same CPU
        deadline = time.monotonic() + 10  # a loaded machine may be slow to wake the worker
        while obj.globals["fired"] < 1 and time.monotonic() < deadline:
            rt.advance(10_000_000)
        assert obj.globals["fired"] == 1
        far = rt.timers()[0]
        assert (far.state, far.expires_ns) == ("armed", KTIME_SAFE_MAX)


def test_run_until_idle_and_test_run_on_two_threads_do_not_deadlock(object_file: Path) -> None:
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(object_file, verify=False)  # its programs attack on purpose
        stop = threading.Event()
        errors: list[BaseException] = []

        def drive() -> None:
            try:
                while not stop.is_set():
                    rt.run_until_idle(10_000)
            except BaseException as err:  # noqa: BLE001 - reported below
                errors.append(err)

        driver = threading.Thread(target=drive, daemon=True)
        driver.start()
        try:
            for i in range(300):
                assert _arm(obj, i % 4, 1 + i % 3) == 0
        finally:
            stop.set()
            driver.join(timeout=30)
        assert not driver.is_alive(), "deadlock between run_until_idle and test_run"
        assert not errors
        rt.run_until_idle(10_000)
        assert obj.globals["fired"] > 0
