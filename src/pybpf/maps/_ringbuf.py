"""Ring buffers (``BPF_MAP_TYPE_RINGBUF``): records from programs to user space, in order.

The layout follows ``kernel/bpf/ringbuf.c``. A record is an 8-byte header (``u32 len`` with the
BUSY and DISCARD bits, ``u32 pg_off``) then the data, rounded up to 8 bytes. Producer and
consumer positions only grow; a record starts at ``position & (size - 1)``. The kernel maps the
data pages twice so that a record running past the end stays contiguous; pybpf gets the same
effect with a data region twice the ring size, in which a record's bytes simply continue into
the second half. Programs write records in place, but only the records their run reserved
(the reserve helper hands each one to the run as a private window): the headers and everything
else in the ring are out of their bounds.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable
from typing import ClassVar, final

from ..engine import Region
from ._base import Map, round8
from ._errors import EAGAIN, EINVAL, MapError
from ._types import (
    BPF_F_NUMA_NODE,
    BPF_RB_AVAIL_DATA,
    BPF_RB_CONS_POS,
    BPF_RB_FORCE_WAKEUP,
    BPF_RB_NO_WAKEUP,
    BPF_RB_PROD_POS,
    BPF_RB_RING_SIZE,
    BPF_RINGBUF_BUSY_BIT,
    BPF_RINGBUF_DISCARD_BIT,
    BPF_RINGBUF_HDR_SZ,
    MapType,
)

__all__ = ["RingBase", "RingBuf"]

PAGE_SIZE = 4096
#: the largest record a program may reserve (RINGBUF_MAX_RECORD_SZ)
MAX_RECORD_SIZE = 0xFFFF_FFFF // 4
_HEADER = struct.Struct("<II")
_LENGTH = struct.Struct("<I")


class RingBase(Map):
    """What both ring types share: a data region twice the ring size (so a record running past
    the end stays contiguous) and positions that only grow."""

    _create_flags: ClassVar[int] = BPF_F_NUMA_NODE

    def _setup(self) -> None:
        self._mask = self.max_entries - 1
        self._data = self._add_region(2 * self.max_entries, "data")
        self._consumer = 0
        self._producer = 0

    def _header(self, offset: int) -> int:
        """The header word (length, busy and discard bits) of the record at ring offset
        ``offset``; 0 for an offset outside the ring."""
        return _LENGTH.unpack_from(self._data.buf, offset)[0] if 0 <= offset <= self._mask else 0

    def _set_header(self, offset: int, word: int) -> None:
        _LENGTH.pack_into(self._data.buf, offset, word)

    def _check_attrs(self) -> None:
        """``ringbuf_map_alloc``'s checks: no key or value, and a ring size (``max_entries``)
        that is a power of 2 and a multiple of the page size (else EINVAL)."""
        if self.key_size or self.value_size:
            raise MapError("create", EINVAL, "key_size and value_size must be 0")
        size = self.max_entries
        if size < PAGE_SIZE or size & (size - 1):
            raise MapError("create", EINVAL, f"max_entries must be a power of 2 and a multiple of {PAGE_SIZE}")


@final
class RingBuf(RingBase):
    """A multi-producer, single-consumer ring of records.

    ``max_entries`` is the ring size in bytes: a power of 2 and a multiple of the page size.
    Programs call :meth:`reserve` then :meth:`submit`, or :meth:`output`; Python reads with
    :meth:`poll` or :meth:`consume`.
    """

    type: ClassVar[MapType] = MapType.RINGBUF

    def _setup(self) -> None:
        super()._setup()
        self._ready = threading.Condition(self._lock)

    # -- program side --------------------------------------------------------------------

    def reserve(self, size: int, flags: int = 0) -> int:
        """``bpf_ringbuf_reserve``: the address of ``size`` writable bytes, or 0 when the ring
        has no room, the record could never fit, or ``flags`` is not 0."""
        if flags or size > MAX_RECORD_SIZE:
            return 0
        length = round8(size + BPF_RINGBUF_HDR_SZ)
        with self._lock:
            if self._producer + length - self._consumer > self._mask:
                return 0
            offset = self._producer & self._mask
            _HEADER.pack_into(
                self._data.buf, offset, size | BPF_RINGBUF_BUSY_BIT, offset // PAGE_SIZE
            )
            self._producer += length
        return self._data.base + offset + BPF_RINGBUF_HDR_SZ

    def _reserved(self, operation: str, address: int) -> tuple[int, int]:
        """The header offset and length word of the record reserved at ``address`` (the lock is
        held).

        Raises:
            MapError: EINVAL if no reserved record starts there.
        """
        offset = address - BPF_RINGBUF_HDR_SZ - self._data.base
        word = self._header(offset)
        if not word & BPF_RINGBUF_BUSY_BIT:
            raise MapError(operation, EINVAL, f"no reserved record at 0x{address:x}")
        return offset, word

    def record(self, address: int) -> Region:
        """The window a program may use of the record reserved at ``address``: its data only.

        Raises:
            MapError: EINVAL if no reserved record starts at ``address``.
        """
        with self._lock:
            offset, word = self._reserved("reserve", address)
        size = word & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)
        return self._data.view(offset + BPF_RINGBUF_HDR_SZ, size, f"ringbuf '{self.name}' record")

    def submit(self, address: int, discard: bool = False, flags: int = 0) -> None:
        """``bpf_ringbuf_submit`` (or ``_discard``) of the record reserved at ``address``.

        A waiting consumer is woken when it has reached this record, or always with
        BPF_RB_FORCE_WAKEUP, never with BPF_RB_NO_WAKEUP.

        Raises:
            MapError: EINVAL if no reserved record starts at ``address`` (a bug in the caller:
                the verifier lets programs submit only what they reserved).
        """
        with self._lock:
            offset, word = self._reserved("submit", address)
            word ^= BPF_RINGBUF_BUSY_BIT
            self._set_header(offset, word | (BPF_RINGBUF_DISCARD_BIT if discard else 0))
            caught_up = (self._consumer & self._mask) == offset
            if flags & BPF_RB_FORCE_WAKEUP or (caught_up and not flags & BPF_RB_NO_WAKEUP):
                self._ready.notify_all()

    def output(self, data: bytes, flags: int = 0) -> int:
        """``bpf_ringbuf_output``: copy ``data`` in as one record; 0, -EAGAIN when it does not
        fit, -EINVAL for unknown flags."""
        if flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP):
            return -EINVAL
        address = self.reserve(len(data))
        if not address:
            return -EAGAIN
        start = address - self._data.base
        self._data.buf[start : start + len(data)] = data
        self.submit(address, flags=flags)
        return 0

    def query(self, flags: int) -> int:
        """``bpf_ringbuf_query``: one of the BPF_RB_* positions or sizes; 0 for unknown flags."""
        with self._lock:
            answers = {
                BPF_RB_AVAIL_DATA: self._producer - self._consumer,
                BPF_RB_RING_SIZE: self.max_entries,
                BPF_RB_CONS_POS: self._consumer,
                BPF_RB_PROD_POS: self._producer,
            }
        return answers.get(flags, 0)

    # -- user side -----------------------------------------------------------------------

    def _ready_record(self) -> bool:
        """Whether the next record is submitted or discarded (the lock is held)."""
        if self._consumer == self._producer:
            return False
        word = self._header(self._consumer & self._mask)
        return not word & BPF_RINGBUF_BUSY_BIT

    def _next_record(self) -> bytes | None:
        """The next submitted record, consumed, skipping discarded ones; None if the next one is
        still reserved or there is none."""
        with self._lock:
            while self._ready_record():
                offset = self._consumer & self._mask
                word = self._header(offset)
                size = word & ~BPF_RINGBUF_DISCARD_BIT
                self._consumer += round8(size + BPF_RINGBUF_HDR_SZ)
                if not word & BPF_RINGBUF_DISCARD_BIT:
                    start = offset + BPF_RINGBUF_HDR_SZ
                    return bytes(self._data.buf[start : start + size])
            return None

    def poll(self, callback: Callable[[bytes], object], timeout: float | None = 0) -> int:
        """Wait up to ``timeout`` seconds (None: for ever) for a record, then pass every ready
        record to ``callback`` in order, as libbpf's ``ring_buffer__poll`` does.

        Returns:
            How many records were delivered; or, if ``callback`` returned a negative int, that
            value (delivery stops there, and the record that failed counts as consumed).
        """
        self._check_access("poll", read=True)
        with self._ready:
            self._ready.wait_for(self._ready_record, timeout)
        count = 0
        while (record := self._next_record()) is not None:
            rc = callback(record)
            if isinstance(rc, int) and rc < 0:
                return rc
            count += 1
        return count

    def consume(self) -> list[bytes]:
        """Every record ready now, in order, without waiting."""
        records: list[bytes] = []
        self.poll(records.append)
        return records
