"""The timer desk: bpf_timer_init, set_callback, start and cancel called from compiled code
return, trace and leave behind exactly what the Python path does (the interpreter's runs are
the reference), on every release, including every error the helpers return, whatever runs
next: a listing, the clock, a helper in Python, a map update, a later run."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf import MILLISECOND, SECOND
from pybpf.timers._desk import desk

SOURCE = Path(__file__).parent / "testdata" / "timer_desk.bpf.c"

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
    path = c_file(SOURCE.read_text(), "timer_desk.bpf.c")
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


def test_another_thread_reading_the_table_sees_whole_runs(c_file) -> None:  # type: ignore[no-untyped-def]
    """Another thread listing timers while compiled runs arm them neither stops the desk
    (a bound run holds the table's lock: the reader waits for it) nor changes what is left."""
    path = c_file(SOURCE.read_text(), "timer_desk.bpf.c")
    with pybpf.Runtime(clock="virtual", engine="jit") as rt:
        obj = rt.load(path)
        sequence = obj.programs["sequence"]
        assert sequence.test_run().retval == 0
        expected = _seen(rt, obj)[1:]
        stop, counts = threading.Event(), set()

        def read() -> None:
            while not stop.is_set():
                counts.add(len(rt.timers()))

        reader = threading.Thread(target=read)
        reader.start()
        served = desk().served
        try:
            for _ in range(20):
                for key in range(4):
                    obj.maps["arr"][key] = {"count": key}
                del obj.maps["hash"][7]
                assert sequence.test_run().retval == 0
        finally:
            stop.set()
            reader.join()
        assert counts  # the reader ran
        assert desk().served > served
        seen = _seen(rt, obj)[1:]
        assert [(t.map, t.key, t.state, t.callback) for t in seen[0]] == [
            (t.map, t.key, t.state, t.callback) for t in expected[0]
        ]


LOCKED = r"""
struct elem { struct bpf_spin_lock lock; struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, struct elem); }
    arr SEC(".maps");

static int cb(void *map, int *key, struct elem *e)
{
    return 0;
}

SEC("syscall")
int arm(void *ctx)
{
    int key = 0;
    struct elem *e = bpf_map_lookup_elem(&arr, &key);
    if (!e || bpf_timer_init(&e->t, &arr, 1) || bpf_timer_set_callback(&e->t, cb))
        return 1;
    bpf_timer_start(&e->t, 100, 0);
    bpf_spin_lock(&e->lock);
    bpf_timer_cancel(&e->t);  /* refused by the verifier; faults at run time */
    bpf_spin_unlock(&e->lock);
    return 0;
}
char LICENSE[] SEC("license") = "GPL";
"""


def test_a_timer_call_holding_a_spin_lock_faults_on_both_engines(c_file) -> None:  # type: ignore[no-untyped-def]
    path = c_file(LOCKED)
    errors = []
    for engine in ("interpreter", "jit"):
        with pybpf.Runtime(clock="virtual", engine=engine) as rt:
            program = rt.load(path, verify=False).programs["arm"]
            with pytest.raises(pybpf.BpfRuntimeError) as err:
                program.test_run()
            errors.append(str(err.value))
    assert errors[0] == errors[1] and "while holding a lock" in errors[0]
