"""Ring buffers: reserve/submit/discard from programs, ordered delivery to Python."""

from __future__ import annotations

import struct
import threading

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_RB_AVAIL_DATA,
    BPF_RB_CONS_POS,
    BPF_RB_FORCE_WAKEUP,
    BPF_RB_NO_WAKEUP,
    BPF_RB_PROD_POS,
    BPF_RB_RING_SIZE,
    BPF_RINGBUF_BUSY_BIT,
    BPF_RINGBUF_DISCARD_BIT,
    EAGAIN,
    EINVAL,
    ENOTSUPP,
    MapError,
    RingBuf,
)

from .conftest import read_raw, write_raw

SIZE = 4096


@pytest.fixture
def rb(space: AddressSpace) -> RingBuf:
    return RingBuf("events", 0, 0, SIZE, space=space)


def _record(space: AddressSpace, rb: RingBuf, data: bytes) -> int:
    """Reserve, fill and return a record's address, as a program would; not yet submitted."""
    address = rb.reserve(len(data))
    assert address
    write_raw([rb], address, data)
    return address


def test_records_arrive_in_submission_order(space: AddressSpace, rb: RingBuf) -> None:
    for word in (b"one", b"two", b"three"):
        rb.submit(_record(space, rb, word))
    assert rb.consume() == [b"one", b"two", b"three"]
    assert rb.consume() == []


def test_records_have_8_byte_aligned_headers_with_the_busy_bit(
    space: AddressSpace, rb: RingBuf
) -> None:
    first = rb.reserve(5)
    second = rb.reserve(1)
    assert (first % 8, second - first) == (0, 16)  # 8-byte header + 5 bytes rounded up to 8
    length, _ = struct.unpack("<II", read_raw([rb], first - 8, 8))
    assert length == 5 | BPF_RINGBUF_BUSY_BIT
    rb.submit(first, discard=True)
    length, _ = struct.unpack("<II", read_raw([rb], first - 8, 8))
    assert length == 5 | BPF_RINGBUF_DISCARD_BIT


def test_discarded_records_are_skipped(space: AddressSpace, rb: RingBuf) -> None:
    rb.submit(_record(space, rb, b"keep"))
    rb.submit(_record(space, rb, b"drop"), discard=True)
    rb.submit(_record(space, rb, b"also"))
    assert rb.consume() == [b"keep", b"also"]


def test_a_reserved_record_holds_back_later_ones(space: AddressSpace, rb: RingBuf) -> None:
    first = _record(space, rb, b"first")
    rb.submit(_record(space, rb, b"second"))
    assert rb.consume() == []
    rb.submit(first)
    assert rb.consume() == [b"first", b"second"]


def test_reserve_fails_when_the_ring_is_full(space: AddressSpace, rb: RingBuf) -> None:
    # 4096 bytes hold at most 4095: a 4088-byte record (4096 with its header) never fits
    assert rb.reserve(SIZE - 8) == 0
    big = rb.reserve(SIZE - 16)
    assert big
    assert rb.reserve(0) == 0
    rb.submit(big)
    assert rb.consume() == [bytes(SIZE - 16)]
    assert rb.reserve(SIZE - 16)


@pytest.mark.parametrize(
    ("size", "flags"),
    [pytest.param(8, 1, id="flags"), pytest.param(2**31, 0, id="over-max-record")],
)
def test_reserve_refuses_with_null(rb: RingBuf, size: int, flags: int) -> None:
    assert rb.reserve(size, flags) == 0


def test_records_wrap_around_contiguously(space: AddressSpace, rb: RingBuf) -> None:
    """Records that run past the end of the ring stay contiguous, as with the kernel's double
    mapping, and the consumer sees every byte."""
    payloads = [bytes([n]) * 1000 for n in range(1, 40)]
    received: list[bytes] = []
    for payload in payloads:
        address = _record(space, rb, payload)
        assert read_raw([rb], address, len(payload)) == payload
        rb.submit(address)
        received += rb.consume()
    assert received == payloads
    assert rb.query(BPF_RB_PROD_POS) > 4 * SIZE


