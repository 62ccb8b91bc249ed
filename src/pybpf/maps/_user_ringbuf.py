"""User ring buffers (``BPF_MAP_TYPE_USER_RINGBUF``): samples from user space to programs.

The reverse of a ring buffer: user space produces, as libbpf's ``user_ring_buffer`` does
(:meth:`UserRingBuf.reserve`, then :meth:`UserRingBuf.submit` or :meth:`UserRingBuf.discard`),
and a program consumes with ``bpf_user_ringbuf_drain(map, callback, ctx, flags)``, which calls
``callback(dynptr, ctx)`` for each submitted sample in order. The layout and rules are the
kernel's (``kernel/bpf/ringbuf.c``): an 8-byte header whose length word carries the BUSY and
DISCARD bits, samples rounded up to 8 bytes, positions that only grow. A reserved sample holds
the producer position, so the drain stops at it until it is submitted; discarded samples are
skipped and not counted. As in :mod:`._ringbuf`, the data region is twice the ring size so a
sample running past the end stays contiguous.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, final

from ..engine import Region
from ._base import round8
from ._errors import E2BIG, EBUSY, EINVAL, ENOSPC, MapError
from ._ringbuf import RingBase
from ._types import (
    BPF_RB_FORCE_WAKEUP,
    BPF_RB_NO_WAKEUP,
    BPF_RINGBUF_BUSY_BIT,
    BPF_RINGBUF_DISCARD_BIT,
    BPF_RINGBUF_HDR_SZ,
    MapType,
)

__all__ = ["MAX_DRAINED_SAMPLES", "UserRingBuf", "UserSample"]

MAX_DRAINED_SAMPLES = 128 * 1024  #: BPF_MAX_USER_RINGBUF_SAMPLES: the most one drain visits
DYNPTR_MAX_SIZE = (1 << 24) - 1  #: a larger sample cannot be handed over as a dynptr (E2BIG)
_LENGTH = struct.Struct("<I")
_FLAG_BITS = BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT
ENODATA, EAGAIN = 61, 11

#: ``callback(address, size)`` of a drain: the sample's address and size; returns the
#: program callback's verdict (0: go on, 1: stop)
SampleCallback = Callable[[int, int], int]


@final
@dataclass(frozen=True)
class UserSample:
    """A sample :meth:`UserRingBuf.reserve` gave out: write ``data``, then submit or discard."""

    offset: int  #: where its header is in the ring
    data: memoryview  #: its bytes, writable until it is submitted or discarded


@final
class UserRingBuf(RingBase):
    """A single-producer (user space), single-consumer (programs) ring of samples."""

    type: ClassVar[MapType] = MapType.USER_RINGBUF

    def _setup(self) -> None:
        super()._setup()
        self._draining = False
        #: signalled when a drain wakes user space (room may have been freed)
        self._drained = threading.Condition(self._lock)

    # -- user side (libbpf's user_ring_buffer__*) ------------------------------------------

    def reserve(self, size: int) -> UserSample:
        """Reserve a sample of ``size`` bytes and return its writable bytes; the sample holds
        back every later one until it is submitted or discarded.

        Raises:
            MapError: E2BIG if ``size`` uses the header's flag bits or the sample could never
                fit the ring, ENOSPC if the ring has no room now.
        """
        self._check_access("reserve", write=True)
        if size < 0 or size & _FLAG_BITS:
            raise MapError("reserve", E2BIG, f"sample size {size}")
        total = round8(size + BPF_RINGBUF_HDR_SZ)
        with self._lock:
            if total > self.max_entries:
                raise MapError("reserve", E2BIG, f"a sample of {size} bytes never fits a ring of {self.max_entries}")
            if self.max_entries - (self._producer - self._consumer) < total:
                raise MapError("reserve", ENOSPC, "the ring is full")
            offset = self._producer & self._mask
            _LENGTH.pack_into(self._data.buf, offset, size | BPF_RINGBUF_BUSY_BIT)
            self._producer += total
        start = offset + BPF_RINGBUF_HDR_SZ
        return UserSample(offset, memoryview(self._data.buf).cast("B")[start : start + size])

    def reserve_blocking(self, size: int, timeout: float | None = None) -> UserSample:
        """:meth:`reserve`, waiting while the ring is full for a program's drain to wake it,
        up to ``timeout`` seconds (None: for ever), then trying once more (libbpf's
        ``user_ring_buffer__reserve_blocking``). A drain wakes waiters when it consumed a
        sample, unless it passed BPF_RB_NO_WAKEUP, and always with BPF_RB_FORCE_WAKEUP.

        Raises:
            MapError: E2BIG at once for a sample that never fits, ENOSPC if the ring is still
                full after the wait.
            ValueError: ``timeout`` is negative.
        """
        if timeout is not None and timeout < 0:
            raise ValueError(f"reserve_blocking: timeout must not be negative, got {timeout}")
        try:
            return self.reserve(size)
        except MapError as err:
            if err.errno != ENOSPC:
                raise
        total = round8(size + BPF_RINGBUF_HDR_SZ)
        with self._drained:
            self._drained.wait_for(lambda: self.max_entries - (self._producer - self._consumer) >= total, timeout)
        return self.reserve(size)

    def _commit(self, operation: str, sample: UserSample, discard: bool) -> None:
        if not isinstance(sample, UserSample):
            raise TypeError(f"{operation}: expected a sample from reserve(), got {type(sample).__name__}")
        with self._lock:
            word = _LENGTH.unpack_from(self._data.buf, sample.offset)[0] if 0 <= sample.offset <= self._mask else 0
            if not word & BPF_RINGBUF_BUSY_BIT:
                raise MapError(operation, EINVAL, "not a sample this ring holds reserved")
            word &= ~BPF_RINGBUF_BUSY_BIT
            _LENGTH.pack_into(self._data.buf, sample.offset, word | (BPF_RINGBUF_DISCARD_BIT if discard else 0))

    def submit(self, sample: UserSample) -> None:
        """Hand a reserved sample to the programs that drain the ring.

        Raises:
            MapError: EINVAL if ``sample`` is not a sample this ring reserved and still holds.
        """
        self._commit("submit", sample, discard=False)

    def discard(self, sample: UserSample) -> None:
        """Give a reserved sample up: the drain skips it."""
        self._commit("discard", sample, discard=True)

    def push(self, data: bytes) -> None:
        """Reserve, fill and submit one sample of ``data``."""
        sample = self.reserve(len(data))
        sample.data[:] = data
        self.submit(sample)

    # -- program side ----------------------------------------------------------------------

    def drain(self, flags: int, callback: SampleCallback) -> int:
        """``bpf_user_ringbuf_drain``: pass each submitted sample to ``callback`` until it
        returns non-zero, a sample is still reserved, or the ring is empty. Returns how many
        samples were passed (discarded ones are skipped uncounted), -EINVAL for flags other
        than the wake-up ones, -EBUSY while another drain runs, or the error of a malformed
        sample (-EINVAL, -E2BIG)."""
        if flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP):
            return -EINVAL
        with self._lock:
            if self._draining:
                return -EBUSY
            self._draining = True
        samples = 0
        try:
            discarded, verdict = 0, 0
            while samples < MAX_DRAINED_SAMPLES and verdict == 0:
                peeked = self._peek()
                if peeked == -ENODATA:
                    break
                samples += 1  # the kernel counts the discarded ones against the limit too
                if peeked == -EAGAIN:
                    discarded += 1
                    continue
                if peeked < 0:
                    return peeked
                size = _LENGTH.unpack_from(self._data.buf, self._consumer & self._mask)[0]
                start = (self._consumer & self._mask) + BPF_RINGBUF_HDR_SZ
                verdict = callback(self._data.base + start, size)
                with self._lock:
                    self._consumer += round8(size + BPF_RINGBUF_HDR_SZ)
            return samples - discarded
        finally:
            with self._lock:
                self._draining = False
                if flags & BPF_RB_FORCE_WAKEUP or (samples and not flags & BPF_RB_NO_WAKEUP):
                    self._drained.notify_all()

    def _peek(self) -> int:
        """``__bpf_user_ringbuf_peek``: 0 when a submitted sample is next, -ENODATA when none
        (or it is still reserved), -EAGAIN after skipping a discarded one, -EINVAL or -E2BIG
        for a sample that cannot be right."""
        with self._lock:
            if self._producer % 8:
                return -EINVAL
            if self._consumer >= self._producer:
                return -ENODATA
            word = _LENGTH.unpack_from(self._data.buf, self._consumer & self._mask)[0]
            size = word & ~_FLAG_BITS
            total = round8(size + BPF_RINGBUF_HDR_SZ)
            if total > self._producer - self._consumer:
                return -EINVAL
            if total > self.max_entries or size > DYNPTR_MAX_SIZE:
                return -E2BIG
            if word & BPF_RINGBUF_DISCARD_BIT:
                self._consumer += total
                return -EAGAIN
            if word & BPF_RINGBUF_BUSY_BIT:
                return -ENODATA
            return 0

    def sample_window(self, address: int, size: int) -> Region:
        """The region a drain callback may read and write: the sample's bytes only."""
        return self._data.view(address - self._data.base, size, f"user ringbuf '{self.name}' sample")

    def pending(self) -> int:
        """Bytes reserved or submitted and not yet drained."""
        with self._lock:
            return self._producer - self._consumer
