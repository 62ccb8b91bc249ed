"""Kernel objects programs reach through kfuncs and BTF-typed pointers, at run time: a tp_btf
program walks the hrtimer pybpf's timers fire it with, bpf_obj_new objects live in regions of
their own until dropped, and the cgroups pybpf models answer bpf_cgroup_from_id."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf
from pybpf.runtime import _host

SOURCE = Path(__file__).parent / "testdata" / "kernel_objects.bpf.c"
CLOCK_MONOTONIC, CLOCK_BOOTTIME = 1, 7


@pytest.fixture
def obj(rt: pybpf.Runtime, build_c: Callable[[Path], Path]) -> pybpf.Object:
    return rt.load(build_c(SOURCE))


@pytest.mark.parametrize("clock", [CLOCK_MONOTONIC, CLOCK_BOOTTIME], ids=["monotonic", "boottime"])
def test_a_tp_btf_program_follows_the_hrtimer_to_its_clock_base(obj: pybpf.Object, clock: int) -> None:
    obj.programs["on_start"].attach()
    obj.globals["timer_clock"] = clock
    assert obj.programs["arm"].test_run(ctx=b"").retval == 0
    assert obj.globals["clockid"] == clock


def test_objects_are_zeroed_and_freed_when_dropped(rt: pybpf.Runtime, obj: pybpf.Object) -> None:
    host: _host.Host = rt._host  # type: ignore[attr-defined]
    regions = len(rt.space._snapshot[1])  # type: ignore[attr-defined]
    assert obj.programs["objects"].test_run(ctx=struct.pack("<i", 100)).retval == sum(range(100))
    assert host._object_bytes == 0 and not host._objects
    assert len(rt.space._snapshot[1]) == regions  # type: ignore[attr-defined]


def test_an_allocation_past_the_budget_is_null(obj: pybpf.Object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_host, "LOCAL_OBJECT_BUDGET", 16)  # less than one 24-byte blob
    assert obj.programs["objects"].test_run(ctx=struct.pack("<i", 1)).retval == 9


def test_the_root_cgroup_is_its_own_ancestor(obj: pybpf.Object) -> None:
    obj.globals["cgid"] = 1
    assert obj.programs["cgroup"].test_run(ctx=b"").retval == 0
    assert (obj.globals["level"], obj.globals["ancestor_id"], obj.globals["ancestor_level"]) == (0, 1, 0)
    assert obj.globals["above"] == 0


def test_the_current_task_cgroup_sits_below_the_root(build_c: Callable[[Path], Path]) -> None:
    with pybpf.Runtime(clock="virtual", task=pybpf.Task(pid=42, comm="worker", cgroup_id=77)) as rt:
        obj = rt.load(build_c(SOURCE))
        obj.globals["cgid"] = 77
        assert obj.programs["cgroup"].test_run(ctx=b"").retval == 0
        assert (obj.globals["level"], obj.globals["ancestor_id"], obj.globals["above"]) == (1, 1, 0)
        obj.globals["cgid"] = 78  # no such cgroup
        assert obj.programs["cgroup"].test_run(ctx=b"").retval == 1