def test_output_copies_data_in_as_one_record(rb: RingBuf) -> None:
    assert rb.output(b"hello") == 0
    assert rb.output(b"", BPF_RB_NO_WAKEUP) == 0
    assert rb.consume() == [b"hello", b""]


def test_output_fails_with_eagain_when_full(rb: RingBuf) -> None:
    assert rb.output(bytes(3000)) == 0
    assert rb.output(bytes(3000)) == -EAGAIN


def test_output_refuses_unknown_flags(rb: RingBuf) -> None:
    assert rb.output(b"x", 4) == -EINVAL


def test_query_reports_positions_and_sizes(space: AddressSpace, rb: RingBuf) -> None:
    rb.output(b"12345678")
    _record(space, rb, b"1")
    assert rb.query(BPF_RB_RING_SIZE) == SIZE
    assert rb.query(BPF_RB_PROD_POS) == 32
    assert rb.query(BPF_RB_CONS_POS) == 0
    assert rb.query(BPF_RB_AVAIL_DATA) == 32
    rb.consume()
    assert rb.query(BPF_RB_CONS_POS) == 16
    assert rb.query(BPF_RB_AVAIL_DATA) == 16
    assert rb.query(99) == 0


def test_poll_calls_back_and_counts(rb: RingBuf) -> None:
    rb.output(b"a")
    rb.output(b"b")
    seen: list[bytes] = []
    assert rb.poll(seen.append) == 2
    assert seen == [b"a", b"b"]
    assert rb.poll(seen.append) == 0


def test_poll_stops_at_a_negative_callback_result(rb: RingBuf) -> None:
    for data in (b"a", b"b", b"c"):
        rb.output(data)
    assert rb.poll(lambda record: -22 if record == b"b" else 0) == -22
    assert rb.consume() == [b"c"]


@pytest.mark.parametrize("flags", [0, BPF_RB_FORCE_WAKEUP], ids=["adaptive", "forced"])
def test_poll_waits_for_a_producer_on_another_thread(rb: RingBuf, flags: int) -> None:
    def produce() -> None:
        assert rb.output(b"late", flags) == 0

    producer = threading.Timer(0.02, produce)
    producer.start()
    seen: list[bytes] = []
    assert rb.poll(seen.append, timeout=5) == 1
    producer.join()
    assert seen == [b"late"]


def test_poll_times_out_without_records(rb: RingBuf) -> None:
    assert rb.poll(lambda record: None, timeout=0.01) == 0


def test_submit_of_an_unreserved_address_is_refused(space: AddressSpace, rb: RingBuf) -> None:
    address = _record(space, rb, b"x")
    rb.submit(address)
    with pytest.raises(MapError, match=r"^submit: no reserved record at 0x[0-9a-f]+ \(EINVAL\)$"):
        rb.submit(address)
    with pytest.raises(MapError):
        rb.submit(12345)


def test_a_record_window_is_its_data_only(space: AddressSpace, rb: RingBuf) -> None:
    address = rb.reserve(13)
    window = rb.record(address)
    assert (window.base, window.size, window.owner) == (address, 13, rb)
    assert space.find(address - 8, 8) is None  # headers are never shared program memory
    rb.submit(address)
    with pytest.raises(MapError, match=r"^reserve: no reserved record at 0x[0-9a-f]+ \(EINVAL\)$"):
        rb.record(address)


def test_keyed_operations_are_not_supported(rb: RingBuf) -> None:
    assert rb.update(b"", b"", 0, 0) == -ENOTSUPP
    assert rb.lookup(b"", 0) == 0
    with pytest.raises(MapError) as info:
        rb.lookup_elem(b"")
    assert info.value.errno == ENOTSUPP
