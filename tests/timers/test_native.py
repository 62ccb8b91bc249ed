"""The native timer lane: compiled callbacks fired by native code on the virtual clock behave
exactly as the Python path fires them (the interpreter's runs are the reference): the same
callbacks at the same times in the same order, the same trace, the same map contents, the
same clock, the same errors, whatever the callbacks do that hands the lane back to Python."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf import SECOND
from pybpf.engine import _tiered
from pybpf.timers._native import _Batch

SOURCE = r"""
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
struct elem { __u64 count; __u64 at; __s64 rc; struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 64); __type(key, int); __type(value, struct elem); }
    timers SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, __u64); }
    total SEC(".maps");

/* what each timer's callback does, by key */
#define PERIODIC 0   /* re-arm (key % 3) * 500 ns later, 5 times */
#define CANCEL_NEXT 1 /* cancel the next key's timer (a Python helper) */
#define DELETE_SELF 2 /* delete its own element, then try to start: -EINVAL */
#define ABSOLUTE 3   /* re-arm with BPF_F_TIMER_ABS (the Python helper) */
#define TWICE 4      /* start twice: the first arming goes stale */
#define STORM 5      /* re-arm at 0 ns forever */
#define SPIN 6       /* burn the instruction budget */
int mode[64];

static long spin(__u64 i, void *ctx)
{
    return 0;
}

static int cb(void *map, int *key, struct elem *e)
{
    __u32 k = *key; int next = k + 1, zero = 0;
    __u64 *n = bpf_map_lookup_elem(&total, &zero);
    if (n)
        __sync_fetch_and_add(n, 1);
    e->at = bpf_ktime_get_ns();
    e->count++;
    switch (mode[k & 63]) {
    case PERIODIC:
        if (e->count < 5)
            e->rc = bpf_timer_start(&e->t, (k % 3) * 500, 0);
        break;
    case CANCEL_NEXT: {
        struct elem *other = bpf_map_lookup_elem(&timers, &next);
        if (other)
            e->rc = bpf_timer_cancel(&other->t);
        if (e->count < 3)
            bpf_timer_start(&e->t, 700, 0);
        break;
    }
    case DELETE_SELF:
        bpf_map_delete_elem(&timers, key);
        e->rc = bpf_timer_start(&e->t, 100, 0);
        break;
    case ABSOLUTE:
        if (e->count < 3)
            e->rc = bpf_timer_start(&e->t, bpf_ktime_get_boot_ns() + 300, 1);
        break;
    case TWICE:
        if (e->count < 4) {
            bpf_timer_start(&e->t, 5000, 0);
            e->rc = bpf_timer_start(&e->t, 200, 0);
        }
        break;
    case STORM:
        bpf_timer_start(&e->t, 0, 0);
        break;
    case SPIN:
        bpf_loop(1 << 20, spin, 0, 0);
        break;
    }
    return 0;
}

