"""Timer throughput and latency.

- Virtual clock: callbacks processed per second, for a periodic BPF timer re-arming itself
  (each callback is a real program run: map lookup, counter, bpf_timer_start). The reference
  measured in the same run is as many plain ``test_run`` calls of a syscall program doing the
  same work, one call each (the kernel, like pybpf, refuses ``repeat`` for syscall programs),
  so the ratio is the cost of the timer machinery against that of a program run from Python.
- Real clock: how late callbacks fire after their expiry (p50/p99), for one-shot timers armed
  at staggered delays on both CPUs. The reference measured in the same run is how late a host
  thread wakes from a timed wait of the same delays, the floor any user-space timer stands on.

Run with ``make bench`` or ``python benchmarks/bench_timers.py``.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

import pybpf
from pybpf import MILLISECOND, SECOND

SOURCE = r"""
#include <bpf/bpf_helpers.h>
struct elem { __u64 count; struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 64); __type(key, int); __type(value, struct elem); }
    ticks SEC(".maps");
__u64 period = 1000, one_shot = 0;

static int tick(void *map, int *key, struct elem *e)
{
    e->count++;
    if (!one_shot)
        bpf_timer_start(&e->t, period, 0);
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

SEC("syscall")
int same_work(void *ctx)
{
    int key = 0;
    struct elem *e = bpf_map_lookup_elem(&ticks, &key);
    if (e)
        e->count++;
    return 0;
}
char LICENSE[] SEC("license") = "GPL";
"""


def arm_args(key: int, delay: int) -> bytes:
    return key.to_bytes(4, "little") + bytes(4) + delay.to_bytes(8, "little")


def virtual_throughput(path: Path, callbacks: int = 50_000) -> float:
    """Prints callbacks per second and returns the ratio to the plain test_run reference."""
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(path)
        assert obj.programs["arm"].test_run(ctx=arm_args(0, 1000)).retval == 0
        start = time.perf_counter()
        rt.advance(callbacks * 1000)
        seconds = time.perf_counter() - start
        fired = obj.maps["ticks"][0]["count"]
        assert fired == callbacks, fired
        run = obj.programs["same_work"].test_run
        ref_start = time.perf_counter()
        for _ in range(callbacks):
            run()
        ref_seconds = time.perf_counter() - ref_start
    ratio = seconds / ref_seconds
    print(
        f"virtual clock: {fired / seconds:,.0f} timer callbacks/s"
        f"   x{ratio:.2f} the time of {callbacks:,} plain test_runs ({callbacks / ref_seconds:,.0f}/s)"
    )
    return ratio


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
        obj.globals["one_shot"] = 1
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
        f"real clock:    firing latency p50 {p50 / 1e3:.0f} us, p99 {p99 / 1e3:.0f} us"
        f"   ({len(late)} timers, mean {statistics.mean(late) / 1e3:.0f} us)"
        f"   x{ratio:.1f} (p50) the host's wake-up latency (p50 {ref50 / 1e3:.0f} us, p99 {ref99 / 1e3:.0f} us)"
    )
    return ratio


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ticks.bpf.c"
        path.write_text(SOURCE)
        virtual_throughput(path)
        real_latency(path)


if __name__ == "__main__":
    main()
