"""A map's index kept in native memory, shared by compiled programs and the Python API.

Hash maps (plain, per-CPU, LRU) keep their keys' index
natively (a map allocated on demand gets all its slots at once, in memory that costs nothing
until used) (see :mod:`pybpf.engine._mapgen` for the layout);
arrays have no index, but get a descriptor too, so compiled helper calls reach their values
without Python. The elements stay where :class:`~pybpf.maps._elements.ElementMap` puts them:
one copy of the data, in the one registered region of the map's slots.

Values with special fields are copied around them natively (the descriptor's table of gaps);
where freeing an element calls back into Python (a timer, a kptr, a graph head:
:attr:`MapKind.RELEASE`), native code never frees one by itself: compiled programs' calls that
would fall back to Python, and the Python entry points leave the element's slot taken and say
which it is, for the map to free its fields and then the slot (:meth:`NativeIndex.update`).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import final

from ..engine import Region
from ..engine._mapgen import DESCRIPTOR_SLOTS, MapField, MapKind
from ..engine._native import NativeMapOps

__all__ = ["LINKS_SIZE", "NativeIndex"]

#: Bytes of a hash map slot's links (four ``i32``), between its key and its values: one
#: cache line then holds what a search reads of an element.
LINKS_SIZE = 16


def _buckets_for(max_entries: int) -> int:
    """A power of 2 at least ``max_entries``, as the kernel sizes a hash table."""
    return 1 << max(0, (max_entries - 1).bit_length())


@final
class NativeIndex:
    """The native side of one map: its descriptor and, for hash maps, the index buffers.

    Args:
        ops: the native operations.
        name: the map's name, for the buffers' names.
        kind: :class:`MapKind` bits.
        slots: the region holding every slot (one region, allocated up front or mapped lazily).
        total: the slots in it.
        sizes: key size, value size, slot size, offset of the first value in a slot (after
            the key and, for hash maps, the :data:`LINKS_SIZE` bytes of links), stride between
            per-CPU copies, copies per slot, max entries.
        lock: where a value's ``bpf_spin_lock`` is, or -1.
        gaps: for values with special fields (``kind`` has :attr:`MapKind.HOLES`), the
            ``[start, end)`` ranges of their other bytes: what copies write and what a
            program's lookup may open as its window (the largest).
    """

    def __init__(
        self, ops: NativeMapOps, name: str, kind: int, slots: Region, total: int, sizes: Sequence[int],
        lock: int = -1, gaps: Sequence[tuple[int, int]] = (),
    ) -> None:
        self._ops = ops
        self._descriptor = Region(8 * DESCRIPTOR_SLOTS, f"map '{name}' descriptor")
        self.address = self._descriptor.base
        fields = self._fields = self._descriptor.buf.cast("q")
        keys = (
            MapField.KEY_SIZE, MapField.VALUE_SIZE, MapField.SLOT_SIZE, MapField.KEY_AREA,
            MapField.STRIDE, MapField.COPIES, MapField.MAX_ENTRIES,
        )
        for field, value in zip(keys, sizes, strict=True):
            fields[field] = value
        fields[MapField.KIND] = kind
        fields[MapField.SLOTS] = slots.base
        fields[MapField.TOTAL] = total
        fields[MapField.WRITABLE] = int(slots.writable)
        fields[MapField.LOCK_AT] = lock
        self._buffers: list[Region] = [slots]
        fields[MapField.WIN_AT], fields[MapField.WIN_SIZE] = 0, sizes[1]
        if kind & MapKind.HOLES:
            table = self._buffer(16 * max(1, len(gaps)), name, "gaps")
            table.buf.cast("q")[: 2 * len(gaps)] = array("q", [bound for gap in gaps for bound in gap])
            fields[MapField.GAPS], fields[MapField.NGAPS] = table.base, len(gaps)
            start, end = max(gaps, key=lambda gap: gap[1] - gap[0], default=(0, 0))
            fields[MapField.WIN_AT], fields[MapField.WIN_SIZE] = start, end - start
        if not kind & MapKind.ARRAY:
            buckets = _buckets_for(sizes[-1])
            fields[MapField.MASK] = buckets - 1
            fields[MapField.BUCKETS] = self._buffer(4 * buckets, name, "buckets").base
            links_at = sizes[3] - LINKS_SIZE
            fields[MapField.META] = links_at
            self._links = slots.buf.cast("i")
            self._link_index = (links_at // 4, sizes[2] // 4)  # first link, i32s per slot
            fields[MapField.FREEQ] = self._buffer(4 * total, name, "free slots").base
        fields[MapField.LIVE] = 1

    def _buffer(self, size: int, name: str, what: str) -> Region:
        # Regions of 64 KiB and more are anonymous mappings: a big, mostly empty map's index
        # costs memory only where it is used. Never registered: programs cannot address it.
        region = Region(size, f"map '{name}' {what}", writable=False)
        self._buffers.append(region)
        return region

    def close(self) -> None:
        """Send compiled helper calls on this map back to Python (which refuses a closed map)."""
        self._fields[MapField.LIVE] = 0

    def used(self, slot: int) -> bool:
        """Whether ``slot`` was ever handed out (see ``_Slots.used``)."""
        return slot < self._fields[MapField.NEXT]

    def __len__(self) -> int:
        return self._fields[MapField.COUNT]

    def find(self, key: bytes) -> int | None:
        """The slot of ``key``, or None."""
        slot = self._ops.find(self.address, key)
        return None if slot < 0 else slot

    def lookup(self, key: bytes, cpu: int) -> int:
        """A program's lookup: the address of the value (``cpu``'s copy), or 0; an LRU map
        marks the key used."""
        return self._ops.lookup(self.address, key, cpu)

    def update(self, key: bytes, writes: Sequence[tuple[int, bytes]], flags: int, stride: int) -> int:
        """Set ``key``'s values for the copies in ``writes`` (one copy, or every copy in
        order): 0 or a negative errno; in a :attr:`MapKind.RELEASE` map, the slot + 1 of an
        element it replaced or evicted, out of the index but not free (see :meth:`release`);
        FALLBACK for a BPF_F_LOCK update of a present key whose lock someone holds."""
        if len(writes) == 1:
            copy, data = writes[0]
            return self._ops.update(self.address, key, data, flags, copy)
        packed = b"".join(data.ljust(stride, b"\0") for _, data in writes)
        return self._ops.update(self.address, key, packed, flags, -1)

    def delete(self, key: bytes) -> int:
        """Remove ``key`` and free its slot: 0 or -ENOENT."""
        return self._ops.delete(self.address, key)

    def unlink(self, key: bytes) -> int | None:
        """Take ``key`` out of the index and return its slot, not yet free; None if missing."""
        slot = self._ops.unlink(self.address, key)
        return None if slot < 0 else slot

    def release(self, slot: int) -> None:
        """Free a slot :meth:`unlink` returned."""
        self._ops.release(self.address, slot)

    def next_slot(self, key: bytes | None) -> int | None:
        """The slot of the key after ``key`` in order (the first if ``key`` is None or gone)."""
        slot = self._ops.next(self.address, key or b"", key is not None)
        return None if slot < 0 else slot

    def slots(self) -> list[int]:
        """Every element's slot, in order (insertion order; LRU: least recently used first)."""
        links, found = self._links, []
        first, per_slot = self._link_index
        at = self._fields[MapField.HEAD]
        # Bounded by the map's size: another thread may relink elements during the walk.
        for _ in range(self._fields[MapField.TOTAL]):
            if not at:
                break
            found.append(at - 1)
            at = links[first + per_slot * (at - 1) + 2]
        return found
