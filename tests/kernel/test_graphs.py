"""Lists, red-black trees and kptrs of allocated objects against the live kernel: the order
objects come out in, what a map element's deletion takes with it, a tree ordered by the
program's callback, an object kept in a kptr across runs; retvals and every map compared."""

from __future__ import annotations

import struct

import pytest

from ._differential import Delete, Run, compare
from .test_differential import PACKET

pytestmark = pytest.mark.kernel

#: maps whose values hold list heads, tree roots or kptrs: the kernel copies those fields to
#: user space as they are (kernel addresses), which pybpf reads as zeros
_KERNEL_ADDRESSES = ("holders", "graphs.data.tree", "boxes")
_FROM_CTX = struct.pack("<Q", 1)  #: the stash program's "take it out" context
_INTO_CTX = struct.pack("<Q", 0)


def test_a_list_keeps_order_across_runs_and_dies_with_its_element(testdata):
    steps = [Run("push"), Run("push"), Run("push"), Run("pop"), Run("push"), Run("pop"), Run("pop"),
             Delete("holders", struct.pack("<I", 7)), Run("pop"), Run("push"), Run("pop"), Run("pop")]
    report = compare(testdata("graphs"), steps, ignore_maps=_KERNEL_ADDRESSES)
    assert [o.retval for o in report.outcomes if o.retval is not None][:7] == [0, 0, 0, 1, 0, 2, 3]


def test_a_tree_gives_the_smallest_rank_first(testdata):
    packets = [PACKET, PACKET[:40], PACKET + b"\0" * 9, PACKET[:30], PACKET + b"\0" * 3, PACKET[:50]]
    report = compare(testdata("graphs"), [Run("rank", data=p) for p in packets], ignore_maps=_KERNEL_ADDRESSES)
    bss = report.final["graphs.bss"][b"\0\0\0\0"]
    assert bss == report.pybpf_final["graphs.bss"][b"\0\0\0\0"]
    assert sum(1 for i in range(0, len(bss), 8) if bss[i : i + 8] != bytes(8)) >= 3  # ranks taken


def test_a_kptr_keeps_its_object_between_runs(testdata):
    steps = [Run("stash", ctx=_INTO_CTX), Run("stash", ctx=_INTO_CTX), Run("stash", ctx=_FROM_CTX),
             Run("stash", ctx=_FROM_CTX)]
    report = compare(testdata("graphs"), steps, ignore_maps=_KERNEL_ADDRESSES)
    assert struct.pack("<Q", 4242) in report.final["graphs.bss"][b"\0\0\0\0"]  # what the box held
