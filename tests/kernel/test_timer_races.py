"""The race programs of tests/timers/testdata/timer_races.bpf.c in the kernel (6.18): the
syscall programs run from two threads return 0 in both, and the perf_event one is refused in
both with the same message."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pybpf

from . import _libbpf

RACES = Path(__file__).parent.parent / "timers" / "testdata" / "timer_races.bpf.c"


def two_threads(runs: list[Callable[[], int]]) -> set[int]:
    """Each of ``runs`` on a thread of its own, ten times: the return values seen."""
    seen: set[int] = set()

    def loop(run: Callable[[], int]) -> None:
        for _ in range(10):
            seen.add(run())

    threads = [threading.Thread(target=loop, args=(run,)) for run in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return seen


def test_race_and_start_delete_race_return_0_in_both(build: Callable[..., Path]) -> None:
    obj = build(RACES)
    names = ["race", "start_timer", "delete_elem"]
    with _libbpf.KernelObject(obj, programs=names) as kernel:
        kp = kernel.programs
        assert two_threads([lambda: kp["race"].test_run().retval] * 2) == {0}
        assert two_threads([lambda: kp["start_timer"].test_run().retval, lambda: kp["delete_elem"].test_run().retval]) == {0}
    with pybpf.Runtime(ncpus=2) as rt:
        ours = rt.load(obj, programs=names).programs
        assert two_threads([lambda: ours["race"].test_run(ctx=b"").retval] * 2) == {0}
        assert two_threads([lambda: ours["start_timer"].test_run(ctx=b"").retval,
                            lambda: ours["delete_elem"].test_run(ctx=b"").retval]) == {0}


def test_the_perf_event_program_is_refused_in_both(build: Callable[..., Path]) -> None:
    obj = build(RACES)
    try:
        _libbpf.KernelObject(obj, programs=["nmi"]).close()
    except _libbpf.LibbpfError as err:
        assert "tracing progs cannot use bpf_timer yet" in err.log
    else:
        raise AssertionError("the kernel loaded it")
    with pybpf.Runtime() as rt:
        try:
            rt.load(obj, programs=["nmi"])
        except pybpf.VerifierError as err:
            assert str(err) == "tracing progs cannot use bpf_timer yet"
        else:
            raise AssertionError("pybpf loaded it")
