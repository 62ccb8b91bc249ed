"""Running the one-operation programs of ``testdata/`` (``timer_ops.bpf.c``, ``wq_ops.bpf.c``)."""

from __future__ import annotations

import struct

import pybpf

TIMER_OPS = "<IiIIQQ"  #: timer_ops.bpf.c's ``struct args``: map, key, op, pad, a, b


def s32(retval: int) -> int:
    """A ``test_run`` retval (the kernel's u32) as the int the program returned: -22 for -EINVAL."""
    return retval - (1 << 32) if retval >> 31 else retval


def timer_op(
    prog: pybpf.Program, which: int, key: int, op: int, a: int = 0, b: int = 0, cpu: int | None = None
) -> int:
    """Run timer_ops.bpf.c's ``timer_op`` once: operation ``op`` on element ``key`` of map
    ``which`` (0 arr, 1 hash, 2 lru), with its arguments ``a`` and ``b``; its signed result."""
    return s32(prog.test_run(ctx=struct.pack(TIMER_OPS, which, key, op, 0, a, b), cpu=cpu).retval)
