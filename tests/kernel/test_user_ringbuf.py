"""User ring buffers against the live kernel: samples written from user space (libbpf's
user_ring_buffer on the kernel side, pybpf's ``reserve``/``submit``/``discard``), drained by a
program with bpf_user_ringbuf_drain; the drains' results and what the callback saw compared."""

from __future__ import annotations

import struct

import pytest

from ._differential import Produce, Run, compare
from .test_differential import PACKET

pytestmark = pytest.mark.kernel


def q(value: int, extra: bytes = b"") -> bytes:
    return struct.pack("<Q", value) + extra


STOP = 0x5354


@pytest.mark.parametrize(
    "steps",
    [
        [Produce("samples", (q(1), q(2, b"xyz"), q(3)))],
        [Produce("samples", (q(1), q(STOP), q(4), q(5)))],
        [Produce("samples", (q(1), q(2), q(3)), discard=(1,))],
        [Produce("samples", (q(1), q(2), q(3)), reserved=(1,))],
        [Produce("samples", (b"ab", b"", q(7)))],
        [Produce("samples", tuple(q(i, bytes(400)) for i in range(12)))],
        [Produce("samples", (bytes(4089),))],
    ],
    ids=["three", "stop", "discarded", "held-back", "short", "ring-full", "too-big"],
)
def test_drains(testdata, steps):
    compare(testdata("user_ringbuf"), [*steps, Run("drain", data=PACKET), Produce("samples", (q(9),)),
                                       Run("drain", data=PACKET)])
