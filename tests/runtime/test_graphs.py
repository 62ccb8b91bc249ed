"""Lists, red-black trees and kptrs of allocated objects at run time, on each engine: objects
come out in the order they went in (or the less() callback gives), an empty list or tree gives
NULL, a map element takes what it owns with it when it is deleted or the map closes, a kptr
keeps its object between runs, and user space reads those fields as zeros."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import pybpf
from pybpf.runtime import _host

SOURCE = Path(__file__).parents[1] / "kernel" / "testdata" / "graphs.bpf.c"
_KEY7 = struct.pack("<I", 7)
_EMPTY, _GONE = 101, 100  #: pop's retval for an empty list, and for a missing element
_BOX_CTX = {"in": struct.pack("<Q", 0), "out": struct.pack("<Q", 1)}


@pytest.fixture(params=["interpreter", "jit"])
def rt(request: pytest.FixtureRequest) -> Iterator[pybpf.Runtime]:
    with pybpf.Runtime(clock="virtual", engine=request.param) as runtime:
        yield runtime


@pytest.fixture
def obj(rt: pybpf.Runtime, build_c: Callable[[Path], Path]) -> pybpf.Object:
    return rt.load(build_c(SOURCE))


def _run(obj: pybpf.Object, name: str, **kw: bytes) -> int:
    return obj.programs[name].test_run(**kw).retval


def _live(rt: pybpf.Runtime) -> int:
    host: _host.Host = rt._host  # type: ignore[attr-defined]
    return len(host._objects)


def test_a_list_gives_back_its_objects_first_in_first_out(rt: pybpf.Runtime, obj: pybpf.Object) -> None:
    for _ in range(3):
        assert _run(obj, "push") == 0
    assert [_run(obj, "pop") for _ in range(4)] == [1, 2, 3, _EMPTY]
    assert obj.globals["popped_sum"] == 6 and obj.globals["popped_count"] == 3
    assert _live(rt) == 0


def test_deleting_the_element_drops_the_objects_of_its_list(rt: pybpf.Runtime, obj: pybpf.Object) -> None:
    for _ in range(3):
        _run(obj, "push")
    assert _live(rt) == 3
    obj.maps["holders"].internal.delete_elem(_KEY7)
    assert _live(rt) == 0
    assert _run(obj, "pop") == _GONE
    _run(obj, "push")
    assert _run(obj, "pop") == 4  # a new element, a new empty list


def test_user_space_reads_a_list_head_as_zeros(obj: pybpf.Object) -> None:
    _run(obj, "push")
    assert obj.maps["holders"].internal.lookup_elem(_KEY7) == bytes(24)


def test_a_tree_gives_the_smallest_rank_first(obj: pybpf.Object) -> None:
    lengths = [64, 40, 73, 30, 67, 50, 61, 45]
    for n in lengths:
        assert _run(obj, "rank", data=bytes(n)) == 0
    ranks = [(n * 7919 + i * 104729) % 1000 for i, n in enumerate(lengths)]
    taken, pending = [], []
    for i, r in enumerate(ranks):  # every odd run takes the smallest rank in the tree out
        pending.append(r)
        if i & 1:
            pending.sort()
            taken.append(pending.pop(0))
    assert list(obj.globals["ranks"]) == taken


def test_a_kptr_keeps_its_object_between_runs(rt: pybpf.Runtime, obj: pybpf.Object) -> None:
    assert _run(obj, "stash", ctx=_BOX_CTX["in"]) == 0
    assert _live(rt) == 1 and obj.globals["unstashed"] == 0
    assert obj.maps["boxes"].internal.lookup_elem(b"\0\0\0\0")[8:] == bytes(8)  # the kptr reads as zero
    assert _run(obj, "stash", ctx=_BOX_CTX["in"]) == 0  # the first object comes out, dropped
    assert obj.globals["unstashed"] == 4242 and _live(rt) == 1
    assert _run(obj, "stash", ctx=_BOX_CTX["out"]) == 0
    assert _live(rt) == 0


def test_overwriting_the_value_drops_the_stashed_object(rt: pybpf.Runtime, obj: pybpf.Object) -> None:
    _run(obj, "stash", ctx=_BOX_CTX["in"])
    obj.maps["boxes"].internal.update_elem(b"\0\0\0\0", bytes(16))
    assert _live(rt) == 0
    _run(obj, "stash", ctx=_BOX_CTX["out"])
    assert obj.globals["unstashed"] == 0  # nothing was left to take out
