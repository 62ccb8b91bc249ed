"""What walking a map and holding many timers cost.

- Walks: ``bpf_for_each_map_elem`` over a hash map whose callback deletes every element it is
  given, and the same walk from Python (``get_next_key``, then delete). Both must cost linear
  time: the figure to watch is the time per element, which must not grow with the map.
- Timers: the real memory (resident set growth) of an array map whose every element holds an
  initialised timer armed on the virtual clock, per timer, against the 96 bytes
  ``Runtime(memory_limit=...)`` charges for each (the kernel's own object); then how long
  closing the map takes, which frees every timer.

Run with ``make bench`` or ``python benchmarks/bench_maps.py [elements] [timers]``.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import pybpf
from pybpf.timers import TIMER_CHARGE

WALK_SOURCE = r"""
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, ELEMENTS); __type(key, __u32); __type(value, __u64); }
    flows SEC(".maps");
__u64 visits;

static int drop(void *map, __u32 *key, __u64 *value, void *ctx)
{
    visits++;
    bpf_map_delete_elem(map, key);
    return 0;
}

SEC("syscall")
int sweep(void *ctx)
{
    return bpf_for_each_map_elem(&flows, drop, 0, 0);
}
char LICENSE[] SEC("license") = "GPL";
"""

TIMERS_SOURCE = r"""
#include <bpf/bpf_helpers.h>
struct elem { struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, TIMERS); __type(key, int); __type(value, struct elem); }
    many SEC(".maps");
struct range { __u32 first; __u32 count; };

static int tick(void *map, int *key, struct elem *e)
{
    return 0;
}

static long arm_one(__u32 i, struct range *r)
{
    int key = r->first + i;
    struct elem *e = bpf_map_lookup_elem(&many, &key);

    if (!e)
        return 1;
    bpf_timer_init(&e->t, &many, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&e->t, tick);
    bpf_timer_start(&e->t, 1000000000ULL + key, 0);
    return 0;
}

SEC("syscall")
int arm(struct range *r)
{
    struct range copy = *r;

    return bpf_loop(copy.count, arm_one, &copy, 0);
}
char LICENSE[] SEC("license") = "GPL";
"""


def _fill(table: pybpf.Map, elements: int) -> None:
    for k in range(elements):
        table[k] = k


def walks(tmp: Path, elements: int = 40_000) -> tuple[float, float]:
    """Prints and returns the microseconds per element of both walks."""
    path = tmp / "walk.bpf.c"
    path.write_text(WALK_SOURCE.replace("ELEMENTS", str(elements)))
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(path)
        flows = obj.maps["flows"]
        _fill(flows, elements)
        start = time.perf_counter()
        assert obj.programs["sweep"].test_run().retval == elements
        in_program = (time.perf_counter() - start) / elements * 1e6
        assert len(flows) == 0 and obj.globals["visits"] == elements

        _fill(flows, elements)
        inner = flows.internal
        start = time.perf_counter()
        key = inner.get_next_key(None)
        while key is not None:
            following = inner.get_next_key(key)
            inner.delete_elem(key)
            key = following
        from_python = (time.perf_counter() - start) / elements * 1e6
        assert len(flows) == 0
    print(
        f"walks:  bpf_for_each_map_elem deleting each of {elements:,} hash elements: {in_program:.1f} us/element;"
        f" get_next_key + delete from Python: {from_python:.1f} us/element"
    )
    return in_program, from_python


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def timers(tmp: Path, count: int = 1_000_000) -> tuple[float, float]:
    """Prints and returns the resident bytes per armed timer and the seconds closing takes."""
    path = tmp / "timers.bpf.c"
    path.write_text(TIMERS_SOURCE.replace("TIMERS", str(count)))
    rt = pybpf.Runtime(clock="virtual", max_instructions=1 << 40)
    try:
        obj = rt.load(path)
        gc.collect()
        before = _rss()
        step = 100_000
        for first in range(0, count, step):
            size = min(step, count - first)
            obj.programs["arm"].test_run(ctx=first.to_bytes(4, "little") + size.to_bytes(4, "little"))
        gc.collect()
        per_timer = (_rss() - before) / count
        armed = rt.clock.armed  # type: ignore[attr-defined]
        assert len(rt.timers()) == count and armed == count, armed
        start = time.perf_counter()
        obj.close()
        closing = time.perf_counter() - start
        assert not rt.timers()
    finally:
        rt.close()
    print(
        f"timers: {count:,} armed timers: {per_timer:,.0f} resident bytes each"
        f" (memory_limit charges {TIMER_CHARGE}); closing their map: {closing:.2f} s"
        f" ({closing / count * 1e6:.1f} us per timer)"
    )
    return per_timer, closing


def main() -> None:
    elements = int(sys.argv[1]) if len(sys.argv) > 1 else 40_000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        walks(Path(tmp), elements)
        timers(Path(tmp), count)


if __name__ == "__main__":
    main()
