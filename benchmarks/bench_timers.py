"""Timers: pybpf's interpreter and JIT against the kernel on one workload, then latency.

- Workload: a syscall program arms 100 timers; each callback counts itself and re-arms its
  timer until it has fired 10 times: 1,000 callbacks, every one a real program run (map
  lookup, atomic add, ``bpf_timer_start``). pybpf runs it on the virtual clock (time jumps
  from expiry to expiry), the kernel on real hrtimers; the figure is the time from the
  arming run to the last callback: CPU time of the thread for pybpf (everything runs on it;
  on a shared machine wall time counts the waits for a CPU), wall time for the kernel, polled
  through its counter map (its callbacks run in softirq, on no thread of ours). 100 live
  timers stay under the kernel's memory limit (bpf_timer_init fails near 150). pybpf's
  arming run (100 inits, set_callbacks and starts through the Python timer table) is shown
  apart: the JIT's callbacks fire in the native timer lane, the arming does not.
- Arming: what the timer helpers cost when a program calls them, the way a conntrack program
  arms one timer per new flow: a syscall program inits, sets the callback of and starts 100
  timers (a second ahead, so none fires in the kernel meanwhile), then another cancels them.
  pybpf's compiled calls are served natively by the timer desk, which leaves creating the
  timer objects, arming the clock and tracing to the table's next use: that part is shown
  apart, measured by the listing (``rt.timers()``) that follows each run.
- Real clock: how late pybpf's callbacks fire after their expiry (p50/p99), for one-shot
  timers at staggered delays, against how late a host thread wakes from a timed wait of the
  same delays: the floor any user-space timer stands on.

The kernel's side needs bpf() (root on Linux) and libbpf; without it only pybpf's engines are
compared. Run with ``make bench`` or ``python benchmarks/bench_timers.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pybpf
from pybpf import MILLISECOND, SECOND
from pybpf.runtime._compile import compile_c

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "kernel"))
try:
    import _libbpf
except ImportError:  # run from an installed package without the tests
    _libbpf = None

TIMERS, FIRINGS, PERIOD = 100, 10, 1000  #: 100 timers, each firing 10 times, 1 us apart
CALLBACKS = TIMERS * FIRINGS
TARGET = 1.5  #: the ratio to the kernel's time the timer path aims at


def _arm_program(delay: int) -> str:
    """The syscall program ``arm``: init, set the callback ``tick`` of and start (``delay`` ns
    ahead) the timer of every element of ``timers``."""
    return f"""
SEC("syscall")
int arm(void *ctx)
{{
    for (int i = 0; i < {TIMERS}; i++) {{
        int key = i;
        struct elem *e = bpf_map_lookup_elem(&timers, &key);
        if (!e || bpf_timer_init(&e->t, &timers, 1) || bpf_timer_set_callback(&e->t, tick)
            || bpf_timer_start(&e->t, {delay}, 0))
            return 1;
    }}
    return 0;
}}
"""


WORKLOAD = rf"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct elem {{ struct bpf_timer t; __u64 fired; }};
struct {{ __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, {TIMERS}); __type(key, int); __type(value, struct elem); }}
    timers SEC(".maps");
struct {{ __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, __u64); }}
    total SEC(".maps");

static int tick(void *map, int *key, struct elem *e)
{{
    int zero = 0;
    __u64 *n = bpf_map_lookup_elem(&total, &zero);
    if (n)
        __sync_fetch_and_add(n, 1);
    if (++e->fired < {FIRINGS})
        bpf_timer_start(&e->t, {PERIOD}, 0);
    return 0;
}}

{_arm_program(PERIOD)}char LICENSE[] SEC("license") = "GPL";
"""

ARM_CANCEL = rf"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct elem {{ struct bpf_timer t; }};
struct {{ __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, {TIMERS}); __type(key, int); __type(value, struct elem); }}
    timers SEC(".maps");

static int tick(void *map, int *key, struct elem *e)
{{
    return 0;
}}

{_arm_program(SECOND)}

SEC("syscall")
int cancel(void *ctx)
{{
    for (int i = 0; i < {TIMERS}; i++) {{
        int key = i;
        struct elem *e = bpf_map_lookup_elem(&timers, &key);
        if (!e || bpf_timer_cancel(&e->t) != 1)
            return 1;
    }}
    return 0;
}}
char LICENSE[] SEC("license") = "GPL";
"""

LATENCY = r"""
#include <bpf/bpf_helpers.h>
struct elem { __u64 count; struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 64); __type(key, int); __type(value, struct elem); }
    ticks SEC(".maps");

static int tick(void *map, int *key, struct elem *e)
{
    e->count++;
    return 0;
}

