"""The timer desk: bpf_timer_init, set_callback, start and cancel called from compiled code
return, trace and leave behind exactly what the Python path does (the interpreter's runs are
the reference), on every release, including every error the helpers return, whatever runs
next: a listing, the clock, a helper in Python, a map update, a later run."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf import MILLISECOND, SECOND
from pybpf.timers._desk import desk

SOURCE = r"""
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
struct elem { __u64 count; __s64 rc; struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 8); __type(key, int); __type(value, struct elem); }
    arr SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, int); __type(value, struct elem); }
    hash SEC(".maps");
__s64 rc[40];

/* key 0 cancels itself (-EDEADLK), key 1 re-arms twice, key 2 cancels key 3's timer */
static int cb(void *map, int *key, struct elem *e)
{
    int three = 3;
    struct elem *other;
    e->count++;
    if (*key == 0)
        e->rc = bpf_timer_cancel(&e->t);
    if (*key == 1 && e->count < 3)
        e->rc = bpf_timer_start(&e->t, 200, 0);
    if (*key == 2) {
        other = bpf_map_lookup_elem(map, &three);
        if (other)
            e->rc = bpf_timer_cancel(&other->t);
    }
    return 0;
}

static struct elem *at(void *map, int key)
{
    return bpf_map_lookup_elem(map, &key);
}

SEC("syscall")
int sequence(void *ctx)
{
    struct elem zero = {}, *e0 = at(&arr, 0), *e1 = at(&arr, 1), *e2 = at(&arr, 2), *e3 = at(&arr, 3), *h;
    int key = 7, i = 0;
    if (!e0 || !e1 || !e2 || !e3)
        return 1;
    rc[i++] = bpf_timer_start(&e0->t, 100, 0);                      /* -EINVAL: not initialised */
    rc[i++] = bpf_timer_set_callback(&e0->t, cb);                   /* -EINVAL */
    rc[i++] = bpf_timer_cancel(&e0->t);                             /* -EINVAL */
    rc[i++] = bpf_timer_init(&e0->t, &arr, 3);                      /* -EINVAL: clock */
    rc[i++] = bpf_timer_init(&e0->t, &arr, 16);                     /* -EINVAL: flags */
    rc[i++] = bpf_timer_init(&e0->t, &arr, CLOCK_MONOTONIC);
    rc[i++] = bpf_timer_init(&e0->t, &arr, CLOCK_BOOTTIME);         /* -EBUSY */
    rc[i++] = bpf_timer_start(&e0->t, 100, 0);                      /* -EINVAL: no callback */
    rc[i++] = bpf_timer_set_callback(&e0->t, cb);
    rc[i++] = bpf_timer_start(&e0->t, 100, 4);                      /* -EINVAL: flags */
    rc[i++] = bpf_timer_start(&e0->t, 100, 2);                      /* CPU_PIN: 0 from 6.7 */
    rc[i++] = bpf_timer_start(&e0->t, 5000, 0);                     /* re-arm */
    rc[i++] = bpf_timer_cancel(&e0->t);                             /* 1 */
    rc[i++] = bpf_timer_cancel(&e0->t);                             /* 0 */
    rc[i++] = bpf_timer_start(&e0->t, 100, 0);                      /* -EINVAL after cancel */
    rc[i++] = bpf_timer_set_callback(&e0->t, cb);
    rc[i++] = bpf_timer_start(&e0->t, 400, 0);
    rc[i++] = bpf_timer_init(&e1->t, &arr, CLOCK_BOOTTIME);
    rc[i++] = bpf_timer_set_callback(&e1->t, cb);
    rc[i++] = bpf_timer_start(&e1->t, bpf_ktime_get_boot_ns() + 300, 1); /* ABS: from 6.4 */
    rc[i++] = bpf_timer_start(&e1->t, 300, 0);
    rc[i++] = bpf_timer_init(&e2->t, &arr, CLOCK_REALTIME);
    rc[i++] = bpf_timer_set_callback(&e2->t, cb);
    rc[i++] = bpf_timer_start(&e2->t, 100, 0);
    rc[i++] = bpf_timer_init(&e3->t, &arr, CLOCK_MONOTONIC);
    rc[i++] = bpf_timer_set_callback(&e3->t, cb);
    rc[i++] = bpf_timer_start(&e3->t, 150, 0);
    rc[i++] = bpf_timer_start(&e3->t, -1, 0);                       /* saturates: never fires */
    rc[i++] = bpf_timer_start(&e3->t, 150, 0);
    bpf_map_update_elem(&hash, &key, &zero, BPF_ANY);
    h = bpf_map_lookup_elem(&hash, &key);
    if (!h)
        return 2;
    rc[i++] = bpf_timer_init(&h->t, &hash, CLOCK_MONOTONIC);
    rc[i++] = bpf_timer_set_callback(&h->t, cb);
    rc[i++] = bpf_timer_start(&h->t, 250, 0);
    return 0;
}
char LICENSE[] SEC("license") = "GPL";
"""

RELEASES = ["5.15", "6.4", "6.7", "6.18", "7.0"]


def _seen(rt: pybpf.Runtime, obj: Any) -> Any:
    """What a user sees now: the return codes, the timers, the trace (without host run times),
    the elements."""
    events = [dataclasses.replace(e, duration_ns=None) for e in rt.timer_events()]
    return list(obj.globals["rc"]), rt.timers(), events, sorted(obj.maps["arr"].items()), sorted(obj.maps["hash"].items())


def _scenario(path: Path, engine: str, kernel: str) -> list[Any]:
    seen = []
    with pybpf.Runtime(clock="virtual", engine=engine, kernel=kernel) as rt:
        obj = rt.load(path)
        sequence = obj.programs["sequence"]
        for _ in range(3):  # fresh elements each time: an array update frees their timers
            assert sequence.test_run().retval == 0
            seen.append(_seen(rt, obj))
            rt.advance(MILLISECOND)
            seen.append(_seen(rt, obj))
            for key in range(4):
                obj.maps["arr"][key] = {"count": key}
            del obj.maps["hash"][7]
        assert sequence.test_run().retval == 0  # then nothing observes the table but the clock
        rt.run_until_idle(SECOND)
        seen.append(_seen(rt, obj))
    return seen


@pytest.mark.parametrize("kernel", RELEASES)
def test_compiled_timer_calls_match_the_interpreters(c_file, kernel: str) -> None:  # type: ignore[no-untyped-def]
    path = c_file(SOURCE)
    interpreted = _scenario(path, "interpreter", kernel)
    served = desk().served
    compiled = _scenario(path, "jit", kernel)
    assert compiled == interpreted
    assert desk().served > served  # the desk served calls: the native path ran
    rcs = interpreted[0][0]
    assert rcs[:10] == [-22, -22, -22, -22, -22, 0, -16, -22, 0, -22]
    release = tuple(int(part) for part in kernel.split("."))
    assert rcs[10] == (0 if release >= (6, 7) else -22) and rcs[19] == (0 if release >= (6, 4) else -22)
    assert rcs[12:15] == [1, 0, -22]


MEMORY = r"""
struct elem { struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 64); __type(key, int); __type(value, struct elem); }
    arr SEC(".maps");
