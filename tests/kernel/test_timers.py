"""bpf_timer on the kernel and on pybpf: the same object, the same sequence of helper calls, the
same return codes; callbacks then run in real time on the kernel and in virtual time in pybpf,
and the state they leave (counters, what they returned) must agree.

The scenario program is tests/timers/testdata/timer_ops.bpf.c: one syscall program applying one
timer operation per run. Scenarios stay small: this kernel's memory limit stops bpf_timer_init
near 150 live timers.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf.timers import KTIME_SAFE_MAX

from . import _libbpf
from .conftest import Build

SOURCE = Path(__file__).parents[1] / "timers" / "testdata" / "timer_ops.bpf.c"
ARR, HASH, LRU = 0, 1, 2
RESET, INIT, SET_CB, START, CANCEL, DELETE = range(6)
COUNT, PERIODIC, SELF_CANCEL, DELETE_SELF = range(4)
MONOTONIC, BOOTTIME = 1, 7
MAPS = ("arr", "hash", "lru")


def _signed(value: int) -> int:
    return value - (1 << 32) if value >> 31 else value


def _ctx(which: int, key: int, op: int, a: int, b: int) -> bytes:
    return struct.pack("<IiIIQQ", which, key, op, 0, a, b)


class Both:
    """The scenario object loaded in the kernel and in pybpf, driven step by step."""

    def __init__(self, path: Path) -> None:
        self.kernel = _libbpf.KernelObject(path)
        self.rt = pybpf.Runtime(clock="virtual")
        self.ours = self.rt.load(path)

    def close(self) -> None:
        self.kernel.close()
        self.rt.close()

    def op(self, which: int, key: int, op: int, a: int = 0, b: int = 0) -> int:
        """Run one operation on both sides; they must return the same code."""
        ctx = _ctx(which, key, op, a, b)
        theirs = _signed(self.kernel.programs["timer_op"].test_run(ctx=ctx).retval)
        mine = _signed(self.ours.programs["timer_op"].test_run(ctx=ctx).retval)
        assert mine == theirs, f"op {op} on map {MAPS[which]}[{key}]: kernel {theirs}, pybpf {mine}"
        return mine

    def set_global(self, name: str, value: int) -> None:
        """Set a global on both sides, in the data section that holds it."""
        self.ours.globals[name] = value
        var = _var(self.ours, name)
        section = next(
            m.section for n, m in self.ours.spec.maps.items() if self.ours.maps[n].internal is var.map
        )
        data = self.kernel.map_named(section)
        raw = bytearray(data.lookup(bytes(4)))  # type: ignore[arg-type]
        raw[var.offset : var.offset + var.size] = value.to_bytes(var.size, "little", signed=True)
        data.update(bytes(4), bytes(raw))

    def let_time_pass(self, ns: int) -> None:
        """Real time for the kernel, virtual time for pybpf."""
        time.sleep(ns / 1e9 + 0.02)
        self.rt.advance(ns)

    def elements(self, which: int) -> tuple[dict[bytes, bytes], dict[bytes, bytes]]:
        name = MAPS[which]
        theirs = {k: v for k, v in self.kernel.map_named(name).items().items()}  # type: ignore[misc]
        internal = self.ours.maps[name].internal
        mine = {k: internal.lookup_elem(k) for k in internal.keys()}
        return theirs, mine  # type: ignore[return-value]

    def bss(self) -> tuple[bytes, bytes]:
        theirs = self.kernel.map_named(".bss").lookup(bytes(4))
        mine = self.ours.maps[".bss"].internal.lookup_elem(bytes(4))
        return theirs, mine  # type: ignore[return-value]


def _var(obj: pybpf.Object, name: str) -> Any:
    return obj.globals._vars[name]  # type: ignore[attr-defined]


def _offset(obj: pybpf.Object, name: str) -> int:
    return int(_var(obj, name).offset)


def _size(obj: pybpf.Object, name: str) -> int:
    return int(_var(obj, name).size)


@pytest.fixture
def both(build: Build) -> Iterator[Both]:
    path = build(SOURCE)
    try:
        pair = Both(path)
    except _libbpf.LibbpfError as err:
        pytest.fail(f"the kernel refused the timer scenarios: {err}\n{err.log}")
    yield pair
    pair.close()


def test_init_flags_and_double_init(both: Both) -> None:
    for flags in (0, 1, 7, 2, 3, 4, 5, 6, 8, 9, 15, 16, 1 << 32):
        both.op(ARR, 0, RESET)
        both.op(ARR, 0, INIT, flags)
    both.op(ARR, 0, INIT, MONOTONIC)  # initialised already: -EBUSY


def test_call_order_rules(both: Both) -> None:
    both.op(ARR, 1, START, 1000)
    both.op(ARR, 1, SET_CB)
    both.op(ARR, 1, CANCEL)
    both.op(ARR, 1, INIT, MONOTONIC)
    both.op(ARR, 1, START, 1000)  # no callback yet
    both.op(ARR, 1, SET_CB)
    both.op(ARR, 1, START, 1000, 4)  # unknown flag
    both.op(ARR, 1, START, 10**9)
    both.op(ARR, 1, CANCEL)  # 1: it was armed
    both.op(ARR, 1, CANCEL)  # 0
    both.op(ARR, 1, START, 10**9)  # cancel detached the callback
    both.op(ARR, 1, SET_CB)
    both.op(ARR, 1, START, 10**9)


def test_element_updates_and_deletes_free_timers(both: Both) -> None:
    for which in (HASH, ARR):
        both.op(which, 2, RESET)
        both.op(which, 2, INIT, BOOTTIME)
        both.op(which, 2, SET_CB)
        both.op(which, 2, START, 10**9)
        both.op(which, 2, RESET)  # the update frees the timer...
        both.op(which, 2, CANCEL)  # ...so it is not initialised any more
        both.op(which, 2, INIT, BOOTTIME)
    both.op(HASH, 2, DELETE)
    both.op(HASH, 2, DELETE)


@pytest.mark.parametrize(
    ("mode", "which", "limit"),
    [
        pytest.param(COUNT, ARR, 1, id="one-shot"),
        pytest.param(PERIODIC, HASH, 10, id="periodic-ten-times"),
        pytest.param(SELF_CANCEL, ARR, 1, id="self-cancel-edeadlk"),
        pytest.param(DELETE_SELF, HASH, 1, id="delete-self-then-start-einval"),
    ],
)
def test_callbacks_leave_the_same_state(both: Both, mode: int, which: int, limit: int) -> None:
    both.set_global("cb_mode", mode)
    both.set_global("limit", limit)
    both.op(which, 3, RESET)
    both.op(which, 3, INIT, MONOTONIC)
    both.op(which, 3, SET_CB)
    both.op(which, 3, START, 1000)
    both.let_time_pass(50 * pybpf.MILLISECOND)
    theirs, mine = both.elements(which)
    # Compare what the callbacks counted; the time stamps and CPUs differ between the runs.
    counters = lambda elements: {k: struct.unpack_from("<i", v)[0] for k, v in elements.items()}  # noqa: E731
    assert counters(mine) == counters(theirs)
    bss_theirs, bss_mine = both.bss()
    runs_and_rc = lambda raw: (_read(both.ours, raw, "runs"), _read(both.ours, raw, "cb_rc"))  # noqa: E731
    assert runs_and_rc(bss_mine) == runs_and_rc(bss_theirs)


def _read(obj: pybpf.Object, raw: bytes, name: str) -> int:
    off, size = _offset(obj, name), _size(obj, name)
    return int.from_bytes(raw[off : off + size], "little", signed=True)


@pytest.mark.parametrize(
    ("nsecs", "flags", "fires"),
    [
        pytest.param(1 << 63, 1, False, id="absolute-2^63"),
        pytest.param((1 << 64) - 1, 1, False, id="absolute-u64-max"),
        pytest.param((1 << 64) - 1, 0, False, id="relative-u64-max"),
        pytest.param((1 << 63) - 1, 0, False, id="relative-overflowing"),
        pytest.param(1000, 1, True, id="absolute-in-the-past"),
    ],
)
def test_expiries_past_2_63_saturate_and_never_fire(both: Both, nsecs: int, flags: int, fires: bool) -> None:
    """The kernel's ktime is signed: a u64 at or past 2^63, relative or absolute, and a relative
    expiry that overflows saturate to KTIME_SEC_MAX (the timer never fires), while an absolute
    expiry in the past fires at once; pybpf must agree."""
    both.set_global("cb_mode", COUNT)
    both.set_global("limit", 1)
    both.op(ARR, 0, RESET)
    both.op(ARR, 0, INIT, MONOTONIC)
    both.op(ARR, 0, SET_CB)
    assert both.op(ARR, 0, START, nsecs, flags) == 0
    both.let_time_pass(50 * pybpf.MILLISECOND)
    theirs, mine = both.elements(ARR)
    fired = lambda elements: struct.unpack_from("<i", elements[bytes(4)])[0]  # noqa: E731
    assert fired(mine) == fired(theirs) == int(fires)
    if not fires:
        assert [(t.state, t.expires_ns) for t in both.rt.timers()] == [("armed", KTIME_SAFE_MAX)]
