"""Local storage maps: a value attached to a kernel object (``BPF_MAP_TYPE_SK_STORAGE``,
``TASK_STORAGE``, ``INODE_STORAGE``, ``CGRP_STORAGE``).

Programs reach a value through the object it belongs to (``bpf_task_storage_get(map, task,
init, flags)``), creating it with ``BPF_LOCAL_STORAGE_GET_F_CREATE``; user space reaches it
through a file descriptor of the object (a socket, a pidfd, a cgroup directory). pybpf's objects
have no descriptors, so from user space every key is a descriptor that does not exist
(EBADF), and the values are reachable from programs and from :meth:`values`.

A value may hold a ``bpf_spin_lock`` (not a ``bpf_timer`` or ``bpf_wq``: the kernel refuses
those in local storage with EOPNOTSUPP). As in other maps, the lock's bytes are a hole that
programs cannot address, the value's other bytes are theirs, and an initial value is copied
around the lock.
"""

from __future__ import annotations

from typing import ClassVar, final

from ..engine import Region, SlotArea
from ._base import Map, plain_ranges
from ._errors import E2BIG, EBADF, EINVAL, ENOENT, MapError
from ._types import BPF_F_NO_PREALLOC, MapType

__all__ = ["BPF_LOCAL_STORAGE_GET_F_CREATE", "CgrpStorage", "InodeStorage", "LocalStorageBase", "SkStorage", "TaskStorage"]

BPF_LOCAL_STORAGE_GET_F_CREATE = 1  #: *_storage_get: create the value when missing
BPF_F_CLONE = 1 << 9  #: sk storage: a cloned socket gets a copy
#: BPF_LOCAL_STORAGE_MAX_VALUE_SIZE: U16_MAX less sizeof(struct bpf_local_storage_elem), 128
#: bytes on Linux 6.18 x86_64 (the kernel creates a cgroup storage of 65407 bytes, not 65408)
VALUE_SIZE_MAX = 65535 - 128


class LocalStorageBase(Map):
    """Values keyed by the address of the object they belong to."""

    _create_flags: ClassVar[int] = BPF_F_NO_PREALLOC | BPF_F_CLONE
    _special_sizes: ClassVar[frozenset[int]] = frozenset({4})  #: a bpf_spin_lock only

    def _setup(self) -> None:
        self._owned: dict[int, Region] = {}
        #: the value's ranges around its special fields: what programs may address
        self._layout = plain_ranges(self.special_fields, self.value_size)
        #: the areas registered for the values, by base address (field lookups)
        self._areas_by_base: dict[int, SlotArea] = {}

    def _check_attrs(self) -> None:
        """``bpf_local_storage_map_alloc_check``: BPF_F_NO_PREALLOC, max_entries 0, an int key."""
        if not self.flags & BPF_F_NO_PREALLOC or self.max_entries or self.key_size != 4 or self.value_size == 0:
            raise MapError("create", EINVAL, "local storage needs BPF_F_NO_PREALLOC, max_entries 0 and a 4-byte key")
        if self.value_size > VALUE_SIZE_MAX:
            raise MapError("create", E2BIG, f"value_size over {VALUE_SIZE_MAX}")

    def get(self, owner: int, init: bytes | None, flags: int) -> int:
        """``bpf_*_storage_get``: the address of ``owner``'s value, created (from ``init`` or
        zeros) with BPF_LOCAL_STORAGE_GET_F_CREATE; 0 when missing or ``owner`` is NULL."""
        if flags & ~BPF_LOCAL_STORAGE_GET_F_CREATE or not owner:
            return 0
        with self._lock:
            region = self._owned.get(owner)
            if region is None and flags & BPF_LOCAL_STORAGE_GET_F_CREATE:
                region = self._add_region(self.value_size, f"storage of 0x{owner:x}")
                data = (init or b"").ljust(self.value_size, b"\0")
                for start, end in self._layout:  # copy_map_value: the lock starts zeroed
                    region.buf[start:end] = data[start:end]
                self._owned[owner] = region
                area = SlotArea(region, self.value_size, 0, self._layout)
                self._areas_by_base[region.base] = area
                self._register(area)
        return 0 if region is None else region.base

    def field_at(self, address: int, size: int) -> tuple[int, Region] | None:
        """(0, the value's region) when ``address`` is exactly the special field of ``size``
        bytes of a value this map holds now, else None: how the spin lock helpers tell a real
        lock from a forged pointer."""
        for offset, field_size in self.special_fields:
            area = self._areas_by_base.get(address - offset)
            if field_size == size and area is not None:
                return 0, area.region
        return None

    def remove(self, owner: int) -> int:
        """``bpf_*_storage_delete``: 0, or -ENOENT when ``owner`` has no value."""
        with self._lock:
            region = self._owned.pop(owner, None)
            area = None if region is None else self._areas_by_base.pop(region.base)
        if region is None or area is None:
            return -ENOENT
        self.space.remove(area)
        self._areas.remove(area)
        self._regions.remove(region)
        return 0

    def values(self) -> dict[int, bytes]:
        """Every value, by the address of its owner (pybpf's own view: the kernel has none)."""
        with self._lock:
            return {owner: bytes(r.buf) for owner, r in self._owned.items()}

    def _no_descriptor(self, operation: str) -> MapError:
        return MapError(operation, EBADF, "the key must be a descriptor of the owning object; pybpf's objects have none")

    def lookup_elem(self, key: bytes, flags: int = 0) -> bytes:
        """Raises MapError (EBADF): no descriptor names an object here."""
        self._check_access("lookup", read=True)
        raise self._no_descriptor("lookup")

    def update_elem(self, key: bytes, value: object, flags: int = 0) -> None:
        """Raises MapError (EBADF): no descriptor names an object here."""
        self._check_access("update", write=True)
        raise self._no_descriptor("update")

    def delete_elem(self, key: bytes) -> None:
        """Raises MapError (EBADF): no descriptor names an object here."""
        self._check_access("delete", write=True)
        raise self._no_descriptor("delete")

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """Local storage cannot be walked from user space (EOPNOTSUPP in the kernel: ENOTSUPP)."""
        self._check_access("get next key", read=True)
        raise MapError("get next key", self._unsupported)

    def keys(self) -> list[bytes]:
        """No keys: values are reached through their owners."""
        return []


@final
class SkStorage(LocalStorageBase):
    """``BPF_MAP_TYPE_SK_STORAGE``: a value per socket."""

    type: ClassVar[MapType] = MapType.SK_STORAGE


@final
class TaskStorage(LocalStorageBase):
    """``BPF_MAP_TYPE_TASK_STORAGE``: a value per task."""

    type: ClassVar[MapType] = MapType.TASK_STORAGE
    _create_flags: ClassVar[int] = BPF_F_NO_PREALLOC


@final
class InodeStorage(LocalStorageBase):
    """``BPF_MAP_TYPE_INODE_STORAGE``: a value per inode."""

    type: ClassVar[MapType] = MapType.INODE_STORAGE
    _create_flags: ClassVar[int] = BPF_F_NO_PREALLOC


@final
class CgrpStorage(LocalStorageBase):
    """``BPF_MAP_TYPE_CGRP_STORAGE``: a value per cgroup."""

    type: ClassVar[MapType] = MapType.CGRP_STORAGE
    _create_flags: ClassVar[int] = BPF_F_NO_PREALLOC
