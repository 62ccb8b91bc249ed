"""Perf event arrays (``BPF_MAP_TYPE_PERF_EVENT_ARRAY``) with the reader libbpf's perf buffer
and BCC's ``open_perf_buffer`` attach to them.

In the kernel each slot holds a perf event of type ``PERF_COUNT_SW_BPF_OUTPUT`` opened on one
CPU, whose ring buffer user space maps; ``bpf_perf_event_output`` appends a sample to the
event of the slot it names (usually the running CPU's). Here a slot holds such a ring: a
bounded queue of records. A sample's payload is what the kernel's ``PERF_SAMPLE_RAW`` carries:
the bytes the program gave, zero-padded so that with its 4-byte size field it fills a multiple
of 8 bytes (what libbpf hands its sample callback). When a ring is full the sample is lost:
the helper returns -ENOSPC and the ring reports the count, as the kernel's
``PERF_RECORD_LOST``, before the next sample that fits.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import ClassVar, final

from ._base import index_of
from ._errors import E2BIG, EINVAL, ENOENT, ENOSPC, EOPNOTSUPP
from ._object_maps import ObjectMapBase
from ._types import BPF_ANY, BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_WRONLY, MapType

__all__ = ["BPF_F_CURRENT_CPU", "BPF_F_INDEX_MASK", "PerfEventArray"]

BPF_F_INDEX_MASK = 0xFFFF_FFFF  #: the slot index in the helper's flags
BPF_F_CURRENT_CPU = BPF_F_INDEX_MASK  #: "the running CPU's slot"
PAGE_SIZE = 4096
DEFAULT_PAGES = 8  #: pages per CPU of a reader opened without a size (BCC's default)
HEADER_SIZE = 8  #: struct perf_event_header
LOST_RECORD_SIZE = HEADER_SIZE + 16  #: PERF_RECORD_LOST: header, id, count


def raw_size(size: int) -> int:
    """The size of a PERF_SAMPLE_RAW payload of ``size`` bytes: with its u32 size field it
    fills a multiple of 8 bytes."""
    return ((size + 4 + 7) & ~7) - 4


class _Ring:
    """One CPU's ring: samples and lost-counts in order, bounded in bytes."""

    def __init__(self, cpu: int, capacity: int) -> None:
        self.cpu = cpu
        self.capacity = capacity
        self.used = 0
        self.pending_lost = 0
        self.lost_total = 0
        self.records: deque[bytes | int] = deque()  # bytes: a sample; int: a lost count

    def append(self, payload: bytes) -> bool:
        need = HEADER_SIZE + 4 + len(payload) + (LOST_RECORD_SIZE if self.pending_lost else 0)
        if self.used + need > self.capacity:
            self.pending_lost += 1
            self.lost_total += 1
            return False
        if self.pending_lost:
            self.records.append(self.pending_lost)
            self.pending_lost = 0
        self.records.append(payload)
        self.used += need
        return True

    def pop(self) -> bytes | int:
        record = self.records.popleft()
        self.used -= LOST_RECORD_SIZE if isinstance(record, int) else HEADER_SIZE + 4 + len(record)
        return record


@final
class PerfEventArray(ObjectMapBase):
    """``BPF_MAP_TYPE_PERF_EVENT_ARRAY``: per-CPU output rings.

    A slot holds a ring from the moment user space stores a value in it (the kernel's perf
    event fd; here any 4 bytes) or :meth:`open_buffer` fills the CPUs' slots; a program's
    output to an empty slot fails with -ENOENT, as without a reader in the kernel.
    """

    type: ClassVar[MapType] = MapType.PERF_EVENT_ARRAY
    _create_flags: ClassVar[int] = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY
    value_sizes = frozenset({4})
    lookup_errno = EOPNOTSUPP
    max_update_flags = BPF_ANY
    delete_empty_errno = ENOENT
    delete_range_errno = E2BIG

    def _setup(self) -> None:
        super()._setup()
        self._rings: dict[int, _Ring] = {}
        self._ready = threading.Condition(self._lock)
        self.page_count = DEFAULT_PAGES

    def _store(self, key: bytes, value: bytes, flags: int) -> int:
        rc = super()._store(key, value, flags)
        if rc == 0:
            index = index_of(key)
            with self._lock:
                # the event's CPU: the slot's index, as libbpf's perf buffer opens them
                self._rings[index] = _Ring(index, self.page_count * PAGE_SIZE)
        return rc

    def delete(self, key: bytes) -> int:
        """Close the slot's event: its unread records go with it."""
        rc = super().delete(key)
        if rc == 0:
            with self._lock:
                self._rings.pop(index_of(key), None)
        return rc

    def open_buffer(self, page_count: int = DEFAULT_PAGES) -> None:
        """Open a reader: a ring of ``page_count`` pages for each CPU's slot, as libbpf's
        ``perf_buffer__new`` does (``page_count`` must be a power of 2, as there).

        Raises:
            ValueError: ``page_count`` is not a power of 2.
        """
        if page_count < 1 or page_count & (page_count - 1):
            raise ValueError(f"page_count must be a power of 2, got {page_count}")
        self.page_count = page_count
        for cpu in range(min(self.ncpus, self.max_entries)):
            self._store(cpu.to_bytes(4, "little"), cpu.to_bytes(4, "little"), BPF_ANY)

    @property
    def has_reader(self) -> bool:
        """Whether any slot holds a ring."""
        with self._lock:
            return bool(self._rings)

    def output(self, flags: int, cpu: int, data: bytes) -> int:
        """``bpf_perf_event_output``: append ``data`` to the ring of the slot ``flags`` names;
        0 or the kernel's negative errno."""
        if flags & ~BPF_F_INDEX_MASK:
            return -EINVAL
        index = cpu if flags == BPF_F_CURRENT_CPU else flags
        if index >= self.max_entries:
            return -E2BIG
        with self._ready:
            ring = self._rings.get(index)
            if ring is None:
                return -ENOENT
            if ring.cpu != cpu:
                return -EOPNOTSUPP  # the event is bound to another CPU
            if not ring.append(data + bytes(raw_size(len(data)) - len(data))):
                return -ENOSPC
            self._ready.notify_all()
        return 0

    def poll(
        self,
        callback: Callable[[bytes], object],
        timeout: float | None = 0,
        lost: Callable[[int, int], object] | None = None,
    ) -> int:
        """Wait up to ``timeout`` seconds (None: for ever) for a record, then deliver every
        ready record, CPU by CPU, as libbpf's ``perf_buffer__poll`` does: samples to
        ``callback(data)``, lost counts to ``lost(cpu, count)``.

        Returns:
            How many samples were delivered.
        """
        self._check_access("poll", read=True)
        with self._ready:
            self._ready.wait_for(lambda: any(r.records for r in self._rings.values()), timeout)
            ready = [(ring.cpu, ring.pop()) for ring in self._rings.values() for _ in range(len(ring.records))]
        count = 0
        for cpu, record in ready:
            if isinstance(record, int):
                if lost is not None:
                    lost(cpu, record)
                continue
            callback(record)
            count += 1
        return count

    def lost_count(self) -> int:
        """How many samples were lost to full rings so far."""
        with self._lock:
            return sum(r.lost_total for r in self._rings.values())
