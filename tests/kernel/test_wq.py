"""bpf_wq on the kernel (6.18) and on pybpf: the same object (tests/timers/testdata/wq_ops.bpf.c),
the same sequence of kfunc calls through syscall programs, the same return codes; the work then
runs in real time on the kernel and at the next advance in pybpf, and the state it leaves must
agree."""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import _libbpf, test_timers
from .conftest import Build

SOURCE = Path(__file__).parents[1] / "timers" / "testdata" / "wq_ops.bpf.c"
RESET, WQ_INIT, WQ_SET_CB, WQ_START, DELETE = range(5)
RESTART_SELF = 1
ARR, HASH = 0, 1


class Both(test_timers.Both):
    """The wq scenario object in the kernel and in pybpf, driven step by step."""

    def op(self, which: int, key: int, op: int, flags: int = 0) -> int:
        ctx = struct.pack("<IiIIQ", which, key, op, flags, 0)
        theirs = self.kernel.programs["wq_op"].test_run(ctx=ctx).retval
        mine = self.ours.programs["wq_op"].test_run(ctx=ctx).retval
        assert mine == theirs, f"op {op} on {('arr', 'hash')[which]}[{key}]: kernel {theirs:#x}, pybpf {mine:#x}"
        return mine - (1 << 32) if mine >> 31 else mine

    def let_work_run(self) -> None:
        time.sleep(0.05)
        self.rt.advance(0)

    def bss(self) -> tuple[bytes, bytes]:
        return self.kernel.map_named(".bss").lookup(bytes(4)), self.ours.maps[".bss"].internal.lookup_elem(bytes(4))  # type: ignore[return-value]

    def elements(self, name: str) -> tuple[dict[bytes, bytes], dict[bytes, bytes]]:
        internal = self.ours.maps[name].internal
        theirs = dict(self.kernel.map_named(name).items())  # type: ignore[call-overload]
        return theirs, {k: internal.lookup_elem(k) for k in internal.keys()}


@pytest.fixture
def both(build: Build) -> Iterator[Both]:
    try:
        pair = Both(build(SOURCE))
    except _libbpf.LibbpfError as err:
        pytest.fail(f"the kernel refused the wq scenarios: {err}\n{err.log}")
    yield pair
    pair.close()


def test_wq_return_codes_match_the_kernel(both: Both) -> None:
    codes = [
        both.op(ARR, 0, WQ_START),  # not initialised
        both.op(ARR, 0, WQ_SET_CB),
        both.op(ARR, 0, WQ_INIT, 1),  # flags must be 0
        both.op(ARR, 0, WQ_INIT),
        both.op(ARR, 0, WQ_INIT),  # -EBUSY
        both.op(ARR, 0, WQ_START),  # no callback
        both.op(ARR, 0, WQ_SET_CB, 1),
        both.op(ARR, 0, WQ_SET_CB),
        both.op(ARR, 0, WQ_START, 1),
        both.op(ARR, 0, WQ_START),
    ]
    assert codes == [-22, -22, -22, 0, -16, -22, -22, 0, -22, 0]
    both.let_work_run()
    theirs, mine = both.bss()
    assert mine == theirs  # runs == 1 on both
    kernel_values, our_values = both.elements("arr")
    assert our_values == kernel_values  # the wq bytes read as zeros on both


def test_work_restarting_itself_and_deleted_elements_match_the_kernel(both: Both) -> None:
    both.ours.globals["cb_mode"] = RESTART_SELF
    data = both.kernel.map_named(".bss")
    raw = bytearray(data.lookup(bytes(4)))  # type: ignore[arg-type]
    offset = both.ours.globals._vars["cb_mode"].offset  # type: ignore[attr-defined]
    raw[offset : offset + 4] = RESTART_SELF.to_bytes(4, "little")
    data.update(bytes(4), bytes(raw))
    for op in (RESET, WQ_INIT, WQ_SET_CB, WQ_START):
        both.op(HASH, 3, op)
    both.let_work_run()
    both.let_work_run()
    both.let_work_run()
    assert both.elements("hash")[1] == both.elements("hash")[0]  # counter 3 on both
    assert both.op(HASH, 3, DELETE) == 0
    assert both.op(HASH, 3, WQ_START) == -2000  # the element is gone