struct args { int key; int clock; __u64 delay; };
SEC("syscall")
int arm(struct args *a)
{
    int key = a->key;
    struct elem zero = {}, *e;
    bpf_map_update_elem(&timers, &key, &zero, BPF_ANY);
    e = bpf_map_lookup_elem(&timers, &key);
    if (!e || bpf_timer_init(&e->t, &timers, a->clock) || bpf_timer_set_callback(&e->t, cb))
        return 1;
    return bpf_timer_start(&e->t, a->delay, 0);
}
char LICENSE[] SEC("license") = "GPL";
"""

PERIODIC, CANCEL_NEXT, DELETE_SELF, ABSOLUTE, TWICE, STORM, SPIN = range(7)


def _args(key: int, delay: int, clock: int = 1) -> bytes:
    return key.to_bytes(4, "little") + clock.to_bytes(4, "little") + delay.to_bytes(8, "little")


def _run(path: Path, engine: str, modes: dict[int, int], delays: dict[int, int], steps: list[int | None]) -> Any:
    """Everything a user sees of a run: the trace (without host run times), the elements, the
    timers, the clock after each step, and the error a step raised."""
    with pybpf.Runtime(clock=pybpf.VirtualClock(max_callbacks=500), engine=engine, max_instructions=100_000) as rt:
        obj = rt.load(path)
        bss = obj.maps[".bss"]
        globals_ = bss[0]
        for key, value in modes.items():
            globals_["mode"][key] = value  # type: ignore[index]
        bss[0] = globals_
        for key, delay in delays.items():
            clock = 7 if key % 2 else 1
            assert obj.programs["arm"].test_run(ctx=_args(key, delay, clock)).retval == 0
        seen: list[Any] = []
        for step in steps:
            try:
                seen.append(rt.run_until_idle(SECOND) if step is None else rt.clock.advance(step))
            except pybpf.BpfRuntimeError as err:
                seen.append(("error", str(err), getattr(err, "timer", None)))
            seen.append(rt.clock.now())
        events = [dataclasses.replace(e, duration_ns=None) for e in rt.timer_events()]
        durations = [e.duration_ns is not None for e in rt.timer_events() if e.event == "fire"]
        elements = sorted(obj.maps["timers"].items())
        return events, durations, elements, obj.maps["total"][0], rt.timers(), seen


SCENARIOS = {
    "periodic": ({}, {k: 1000 for k in range(12)}, [1000, 1400, 2500, None]),
    "equal-deadlines": ({}, {k: 300 * (k % 2) for k in range(20)}, [0, 299, 300, None]),
    "cancel-next": ({k: CANCEL_NEXT for k in range(0, 8, 2)}, {k: 500 for k in range(8)}, [None]),
    "delete-self": ({3: DELETE_SELF, 5: DELETE_SELF}, {k: 100 * k for k in range(8)}, [350, None]),
    "absolute": ({1: ABSOLUTE, 2: ABSOLUTE}, {k: 100 for k in range(4)}, [None]),
    "twice": ({k: TWICE for k in range(6)}, {k: 100 for k in range(6)}, [150, 1000, None]),
    "storm": ({4: STORM}, {k: 50 for k in range(6)}, [10, 100, 100]),
    "spin": ({2: SPIN}, {k: 50 for k in range(6)}, [60, None]),
}


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many callbacks each hand-over to the native lane fired; ``auto`` programs compile
    after their first run."""
    fired: list[int] = []
    run = _Batch.run

    def counted(self: _Batch, *args: Any) -> tuple[int, int, int]:
        result = run(self, *args)
        fired.append(result[0])
        return result

    monkeypatch.setattr(_Batch, "run", counted)
    monkeypatch.setattr(_tiered, "COMPILE_AFTER", 1)
    monkeypatch.setattr(_tiered, "LOAD_CACHED_AFTER", 1)
    monkeypatch.delenv("PYBPF_ENGINE", raising=False)
    return fired


@pytest.mark.parametrize("engine", ["jit", "auto"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_compiled_code_fires_timers_as_the_interpreter_does(  # type: ignore[no-untyped-def]
    c_file, batches: list[int], name: str, engine: str
) -> None:
    """``auto`` programs, once compiled, take the lane as ``jit`` ones do."""
    path = c_file(SOURCE)
    modes, delays, steps = SCENARIOS[name]
    interpreted = _run(path, "interpreter", modes, delays, steps)
    assert not batches
    compiled = _run(path, engine, modes, delays, steps)
    assert compiled == interpreted
    assert any(interpreted[1]) and interpreted[3] > 0  # callbacks ran, and were timed
    assert sum(batches) > 0  # the lane fired some of them


def test_a_callback_fault_in_the_lane_names_the_timer(c_file) -> None:  # type: ignore[no-untyped-def]
    path = c_file(SOURCE)
    *_, seen = _run(path, "jit", {2: SPIN}, {k: 50 for k in range(6)}, [60])
    error = seen[0]
    assert error[0] == "error" and "timers[2]" in error[1] and "instruction" in error[1]
