"""Creating a live map of any supported type from the numbers an object file declares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from .._errors import NotSupportedError
from ..engine import AddressSpace
from ._array import ArrayMap, PerCpuArrayMap
from ._base import AdmitHook, Map
from ._bloom_filter import BloomFilter
from ._cgroup_storage import CgroupStorage, PerCpuCgroupStorage
from ._errors import EINVAL, MapError
from ._hash import HashMap, PerCpuHashMap
from ._local_storage import CgrpStorage, InodeStorage, SkStorage, TaskStorage
from ._lpm_trie import LpmTrie
from ._lru_hash import LruHashMap, LruPerCpuHashMap
from ._map_in_map import ArrayOfMaps, HashOfMaps
from ._object_maps import (
    CgroupArray,
    CpuMap,
    DevMap,
    DevMapHash,
    ReuseportSockArray,
    SockHash,
    SockMap,
    XskMap,
)
from ._perf_event_array import PerfEventArray
from ._prog_array import ProgArray
from ._queue_stack import QueueMap, StackMap
from ._ringbuf import RingBuf
from ._stack_trace import StackTraceMap
from ._types import MapType
from ._user_ringbuf import UserRingBuf

__all__ = ["SUPPORTED_TYPES", "create_map"]

_FAMILIES: dict[int, type[Map]] = {
    family.type: family
    for family in (
        HashMap,
        ArrayMap,
        ProgArray,
        PerCpuHashMap,
        PerCpuArrayMap,
        LruHashMap,
        LruPerCpuHashMap,
        QueueMap,
        StackMap,
        RingBuf,
        UserRingBuf,
        LpmTrie,
        PerfEventArray,
        CgroupArray,
        DevMap,
        DevMapHash,
        CpuMap,
        XskMap,
        SockMap,
        SockHash,
        ReuseportSockArray,
        StackTraceMap,
        BloomFilter,
        SkStorage,
        TaskStorage,
        InodeStorage,
        CgrpStorage,
        CgroupStorage,
        PerCpuCgroupStorage,
    )
}
_MAPS_OF_MAPS: dict[int, type[ArrayOfMaps | HashOfMaps]] = {
    ArrayOfMaps.type: ArrayOfMaps,
    HashOfMaps.type: HashOfMaps,
}

#: why pybpf does not create these types
_UNMODELLED: dict[int, str] = {
    MapType.ARENA: " (arena): its pages are shared with user space at fixed addresses and reached through"
                   " addr_space_cast, which pybpf's memory does not model (the kernel of pybpf's test machines"
                   " refuses arenas too: EPERM)",
    MapType.INSN_ARRAY: " (insn_array): it maps instructions of loaded programs, which pybpf does not expose",
}

#: the ``MapType`` values :func:`create_map` accepts
SUPPORTED_TYPES = frozenset(_FAMILIES) | frozenset(_MAPS_OF_MAPS)


def create_map(
    map_type: int,
    name: str,
    key_size: int,
    value_size: int,
    max_entries: int,
    flags: int = 0,
    *,
    space: AddressSpace,
    ncpus: int = 2,
    special_fields: Sequence[tuple[int, int]] = (),
    inner_map: Map | None = None,
    admit: AdmitHook | None = None,
    owned_fields: Sequence[tuple[int, int]] = (),
) -> Map:
    """A new map of type ``map_type`` (a :class:`MapType` value), as BPF_MAP_CREATE makes one.

    ``inner_map`` is the template of a map of maps (the kernel's ``inner_map_fd``); the other
    arguments (``admit`` among them) are those of :class:`Map`.

    Raises:
        NotSupportedError: for a map type pybpf does not implement ("unsupported map type 30").
        MapError: when the kernel would refuse the map.
    """
    family: Callable[..., Map]
    if map_type in _MAPS_OF_MAPS:
        family = partial(_MAPS_OF_MAPS[map_type], inner_map=inner_map)
    elif map_type == MapType.STRUCT_OPS:
        # The kernel needs btf_vmlinux_value_type_id, the struct_ops type the map implements;
        # pybpf models none, so the request is always the kernel's refusal without one.
        raise MapError("create", EINVAL, "a struct_ops map needs a kernel struct_ops value type; pybpf models none")
    elif map_type not in _FAMILIES:
        reason = _UNMODELLED.get(map_type, "")
        raise NotSupportedError(f"unsupported map type {map_type}{reason}")
    elif inner_map is not None:
        raise MapError("create", EINVAL, "only maps of maps take an inner map")
    else:
        family = _FAMILIES[map_type]
    return family(
        name,
        key_size,
        value_size,
        max_entries,
        flags,
        space=space,
        ncpus=ncpus,
        special_fields=special_fields,
        admit=admit,
        owned_fields=owned_fields,
    )