__s64 rc[64];

static int cb(void *map, int *key, struct elem *e)
{
    return 0;
}

SEC("syscall")
int arm(void *ctx)
{
    for (int i = 0; i < 64; i++) {
        int key = i;
        struct elem *e = bpf_map_lookup_elem(&arr, &key);
        if (!e)
            return 1;
        rc[i] = bpf_timer_init(&e->t, &arr, 1);
        if (!rc[i])
            rc[i] = bpf_timer_set_callback(&e->t, cb) ?: bpf_timer_start(&e->t, 1000, 0);
    }
    return 0;
}
char LICENSE[] SEC("license") = "GPL";
"""


def _memory_run(path: Path, engine: str) -> Any:
    """Timers until the memory limit: init fails with -ENOMEM where the Python path says."""
    with pybpf.Runtime(clock="virtual", engine=engine) as rt:
        obj = rt.load(path)
        limit = rt._charged + 20 * pybpf.timers.TIMER_CHARGE + 50
    with pybpf.Runtime(clock="virtual", engine=engine, memory_limit=limit) as rt:
        obj = rt.load(path)
        assert obj.programs["arm"].test_run().retval == 0
        used = rt._charged  # what the runtime charged: the advance charge given back
        rt.advance(MILLISECOND)
        return list(obj.globals["rc"]), used, len(rt.timers()), [e.event for e in rt.timer_events()]


def test_init_runs_out_of_memory_where_the_python_path_does(c_file) -> None:  # type: ignore[no-untyped-def]
    path = c_file(MEMORY)
    interpreted = _memory_run(path, "interpreter")
    assert _memory_run(path, "jit") == interpreted
    assert interpreted[0].count(0) == 20 and interpreted[0][20:] == [-12] * 44


def test_init_on_a_map_without_user_references_is_eperm(c_file) -> None:  # type: ignore[no-untyped-def]
    path = c_file(MEMORY)
    for engine in ("interpreter", "jit"):
        with pybpf.Runtime(clock="virtual", engine=engine) as rt:
            obj = rt.load(path)
            program = obj.programs["arm"]
            assert program.test_run().retval == 0
            obj.maps["arr"].close()  # the last user reference: its timers go
            assert rt.timers() == []
            assert program.test_run().retval == 0
            assert list(obj.globals["rc"]) == [-1] * 64
