"""Timer throughput and latency.

- Virtual clock: callbacks processed per second, for a periodic BPF timer re-arming itself
  (each callback is a real program run: map lookup, counter, bpf_timer_start). The reference
  measured in the same run is a plain ``test_run`` of a syscall program doing the same work,
  so the ratio is the cost of the timer machinery around a program run.
- Real clock: how late callbacks fire after their expiry (p50/p99), for one-shot timers armed
  at random delays on both CPUs.

Run with ``make bench`` or ``python benchmarks/bench_timers.py``.
"""

from __future__ import annotations

import statistics
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


def virtual_throughput(path: Path, callbacks: int = 50_000) -> None:
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(path)
        assert obj.programs["arm"].test_run(ctx=arm_args(0, 1000)).retval == 0
        start = time.perf_counter()
        rt.advance(callbacks * 1000)
        seconds = time.perf_counter() - start
        fired = obj.maps["ticks"][0]["count"]
        assert fired == callbacks, fired
        reference = obj.programs["same_work"]
        ref_start = time.perf_counter()
        reference.test_run(repeat=callbacks)
        ref_seconds = time.perf_counter() - ref_start
    print(
        f"virtual clock: {fired / seconds:,.0f} timer callbacks/s"
        f"   x{seconds / ref_seconds:.2f} the time of {callbacks:,} plain test_runs"
    )


def real_latency(path: Path, timers: int = 400) -> None:
    with pybpf.Runtime(clock="real") as rt:
        obj = rt.load(path)
        obj.globals["one_shot"] = 1
        arm = obj.programs["arm"]
        for i in range(timers):
            key = i % 64
            assert arm.test_run(ctx=arm_args(key, (i % 20 + 1) * MILLISECOND), cpu=i % 2).retval == 0
            if key == 63:
                rt.run_until_idle(SECOND)
        rt.run_until_idle(SECOND)
        late = sorted(rt.clock.latencies_ns)  # type: ignore[attr-defined]
    p50, p99 = late[len(late) // 2], late[int(len(late) * 0.99)]
    print(
        f"real clock:    firing latency p50 {p50 / 1e3:.0f} us, p99 {p99 / 1e3:.0f} us"
        f"   ({len(late)} timers, mean {statistics.mean(late) / 1e3:.0f} us)"
    )


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ticks.bpf.c"
        path.write_text(SOURCE)
        virtual_throughput(path)
        real_latency(path)


if __name__ == "__main__":
    main()
