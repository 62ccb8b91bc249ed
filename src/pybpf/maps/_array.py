"""Array maps (``BPF_MAP_TYPE_ARRAY``) and per-CPU arrays (``BPF_MAP_TYPE_PERCPU_ARRAY``).

Every index from 0 to ``max_entries - 1`` exists from creation, zero-filled; an update copies
in place and then frees the element's special fields (``array_map_update_elem``), so a running
timer stops even with BPF_F_LOCK. Elements cannot be deleted: the kernel answers EINVAL, and
:meth:`ArrayMap.clear_elem` offers pybpf's "zero it" instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar, final

from ..engine._mapgen import MapKind
from ._base import index_of, next_index
from ._elements import ElementMap, Writes
from ._errors import E2BIG, EEXIST, EINVAL, KeyNotExistError, MapError
from ._types import (
    BPF_EXIST,
    BPF_F_ACCESS_MASK,
    BPF_F_INNER_MAP,
    BPF_F_LOCK,
    BPF_F_MMAPABLE,
    BPF_F_NUMA_NODE,
    BPF_NOEXIST,
    MapType,
)

__all__ = ["ArrayBase", "ArrayMap", "PerCpuArrayMap"]


class ArrayBase(ElementMap):
    """What arrays and per-CPU arrays share: 4-byte index keys and in-place updates."""

    def _check_attrs(self) -> None:
        if self.key_size != 4:
            raise MapError("create", EINVAL, f"array keys must be 4 bytes, got {self.key_size}")
        if self.max_entries == 0:
            raise MapError("create", EINVAL, "max_entries must not be 0")
        self._check_value_size()

    def _preallocated(self) -> int:
        return self.max_entries

    def _find(self, key: bytes) -> int | None:
        index = index_of(key)
        return index if index < self.max_entries else None

    def _live_slots(self) -> Iterable[int]:
        return range(self.max_entries)

    def element_key(self, slot: int) -> bytes:
        """The key of element ``slot``: its index."""
        return slot.to_bytes(4, "little")

    def _update(self, key: bytes, writes: Writes, flags: int) -> int:
        """Copy in place, then free the element's special fields (even with BPF_F_LOCK)."""
        if (flags & ~BPF_F_LOCK) > BPF_EXIST:
            return -EINVAL
        index = index_of(key)
        if index >= self.max_entries:
            return -E2BIG
        if flags & BPF_NOEXIST:
            return -EEXIST
        locked = bool(flags & BPF_F_LOCK)
        if locked and self._lock_offset is None:
            return -EINVAL
        for copy, data in writes:
            self._write(index, copy, data, locked)
        self._free_fields(index)
        return 0

    def delete(self, key: bytes) -> int:
        """Array elements cannot be deleted: -EINVAL, as in the kernel."""
        return -EINVAL

    def delete_elem(self, key: bytes) -> None:
        """Refused with EINVAL, as the kernel refuses it; :meth:`clear_elem` zeroes an element."""
        self._check_access("delete", write=True)
        self._check_key("delete", key)
        raise MapError("delete", EINVAL, "array elements cannot be deleted")

    def clear_elem(self, key: bytes) -> None:
        """Zero the element at ``key`` after freeing its special fields (its timer stops).

        This is what ``del`` on an array means in pybpf: the kernel has no such operation.

        Raises:
            KeyNotExistError: if the index is out of range.
        """
        self._check_access("clear", write=True)
        slot = self._find(self._check_key("clear", key))
        if slot is None:
            raise KeyNotExistError("clear")
        self._free_fields(slot)
        self._zero(slot)

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """The next index: 0 after None or an out-of-range index, None after the last."""
        return next_index(self._walk_from(key), self.max_entries)

    def _walk_keys(self) -> Iterator[bytes]:
        return (i.to_bytes(4, "little") for i in range(self.max_entries))

    def keys(self) -> list[bytes]:
        """Every index, in order."""
        self._check_access("keys", read=True)
        return [i.to_bytes(4, "little") for i in range(self.max_entries)]


@final
class ArrayMap(ArrayBase):
    """``BPF_MAP_TYPE_ARRAY``: may hold a ``bpf_timer`` and a ``bpf_spin_lock`` per value."""

    type: ClassVar[MapType] = MapType.ARRAY
    _native_kind: ClassVar[int | None] = MapKind.ARRAY
    _create_flags: ClassVar[int] = (
        BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_INNER_MAP
    )
    _special_sizes: ClassVar[frozenset[int]] = frozenset({4, 16})


@final
class PerCpuArrayMap(ArrayBase):
    """``BPF_MAP_TYPE_PERCPU_ARRAY``: one value per CPU; programs see their CPU's copy."""

    type: ClassVar[MapType] = MapType.PERCPU_ARRAY
    percpu: ClassVar[bool] = True
    _native_kind: ClassVar[int | None] = MapKind.ARRAY | MapKind.PERCPU
    _create_flags: ClassVar[int] = BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK
