"""Maps of maps (``BPF_MAP_TYPE_ARRAY_OF_MAPS``, ``BPF_MAP_TYPE_HASH_OF_MAPS``).

Values are inner :class:`Map` objects (user space may also give an inner map's address). Every
inner map must match the template given at creation, by the kernel's ``bpf_map_meta_equal``:
same type, key and value sizes, flags and special fields; arrays must also have the same
``max_entries`` unless the template has BPF_F_INNER_MAP. A program's lookup returns the inner
map's pointer, which it can pass to the map helpers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, final

from ._base import KEY_SIZE_MAX, Map, exists_error, hash_flags_error, map_at
from ._errors import E2BIG, EBADF, EINVAL, KeyNotExistError, MapError
from ._fd_array import FdArrayMap
from ._types import (
    BPF_F_ACCESS_MASK,
    BPF_F_INNER_MAP,
    BPF_F_NO_PREALLOC,
    BPF_F_NUMA_NODE,
    BPF_F_ZERO_SEED,
    MapType,
)

__all__ = ["ArrayOfMaps", "HashOfMaps"]

_SIZED_BY_TEMPLATE = (MapType.ARRAY, MapType.PERCPU_ARRAY)


@dataclass(frozen=True)
class _Template:
    """What an inner map must look like (the kernel's ``inner_map_meta``)."""

    type: MapType
    key_size: int
    value_size: int
    max_entries: int
    flags: int
    special_fields: tuple[tuple[int, int], ...]

    @classmethod
    def describe(cls, inner: Map) -> _Template:
        """The template ``inner`` itself would make."""
        return cls(
            inner.type,
            inner.key_size,
            inner.value_size,
            inner.max_entries,
            inner.flags,
            inner.special_fields,
        )

    @classmethod
    def of(cls, inner: Map | None) -> _Template:
        """The template of a new map of maps, refusing what ``bpf_map_meta_alloc`` refuses."""
        if inner is None:
            raise MapError("create", EINVAL, "a map of maps needs an inner map template")
        if inner.type in (MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS):
            raise MapError("create", EINVAL, "maps of maps cannot nest")
        return cls.describe(inner)

    def admit(self, operation: str, value: object) -> Map:
        """The inner map ``value`` names (a map or its address), if it matches."""
        inner = (
            value if isinstance(value, Map) else map_at(value) if isinstance(value, int) else None
        )
        if inner is None or inner.closed:
            raise MapError(operation, EBADF, "value must be an open map or its address")
        if not self._matches(_Template.describe(inner)):
            raise MapError(operation, EINVAL, "inner map does not match the template")
        return inner

    def _matches(self, other: _Template) -> bool:
        if self.type in _SIZED_BY_TEMPLATE and not self.flags & BPF_F_INNER_MAP:
            return other == self
        return dataclasses.replace(other, max_entries=self.max_entries) == self


def _address(inner: object | None) -> int:
    """What a program's lookup returns: the inner map's pointer, or 0."""
    return inner.address if isinstance(inner, Map) else 0


@final
class ArrayOfMaps(FdArrayMap):
    """``BPF_MAP_TYPE_ARRAY_OF_MAPS``: an array of inner maps.

    Args:
        inner_map: the template every inner map must match (the kernel's ``inner_map_fd``).
    """

    type: ClassVar[MapType] = MapType.ARRAY_OF_MAPS

    def __init__(self, *args: Any, inner_map: Map | None = None, **kwargs: Any) -> None:
        """The arguments of :class:`Map`, and the template inner maps must match."""
        self._template = _Template.of(inner_map)
        super().__init__(*args, **kwargs)

    def _accept(self, operation: str, value: object) -> object:
        return self._template.admit(operation, value)

    def lookup(self, key: bytes, cpu: int) -> int:
        """The pointer of the inner map at index ``key``, or 0."""
        return _address(self._object_at(key))


@final
class HashOfMaps(Map):
    """``BPF_MAP_TYPE_HASH_OF_MAPS``: inner maps by key, with hash-map update rules.

    Args:
        inner_map: the template every inner map must match (the kernel's ``inner_map_fd``).
    """

    type: ClassVar[MapType] = MapType.HASH_OF_MAPS
    holds_objects: ClassVar[bool] = True
    _create_flags: ClassVar[int] = (
        BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED
    )

    def __init__(self, *args: Any, inner_map: Map | None = None, **kwargs: Any) -> None:
        """The arguments of :class:`Map`, and the template inner maps must match."""
        self._template = _Template.of(inner_map)
        super().__init__(*args, **kwargs)
        self._inner: dict[bytes, Map] = {}

    def _check_attrs(self) -> None:
        if self.key_size == 0 or self.max_entries == 0 or self.value_size != 4:
            raise MapError(
                "create", EINVAL, "key_size and max_entries must not be 0, value_size must be 4"
            )
        if self.key_size > KEY_SIZE_MAX:
            raise MapError("create", E2BIG, f"keys are limited to {KEY_SIZE_MAX} bytes")

    def lookup(self, key: bytes, cpu: int) -> int:
        """The pointer of the inner map under ``key``, or 0."""
        return _address(self._inner.get(key))

    def lookup_elem(self, key: bytes, flags: int = 0) -> Map:
        """The inner map under ``key``."""
        self._check_access("lookup", read=True)
        key = self._check_key("lookup", key)
        if flags:
            raise MapError("lookup", EINVAL, f"invalid flags 0x{flags:x}")
        inner = self._inner.get(key)
        if inner is None:
            raise KeyNotExistError("lookup")
        return inner

    def update_elem(self, key: bytes, value: object, flags: int = 0) -> None:
        """Store the inner map ``value`` (a map or its address) under ``key``."""
        self._check_access("update", write=True)
        key = self._check_key("update", key)
        self._raise_for("update", hash_flags_error(flags, has_spin_lock=False))
        inner = self._template.admit("update", value)
        with self._lock:
            exists = key in self._inner
            self._raise_for("update", exists_error(exists, flags))
            if not exists and len(self._inner) >= self.max_entries:
                raise MapError("update", E2BIG)
            old = self._inner.get(key)
            self._inner[key] = inner
        if old is not inner:
            self.on_hold(inner)
            if old is not None:
                self.on_release(old)

    def delete_elem(self, key: bytes) -> None:
        """Remove the inner map under ``key``."""
        self._check_access("delete", write=True)
        key = self._check_key("delete", key)
        with self._lock:
            old = self._inner.pop(key, None)
        if old is None:
            raise KeyNotExistError("delete")
        self.on_release(old)

    def held(self) -> list[object]:
        """The inner maps this map holds references to."""
        with self._lock:
            return list(self._inner.values())

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """The key after ``key`` in insertion order (the first if ``key`` is None or gone)."""
        return self._next_of_keys(key)

    def keys(self) -> list[bytes]:
        """Every key, in insertion order."""
        self._check_access("keys", read=True)
        with self._lock:
            return list(self._inner)

    def close(self) -> None:
        """Free the map and drop its references to the inner maps."""
        held = self.held()
        super().close()
        self._inner = {}
        for inner in held:
            self.on_release(inner)
