"""100,000 armed timers in one hash map, re-armed and cancelled from several threads on the real
clock: every callback that should run runs exactly once, none other does, nothing leaks."""

from __future__ import annotations

import random
import struct
import threading

import pytest

import pybpf
from pybpf import MILLISECOND, SECOND

SOURCE = r"""
struct elem { __u64 fired; struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 100000); __type(key, int); __type(value, struct elem); }
    timers SEC(".maps");

static int cb(void *map, int *key, struct elem *e)
{
    __sync_fetch_and_add(&e->fired, 1);
    return 0;
}

struct args { int key; int op; __u64 delay; };

SEC("syscall")
int op(struct args *a)
{
    int key = a->key;
    struct elem zero = {}, *e = bpf_map_lookup_elem(&timers, &key);
    if (!e) {
        bpf_map_update_elem(&timers, &key, &zero, BPF_NOEXIST);
        e = bpf_map_lookup_elem(&timers, &key);
        if (!e)
            return -1;
        if (bpf_timer_init(&e->t, &timers, CLOCK_MONOTONIC))
            return -2;
    }
    if (a->op == 1)
        return bpf_timer_cancel(&e->t);
    if (bpf_timer_set_callback(&e->t, cb))
        return -3;
    return bpf_timer_start(&e->t, a->delay, 0);
}
char LICENSE[] SEC("license") = "GPL";
"""

TIMERS = 100_000
THREADS = 4
ARM, CANCEL = 0, 1


@pytest.mark.slow
def test_hundred_thousand_timers_from_four_threads(c_file) -> None:  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock="real", ncpus=2) as rt:
        obj = rt.load(c_file(SOURCE))
        prog = obj.programs["op"]
        expected: dict[int, int] = {}
        left_armed: set[int] = set()
        lock = threading.Lock()
        failures: list[str] = []

        def run(key: int, op: int, delay: int = 0) -> int:
            rc = prog.test_run(ctx=struct.pack("<iiQ", key, op, delay)).retval
            return rc - (1 << 32) if rc >> 31 else rc

        def worker(index: int) -> None:
            rng = random.Random(index)
            keys = list(range(index, TIMERS, THREADS))
            for key in keys:  # phase 1: everything armed far away
                if run(key, ARM, 60 * SECOND) != 0:
                    failures.append(f"arm {key}")
            rng.shuffle(keys)
            fired, kept = {}, set()
            for i, key in enumerate(keys):  # phase 2: re-arm a third soon, cancel a third
                if i % 3 == 0:
                    ok = run(key, ARM, rng.randrange(1, 200) * MILLISECOND) == 0
                    fired[key] = 1
                elif i % 3 == 1:
                    ok = run(key, CANCEL) == 1  # it was armed
                    fired[key] = 0
                else:
                    ok, fired[key] = True, 0  # left armed for a minute: cancelled at the end
                    kept.add(key)
                if not ok:
                    failures.append(f"phase 2 key {key}")
            with lock:
                expected.update(fired)
                left_armed.update(kept)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert len(expected) == TIMERS
        rt.advance(250 * MILLISECOND)
        deadline = rt.clock.now() + 30 * SECOND
        values = obj.maps["timers"]
        should_fire = sum(expected.values())
        while sum(v["fired"] for v in values.values()) < should_fire and rt.clock.now() < deadline:
            rt.advance(50 * MILLISECOND)
        fired = {key: value["fired"] for key, value in values.items()}
        assert fired == expected  # no lost, no doubled callback
        assert sum(t.state == "armed" for t in rt.timers()) == len(left_armed)
        assert all(run(key, CANCEL) == 1 for key in left_armed)
        assert all(t.state == "idle" for t in rt.timers())
        obj.close()
        assert len(rt.timers_table) == 0  # no leaked timer
        assert rt._charged == 0
