"""User ring buffers: libbpf's producer rules from Python, the kernel's drain from programs (the
kernel-checked scenarios are in tests/kernel/test_user_ringbuf.py)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

import pybpf
from pybpf.engine import AddressSpace
from pybpf.maps import MapError, UserRingBuf

SOURCE = Path(__file__).parents[1] / "kernel" / "testdata" / "user_ringbuf.bpf.c"
PACKET = bytes(12) + b"\x08\x00" + bytes(28)
EINVAL, EBUSY = 22, 16


def test_reserve_checks_room_as_libbpf(space: AddressSpace) -> None:
    ring = UserRingBuf("r", 0, 0, 4096, space=space)
    with pytest.raises(MapError, match=r"\(E2BIG\)$"):
        ring.reserve(4089)  # with its header, more than the ring
    held = ring.reserve(2000)
    with pytest.raises(MapError, match=r"\(ENOSPC\)$"):
        ring.reserve(2100)
    ring.discard(held)
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        ring.submit(held)  # no longer reserved
    with pytest.raises(MapError, match=r"\(E2BIG\)$"):
        ring.reserve(1 << 31)  # the header's busy bit


def test_drain_skips_discarded_stops_at_reserved_and_refuses_flags(space: AddressSpace) -> None:
    ring = UserRingBuf("r", 0, 0, 4096, space=space)
    ring.push(b"one")
    ring.discard(ring.reserve(8))
    ring.push(b"three")
    held = ring.reserve(4)
    ring.push(b"after")
    seen: list[int] = []
    assert ring.drain(4, lambda address, size: 0) == -EINVAL
    assert ring.drain(0, lambda address, size: seen.append(size) or 0) == 2
    assert seen == [3, 5]
    held.data[:] = b"four"
    ring.submit(held)
    nested: list[int] = []

    def drain_again(address: int, size: int) -> int:
        nested.append(ring.drain(0, lambda a, s: 0))
        return 0

    assert ring.drain(0, drain_again) == 2  # "four" and "after"
    assert nested == [-EBUSY, -EBUSY] and ring.pending() == 0


def test_a_program_drains_what_python_produced(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual").load(c_file(SOURCE.read_text(), "user_ringbuf.bpf.c"))
    samples = obj.maps["samples"]
    samples.push(struct.pack("<Q", 5))
    sample = samples.reserve(8)
    sample.data[:] = struct.pack("<Q", 0x5354)  # STOP: the first drain ends here
    samples.submit(sample)
    samples.push(struct.pack("<Q", 7))
    obj.programs["drain"].test_run(data=PACKET)
    assert obj.globals["drained"] == [2, 1, 0, 0]
    assert (obj.globals["sum"], obj.globals["seen"]) == (5 + 0x5354 + 7, 3)
    with pytest.raises(TypeError, match="is not a user ring buffer"):
        obj.maps["user_rin.bss"].reserve(8)


def test_reserve_blocking_waits_for_a_drain_that_wakes_it(space: AddressSpace) -> None:
    """libbpf's user_ring_buffer__reserve_blocking: a full ring waits for a drain; one with
    BPF_RB_NO_WAKEUP frees room without waking, so only the retry after the timeout finds it."""
    import threading

    ring = UserRingBuf("r", 0, 0, 4096, space=space)
    ring.push(bytes(2000))
    ring.push(bytes(2000))
    with pytest.raises(MapError, match=r"\(E2BIG\)$"):
        ring.reserve_blocking(5000, timeout=10)  # never fits: no wait
    with pytest.raises(MapError, match=r"\(ENOSPC\)$"):
        ring.reserve_blocking(1000, timeout=0)
    with pytest.raises(ValueError, match="negative"):
        ring.reserve_blocking(8, timeout=-1)
    started = threading.Event()
    got: list[object] = []

    def producer() -> None:
        started.set()
        got.append(ring.reserve_blocking(1000))  # no timeout: until a drain wakes it

    thread = threading.Thread(target=producer)
    thread.start()
    started.wait()
    assert ring.drain(0, lambda address, size: 1) == 1  # one sample consumed: wakes it
    thread.join(timeout=10)
    assert not thread.is_alive() and len(got) == 1
    ring.discard(got[0])  # type: ignore[arg-type]
    ring.push(bytes(1000))
    assert ring.drain(BPF_RB_NO_WAKEUP, lambda address, size: 1) == 1  # room, no wake-up
    assert ring.reserve_blocking(2000, timeout=0.01) is not None  # found by the final retry


BPF_RB_NO_WAKEUP = 1