struct arm_args { int key; int pad; __u64 delay; };
SEC("syscall")
int arm(struct arm_args *a)
{
    int key = a->key;
    struct elem zero = {}, *e;
    bpf_map_update_elem(&ticks, &key, &zero, BPF_ANY);
    e = bpf_map_lookup_elem(&ticks, &key);
    if (!e)
        return 1;
    bpf_timer_init(&e->t, &ticks, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&e->t, tick);
    return bpf_timer_start(&e->t, a->delay, 0);
}
char LICENSE[] SEC("license") = "GPL";
"""


def best_of(measure: Callable[[], float], times: int = 5) -> float:
    """The smallest of several measurements: on a shared machine, the others include time
    spent waiting for a CPU."""
    return min(measure() for _ in range(times))


#: the arming run's share of each engine's best workload time, in seconds
ARMING: dict[str, float] = {}


def pybpf_workload(obj_path: Path, engine: str, times: int = 5) -> float:
    """CPU seconds from arming to the last callback, on the virtual clock: all of it runs on
    this thread, and on a shared machine its wall time would count the waits for a CPU. The
    arming run's share of the best run goes into :data:`ARMING`."""

    def once() -> tuple[float, float]:
        with pybpf.Runtime(clock="virtual", engine=engine) as rt:
            obj = rt.load(obj_path)
            arm = obj.programs["arm"]
            start = time.thread_time()
            assert arm.test_run().retval == 0
            armed = time.thread_time()
            rt.run_until_idle(SECOND)
            seconds = time.thread_time() - start
            fired = obj.maps["total"][0]
        assert fired == CALLBACKS, fired
        return seconds, armed - start

    seconds, ARMING[engine] = min(once() for _ in range(times))
    return seconds


def kernel_workload(obj_path: Path, times: int = 5) -> float | None:
    """Seconds from arming to the last callback on the kernel's hrtimers, or None without bpf()."""
    if _libbpf is None or not _libbpf.available():
        return None
    zero = bytes(4)

    def once() -> float:
        with _libbpf.KernelObject(obj_path) as kobj:
            total = kobj.maps["total"]
            start = time.perf_counter()
            assert kobj.programs["arm"].test_run().retval == 0
            while int.from_bytes(total.lookup(zero), "little") < CALLBACKS:  # type: ignore[arg-type]
                if time.perf_counter() - start > 10:
                    raise TimeoutError("the kernel's callbacks did not all run within 10 s")
            return time.perf_counter() - start

    return best_of(once, times)


def workload_table(source: Path, times: int = 5) -> dict[str, float]:
    """Prints the workload's figures (the best of ``times`` runs each) for the C ``source``
    and returns them."""
    obj_path = compile_c(source)
    columns = {engine: pybpf_workload(obj_path, engine, times) for engine in ("interpreter", "jit")}
    kernel = kernel_workload(obj_path, times)
    if kernel is not None:
        columns["kernel"] = kernel
    reference = "kernel" if kernel is not None else "jit"
    print(f"timers: {TIMERS} timers x {FIRINGS} firings ({CALLBACKS:,} callbacks), time to the last callback")
    print(f"{'':<10}" + "".join(f"{name:>14}" for name in columns) + f"   ratios to {reference}")
    cells = "".join(f"{seconds * 1e3:>11.3f} ms" for seconds in columns.values())
    ratios = "  ".join(f"{name} {seconds / columns[reference]:.2f}x" for name, seconds in columns.items())
    print(f"{'workload':<10}{cells}   {ratios}")
    per_callback = "  ".join(f"{name} {seconds / CALLBACKS * 1e6:.2f}" for name, seconds in columns.items())
    print(f"{'':<10}per callback (us): {per_callback}")
    arming = "  ".join(f"{name} {seconds * 1e3:.3f} ms" for name, seconds in ARMING.items())
    print(f"{'':<10}of which the arming run: {arming}")
    if kernel is not None:
        print(f"{'':<10}issue 10's target: at most {TARGET}x the kernel ({kernel * TARGET / CALLBACKS * 1e6:.2f} us per callback)")
    return columns


def _cpu_ns(run: Callable[[], object]) -> int:
    start = time.thread_time_ns()
    run()
    return time.thread_time_ns() - start


def pybpf_arming(obj_path: Path, engine: str, times: int = 15) -> dict[str, float]:
    """Nanoseconds per timer (CPU time, the best of ``times``): the arming run, the listing
    after it, the cancelling run, the listing after it."""
    best: dict[str, float] = {}
    with pybpf.Runtime(clock="virtual", engine=engine) as rt:
        obj = rt.load(obj_path)
        arm, cancel, timers = obj.programs["arm"], obj.programs["cancel"], obj.maps["timers"]
        for _ in range(times):
            steps = (
                ("arm", lambda: arm.test_run().retval == 0), ("arm listed", rt.timers),
                ("cancel", lambda: cancel.test_run().retval == 0), ("cancel listed", rt.timers),
            )
            for name, step in steps:
                best[name] = min(best.get(name, float("inf")), _cpu_ns(step) / TIMERS)
            assert all(t.state == "idle" for t in rt.timers())
            for key in range(TIMERS):  # an array update frees the element's timer
                timers[key] = {}
    return best


