"""Arrays of kernel objects (``fd_array`` in the kernel): program arrays and arrays of maps.

User space stores an object at an index (the kernel takes a file descriptor); programs never
see these values as memory, so they are kept as Python objects.
"""

from __future__ import annotations

import abc
from typing import ClassVar

from ._base import Map, index_of, next_index
from ._errors import E2BIG, EINVAL, KeyNotExistError, MapError
from ._types import BPF_ANY, BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_WRONLY

__all__ = ["FdArrayMap"]


class FdArrayMap(Map):
    """An array whose values are objects; empty slots hold nothing."""

    holds_objects: ClassVar[bool] = True
    # fd_array_map_alloc_check: no program access flags, no mmap, no inner-map flag
    _create_flags: ClassVar[int] = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY

    def _setup(self) -> None:
        self._objects: list[object | None] = [None] * self.max_entries

    def _check_attrs(self) -> None:
        if self.key_size != 4 or self.value_size != 4:
            raise MapError("create", EINVAL, "key_size and value_size must be 4")
        if self.max_entries == 0:
            raise MapError("create", EINVAL, "max_entries must not be 0")

    @abc.abstractmethod
    def _accept(self, operation: str, value: object) -> object:
        """``value`` as this array stores it, or a :class:`MapError` if it may not hold it."""

    def _object_at(self, key: bytes) -> object | None:
        index = index_of(key)
        return self._objects[index] if index < self.max_entries else None

    def lookup_elem(self, key: bytes, flags: int = 0) -> object:
        """The object at index ``key``."""
        self._check_access("lookup", read=True)
        key = self._check_key("lookup", key)
        if flags:
            raise MapError("lookup", EINVAL, f"invalid flags 0x{flags:x}")
        found = self._object_at(key)
        if found is None:
            raise KeyNotExistError("lookup")
        return found

    def update_elem(self, key: bytes, value: object, flags: int = 0) -> None:
        """Store ``value`` at index ``key``; only BPF_ANY is allowed."""
        self._check_access("update", write=True)
        key = self._check_key("update", key)
        if flags != BPF_ANY:
            raise MapError("update", EINVAL, "flags must be BPF_ANY")
        index = index_of(key)
        if index >= self.max_entries:
            raise MapError("update", E2BIG, f"index {index} out of range")
        new = self._accept("update", value)
        old, self._objects[index] = self._objects[index], new
        if old is not new:
            self.on_hold(new)
            if old is not None:
                self.on_release(old)

    def delete_elem(self, key: bytes) -> None:
        """Empty index ``key``."""
        self._check_access("delete", write=True)
        index = index_of(self._check_key("delete", key))
        if index >= self.max_entries:
            raise MapError("delete", E2BIG, f"index {index} out of range")
        old = self._objects[index]
        if old is None:
            raise KeyNotExistError("delete")
        self._objects[index] = None
        self.on_release(old)

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """The next index, empty or not, as for arrays."""
        return next_index(self._walk_from(key), self.max_entries)

    def held(self) -> list[object]:
        """The objects the array holds references to (inner maps, programs)."""
        return [o for o in self._objects if o is not None]

    def keys(self) -> list[bytes]:
        """The indices that hold an object."""
        self._check_access("keys", read=True)
        return [i.to_bytes(4, "little") for i, o in enumerate(self._objects) if o is not None]

    def close(self) -> None:
        """Free the array and drop its references to the objects it held."""
        held = self.held()
        super().close()
        self._objects = [None] * self.max_entries
        for obj in held:
            self.on_release(obj)
