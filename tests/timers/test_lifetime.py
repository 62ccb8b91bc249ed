"""Which element operations free a timer, and which do not (spec section 4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import pybpf
from pybpf import BPF_F_LOCK, MILLISECOND

SOURCE = Path(__file__).parent / "testdata" / "lifetime.bpf.c"


@pytest.fixture
def obj() -> Iterator[tuple[pybpf.Runtime, pybpf.Object]]:
    with pybpf.Runtime(clock="virtual") as rt:
        yield rt, rt.load(SOURCE)


def test_a_locked_hash_update_keeps_the_timer(obj) -> None:  # type: ignore[no-untyped-def]
    rt, o = obj
    assert o.programs["arm_hash"].test_run().retval == 0
    assert o.programs["locked_update"].test_run().retval == 0  # in place, around lock and timer
    o.maps["lhash"].update_elem(1, {"counter": 8}, BPF_F_LOCK)  # the same from user space
    rt.advance(MILLISECOND)
    assert (o.globals["fired"], o.maps["lhash"][1]["counter"]) == (1, 108)


def test_a_plain_hash_update_frees_the_timer(obj) -> None:  # type: ignore[no-untyped-def]
    rt, o = obj
    assert o.programs["arm_hash"].test_run().retval == 0
    o.maps["lhash"][1] = {"counter": 8}
    rt.advance(MILLISECOND)
    assert o.globals["fired"] == 0


def test_a_locked_array_update_still_frees_the_timer(obj) -> None:  # type: ignore[no-untyped-def]
    rt, o = obj
    assert o.programs["arm_array"].test_run().retval == 0
    o.maps["larr"].update_elem(1, {"counter": 8}, BPF_F_LOCK)
    rt.advance(MILLISECOND)
    assert o.globals["fired"] == 0
    assert o.programs["arm_array"].test_run().retval == 0  # the slot is free to initialise again


def test_lookup_and_delete_frees_the_timer(obj) -> None:  # type: ignore[no-untyped-def]
    rt, o = obj
    assert o.programs["arm_hash"].test_run().retval == 0
    assert o.maps["lhash"].lookup_and_delete(1)["counter"] == 0
    rt.advance(MILLISECOND)
    assert o.globals["fired"] == 0
    assert rt.timers() == []


def test_timers_in_a_hash_of_maps_live_while_the_inner_map_is_held(obj) -> None:  # type: ignore[no-untyped-def]
    rt, o = obj
    assert o.programs["arm_inner"].test_run().retval == 0
    rt.advance(MILLISECOND)
    assert o.globals["fired"] == 1
    assert o.programs["arm_inner"].test_run().retval == 0
    o.maps["inner_hash"].close()  # the outer map holds no user reference to it
    rt.advance(MILLISECOND)
    assert o.globals["fired"] == 1
    assert o.programs["arm_inner"].test_run().retval == -1 & 0xFFFF_FFFF  # EPERM


def test_an_inner_map_is_freed_once_its_outer_map_lets_go(obj) -> None:  # type: ignore[no-untyped-def]
    rt, o = obj
    inner = o.maps["inner_hash"].internal
    o.maps["inner_hash"].close()
    assert not inner.closed  # the outer map still holds it
    del o.maps["outer"][0]
    assert inner.closed
    assert inner.address not in rt._maps_by_address
