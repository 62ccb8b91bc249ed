"""One object on every engine: the same results, maps, timer callbacks and faults, whether
programs are interpreted, compiled at load, or switched to compiled code while they run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf import SECOND
from pybpf.engine import _tiered

pytest.importorskip("llvmlite")

SOURCE = r"""
struct elem { long sum; struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 64); __type(key, int); __type(value, long); }
    squares SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, struct elem); }
    timers SEC(".maps");
long fired, total;

static long square(__u32 i, void *ctx)
{
    long v = (long)i * i;
    bpf_map_update_elem(&squares, &i, &v, BPF_ANY);
    *(long *)ctx += v;
    return 0;
}

static int tick(void *map, int *key, struct elem *e)
{
    fired++;
    e->sum += total;
    return 0;
}

SEC("xdp")
int finish(void *ctx) { return 7; }

struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 1); __type(key, int);
    __array(values, int (void *)); } next SEC(".maps") = { .values = { [0] = (void *)&finish } };

SEC("xdp")
int work(void *ctx)
{
    long acc = 0;
    int zero = 0;
    struct elem *e;

    bpf_loop(50, square, &acc, 0);
    total = acc;
    e = bpf_map_lookup_elem(&timers, &zero);
    if (e) {
        bpf_timer_init(&e->t, &timers, 1);
        bpf_timer_set_callback(&e->t, tick);
        bpf_timer_start(&e->t, 1000, 0);
    }
    bpf_tail_call(ctx, &next, 0);
    return 1;
}

SEC("xdp")
int wild(void *ctx)
{
    long *p = (long *)(total * 4096);  /* the verifier would refuse this: containment does not */
    return *p;
}

char LICENSE[] SEC("license") = "GPL";
"""

FRAME = bytes(64)


def _scenario(engine: str, path: Path) -> tuple[Any, ...]:
    with pybpf.Runtime(clock="virtual", engine=engine) as rt:
        obj = rt.load(path, verify=False)  # "wild" faults on purpose: containment, not the verifier
        retvals = [obj.programs["work"].test_run(data=FRAME).retval for _ in range(3)]
        rt.advance(SECOND)
        with pytest.raises(pybpf.OutOfBoundsError) as info:
            obj.programs["wild"].test_run(data=FRAME)
        fault = (info.value.operation, info.value.size, info.value.address)
        if engine == "auto":  # bpf_loop's 50 callbacks a run: hot enough after the first runs
            assert obj.programs["work"].engine.compiled is not None
        return retvals, dict(obj.maps["squares"]), obj.globals["fired"], obj.globals["total"], fault


@pytest.mark.parametrize("engine", ["jit", "auto"])
def test_an_object_behaves_the_same_on_every_engine(
    engine: str, c_file, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("PYBPF_JIT_CACHE", str(tmp_path))  # auto starts cold: interpreted first
    monkeypatch.delenv("PYBPF_ENGINE", raising=False)
    monkeypatch.setattr(_tiered, "COMPILE_AFTER", 500)  # ... and compiles during the scenario
    path = c_file(SOURCE)
    reference = _scenario("interpreter", path)
    assert reference[0] == [7, 7, 7] and reference[2] == 1 and reference[3] == sum(i * i for i in range(50))
    assert _scenario(engine, path) == reference