def kernel_arming(obj_path: Path, times: int = 15) -> dict[str, float] | None:
    """Nanoseconds per timer (wall time of BPF_PROG_RUN, the best of ``times``) of the two
    runs on the kernel, or None without bpf(). Closing the object frees its timers."""
    if _libbpf is None or not _libbpf.available():
        return None
    best: dict[str, float] = {}
    for _ in range(times):
        with _libbpf.KernelObject(obj_path) as kobj:
            for name in ("arm", "cancel"):
                program = kobj.programs[name]
                start = time.perf_counter_ns()
                assert program.test_run().retval == 0
                best[name] = min(best.get(name, float("inf")), (time.perf_counter_ns() - start) / TIMERS)
    return best


def arming_table(source: Path, times: int = 15) -> dict[str, dict[str, float]]:
    """Prints the arming figures for the C ``source`` and returns them (ns per timer)."""
    obj_path = compile_c(source)
    columns = {engine: pybpf_arming(obj_path, engine, times) for engine in ("interpreter", "jit")}
    kernel = kernel_arming(obj_path, times)
    if kernel is not None:
        columns["kernel"] = kernel
    print(f"arming: {TIMERS} timers per run, microseconds per timer (init + set_callback + start; cancel)")
    print(f"{'':<16}" + "".join(f"{name:>14}" for name in columns) + "   ratios to the kernel")
    for step in ("arm", "cancel"):
        cells = "".join(f"{figures[step] / 1e3:>14.2f}" for figures in columns.values())
        ratios = "  ".join(f"{name} {figures[step] / kernel[step]:.2f}x" for name, figures in columns.items()) if kernel else ""
        print(f"{step + ' run':<16}{cells}   {ratios}")
        applied = "".join(f"{figures.get(step + ' listed', 0) / 1e3:>14.2f}" for name, figures in columns.items() if name != "kernel")
        print(f"{'  rt.timers()':<16}{applied}   (the listing that follows: for the JIT, applying the desk's journal)")
    return columns


def arm_args(key: int, delay: int) -> bytes:
    return key.to_bytes(4, "little") + bytes(4) + delay.to_bytes(8, "little")


def _percentiles(late: list[int]) -> tuple[int, int]:
    late = sorted(late)
    return late[len(late) // 2], late[int(len(late) * 0.99)]


def _host_wake_latency(delays: list[int]) -> list[int]:
    """How late a host thread wakes from a timed wait of each delay, in nanoseconds."""
    never = threading.Event()
    late = []
    for delay in delays:
        due = time.monotonic_ns() + delay
        never.wait(delay / 1e9)
        late.append(max(0, time.monotonic_ns() - due))
    return late


def real_latency(path: Path, timers: int = 400) -> float:
    """Prints firing latencies and returns the p50 ratio to the host's own wake-up latency."""
    delays = [(i % 20 + 1) * MILLISECOND for i in range(timers)]
    with pybpf.Runtime(clock="real") as rt:
        obj = rt.load(path)
        arm = obj.programs["arm"]
        for i, delay in enumerate(delays):
            key = i % 64
            assert arm.test_run(ctx=arm_args(key, delay), cpu=i % 2).retval == 0
            if key == 63:
                rt.run_until_idle(SECOND)
        rt.run_until_idle(SECOND)
        late = list(rt.clock.latencies_ns)  # type: ignore[attr-defined]
    reference = _host_wake_latency(delays[: max(1, timers // 8)])
    (p50, p99), (ref50, ref99) = _percentiles(late), _percentiles(reference)
    ratio = p50 / max(1, ref50)
    print(
        f"real clock: firing latency p50 {p50 / 1e3:.0f} us, p99 {p99 / 1e3:.0f} us"
        f"   ({len(late)} timers, mean {statistics.mean(late) / 1e3:.0f} us)"
        f"   x{ratio:.1f} (p50) the host's wake-up latency (p50 {ref50 / 1e3:.0f} us, p99 {ref99 / 1e3:.0f} us)"
    )
    return ratio


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workload, latency = Path(tmp) / "timer_workload.bpf.c", Path(tmp) / "timer_latency.bpf.c"
        arming = Path(tmp) / "timer_arming.bpf.c"
        workload.write_text(WORKLOAD)
        latency.write_text(LATENCY)
        arming.write_text(ARM_CANCEL)
        workload_table(workload)
        arming_table(arming)
        real_latency(latency)


if __name__ == "__main__":
    main()
