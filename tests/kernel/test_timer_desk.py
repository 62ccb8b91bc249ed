"""The return codes of the timer desk's program (tests/timers/testdata/timer_desk.bpf.c) on the
kernel and on pybpf's JIT, whose compiled calls the desk serves: every error case of
bpf_timer_init, set_callback, start and cancel in one run."""

from __future__ import annotations

import struct
from pathlib import Path

import pybpf
from pybpf.timers._desk import desk

from . import _libbpf
from .conftest import Build

SOURCE = Path(__file__).parents[1] / "timers" / "testdata" / "timer_desk.bpf.c"
CODES = 40


def _codes(bss: bytes) -> list[int]:
    return list(struct.unpack_from(f"<{CODES}q", bss))


def test_the_kernel_returns_what_compiled_timer_calls_return(build: Build) -> None:
    obj = build(SOURCE)
    with _libbpf.KernelObject(obj) as kernel:
        assert kernel.programs["sequence"].test_run().retval == 0
        bss = kernel.map_named(".bss").lookup(bytes(4))
        assert bss is not None
        theirs = _codes(bss)
    with pybpf.Runtime(clock="virtual", engine="jit", kernel="6.18") as rt:
        o = rt.load(obj)
        sequence = o.programs["sequence"]
        assert sequence.test_run().retval == 0  # lists the maps for the desk (their first init)
        for key in range(4):
            o.maps["arr"][key] = {}  # an array update frees the element's timer
        del o.maps["hash"][7]
        served = desk().served
        assert sequence.test_run().retval == 0
        ours = list(o.globals["rc"])
        rt.timers()  # applies what the desk did
        assert desk().served > served
    assert ours == theirs
