"""LRU hash maps (``BPF_MAP_TYPE_LRU_HASH``, ``BPF_MAP_TYPE_LRU_PERCPU_HASH``).

A full LRU map accepts a new key by evicting the least recently used element, freeing its
special fields (its timer stops). Programs' lookups and every update mark a key used;
user-space lookups do not (``htab_lru_map_lookup_elem_sys``).

pybpf keeps one exact LRU order. The kernel approximates it with per-CPU free lists and
reference bits, so it may evict a little earlier or pick a slightly different victim; what
holds in both is that a full map takes new keys and that recently used keys survive a flood
of new ones. BPF_F_NO_COMMON_LRU is accepted and behaves like the common list.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import ClassVar, final

from ..engine._mapgen import MapKind
from ._errors import ENOTSUPP, MapError
from ._hash import HashBase
from ._types import BPF_F_NO_COMMON_LRU, BPF_F_NO_PREALLOC, MapType

__all__ = ["LruBase", "LruHashMap", "LruPerCpuHashMap"]


class LruBase(HashBase):
    """What LRU maps share: eviction instead of E2BIG, and use tracking."""

    _create_flags: ClassVar[int] = HashBase._create_flags | BPF_F_NO_COMMON_LRU
    _elements: OrderedDict[bytes, int]

    @staticmethod
    def _new_index() -> OrderedDict[bytes, int]:
        return OrderedDict()

    def _check_attrs(self) -> None:
        if self.flags & BPF_F_NO_PREALLOC:
            raise MapError("create", ENOTSUPP, "lru maps are always preallocated")
        super()._check_attrs()

    def _used(self, key: bytes) -> None:
        self._elements.move_to_end(key)
        self._walk = None  # get_next_key follows keys(): least recently used first

    def _victim(self) -> int | None:
        return self._elements.popitem(last=False)[1]

    def lookup(self, key: bytes, cpu: int) -> int:
        """The address of ``key``'s value, or 0; marks ``key`` used, as program lookups do."""
        if self._native is not None:
            return super().lookup(key, cpu)
        with self._lock:
            if key in self._elements:
                self._used(key)
        return super().lookup(key, cpu)


@final
class LruHashMap(LruBase):
    """``BPF_MAP_TYPE_LRU_HASH``: may hold a ``bpf_timer`` per value (not a spin lock)."""

    type: ClassVar[MapType] = MapType.LRU_HASH
    _native_kind: ClassVar[int | None] = MapKind.LRU
    _special_sizes: ClassVar[frozenset[int]] = frozenset({16})


@final
class LruPerCpuHashMap(LruBase):
    """``BPF_MAP_TYPE_LRU_PERCPU_HASH``: one value per CPU, evicted together."""

    type: ClassVar[MapType] = MapType.LRU_PERCPU_HASH
    percpu: ClassVar[bool] = True
    _native_kind: ClassVar[int | None] = MapKind.LRU | MapKind.PERCPU
