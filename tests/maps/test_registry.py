"""Creating maps by type number, and the creation checks every family shares."""

from __future__ import annotations

import pytest

from pybpf import NotSupportedError
from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_F_MMAPABLE,
    BPF_F_NO_COMMON_LRU,
    BPF_F_NO_PREALLOC,
    BPF_F_RDONLY,
    BPF_F_RDONLY_PROG,
    BPF_F_WRONLY,
    BPF_F_WRONLY_PROG,
    E2BIG,
    EINVAL,
    ENOTSUPP,
    EOPNOTSUPP,
    SUPPORTED_TYPES,
    ArrayMap,
    ArrayOfMaps,
    HashMap,
    HashOfMaps,
    LruHashMap,
    LruPerCpuHashMap,
    MapError,
    MapType,
    PerCpuArrayMap,
    PerCpuHashMap,
    ProgArray,
    QueueMap,
    RingBuf,
    StackMap,
    create_map,
    map_at,
)

from .conftest import u32


@pytest.mark.parametrize(
    ("map_type", "key_size", "value_size", "max_entries", "cls"),
    [
        pytest.param(MapType.HASH, 4, 8, 4, HashMap, id="hash"),
        pytest.param(MapType.ARRAY, 4, 8, 4, ArrayMap, id="array"),
        pytest.param(MapType.PROG_ARRAY, 4, 4, 4, ProgArray, id="prog_array"),
        pytest.param(MapType.PERCPU_HASH, 4, 8, 4, PerCpuHashMap, id="percpu_hash"),
        pytest.param(MapType.PERCPU_ARRAY, 4, 8, 4, PerCpuArrayMap, id="percpu_array"),
        pytest.param(MapType.LRU_HASH, 4, 8, 4, LruHashMap, id="lru_hash"),
        pytest.param(MapType.LRU_PERCPU_HASH, 4, 8, 4, LruPerCpuHashMap, id="lru_percpu_hash"),
        pytest.param(MapType.QUEUE, 0, 8, 4, QueueMap, id="queue"),
        pytest.param(MapType.STACK, 0, 8, 4, StackMap, id="stack"),
        pytest.param(MapType.RINGBUF, 0, 0, 4096, RingBuf, id="ringbuf"),
    ],
)
def test_create_map_picks_the_family_of_the_type(
    space: AddressSpace, map_type: int, key_size: int, value_size: int, max_entries: int, cls: type
) -> None:
    m = create_map(map_type, "m", key_size, value_size, max_entries, space=space)
    assert type(m) is cls
    assert m.type == map_type
    assert (m.name, m.key_size, m.value_size, m.max_entries) == (
        "m",
        key_size,
        value_size,
        max_entries,
    )


@pytest.mark.parametrize(
    "map_type", [MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS], ids=["array", "hash"]
)
def test_create_map_passes_the_inner_template_to_maps_of_maps(
    space: AddressSpace, map_type: int
) -> None:
    inner = ArrayMap("inner", 4, 8, 2, space=space)
    m = create_map(map_type, "outer", 4, 4, 2, space=space, inner_map=inner)
    assert isinstance(m, (ArrayOfMaps, HashOfMaps))
    m.update_elem(u32(0), inner)


def test_every_uapi_type_with_a_family_is_supported() -> None:
    missing = {t.name for t in MapType if int(t) not in SUPPORTED_TYPES}
    assert missing == {"UNSPEC", "ARENA", "INSN_ARRAY"}


@pytest.mark.parametrize(
    ("map_type", "reason"), [(MapType.ARENA, r" \(arena\): .*addr_space_cast.*"), (99, "")], ids=["arena", "unknown"]
)
def test_unimplemented_types_are_not_supported(space: AddressSpace, map_type: int, reason: str) -> None:
    with pytest.raises(NotSupportedError, match=rf"^unsupported map type {int(map_type)}{reason}$"):
        create_map(map_type, "m", 4, 4, 4, space=space)


def test_struct_ops_maps_have_one_element_and_a_4_byte_key(space: AddressSpace) -> None:
    """The kernel's shape checks of BPF_MAP_CREATE for a struct_ops map (its value type, the
    kernel struct it implements, is the loader's to check)."""
    m = create_map(MapType.STRUCT_OPS, "m", 4, 256, 1, 0x2000, space=space)
    assert m.type == MapType.STRUCT_OPS
    with pytest.raises(MapError, match=r"exactly one element \(EINVAL\)$"):
        create_map(MapType.STRUCT_OPS, "m", 4, 256, 2, space=space)


def test_inner_map_is_refused_for_other_types(space: AddressSpace) -> None:
    inner = ArrayMap("inner", 4, 8, 2, space=space)
    with pytest.raises(MapError, match=r"^create: only maps of maps take an inner map \(EINVAL\)$"):
        create_map(MapType.HASH, "m", 4, 4, 4, space=space, inner_map=inner)


@pytest.mark.parametrize(
    ("map_type", "key_size", "value_size", "max_entries", "flags", "errno"),
    [
        pytest.param(MapType.ARRAY, 8, 8, 4, 0, EINVAL, id="array-key-not-4"),
        pytest.param(MapType.ARRAY, 4, 0, 4, 0, EINVAL, id="array-empty-value"),
        pytest.param(MapType.ARRAY, 4, 8, 0, 0, EINVAL, id="array-no-entries"),
        pytest.param(MapType.ARRAY, 4, 8, 4, BPF_F_NO_PREALLOC, EINVAL, id="array-no-prealloc"),
        pytest.param(
            MapType.PERCPU_ARRAY, 4, 8, 4, BPF_F_MMAPABLE, EINVAL, id="percpu-array-mmapable"
        ),
        pytest.param(MapType.PERCPU_ARRAY, 4, 32769, 4, 0, E2BIG, id="percpu-array-value-too-big"),
        pytest.param(MapType.HASH, 0, 8, 4, 0, EINVAL, id="hash-empty-key"),
        pytest.param(MapType.HASH, 4, 0, 4, 0, EINVAL, id="hash-empty-value"),
        pytest.param(MapType.HASH, 4, 8, 0, 0, EINVAL, id="hash-no-entries"),
        pytest.param(MapType.HASH, 513, 8, 4, 0, E2BIG, id="hash-key-bigger-than-stack"),
        pytest.param(MapType.HASH, 4, 8, 4, BPF_F_NO_COMMON_LRU, EINVAL, id="hash-common-lru-flag"),
        pytest.param(MapType.HASH, 4, 8, 4, BPF_F_MMAPABLE, EINVAL, id="hash-mmapable"),
        pytest.param(
            MapType.HASH, 4, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY, EINVAL, id="rdonly-and-wronly"
        ),
        pytest.param(
            MapType.HASH,
            4,
            8,
            4,
            BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG,
            EINVAL,
            id="prog-rdonly-and-wronly",
        ),
        pytest.param(MapType.PERCPU_HASH, 4, 32769, 4, 0, E2BIG, id="percpu-hash-value-too-big"),
        pytest.param(MapType.LRU_HASH, 4, 8, 4, BPF_F_NO_PREALLOC, ENOTSUPP, id="lru-no-prealloc"),
        pytest.param(MapType.PROG_ARRAY, 4, 8, 4, 0, EINVAL, id="prog-array-value-not-4"),
        pytest.param(
            MapType.PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG, EINVAL, id="prog-array-prog-flags"
        ),
        pytest.param(MapType.QUEUE, 4, 8, 4, 0, EINVAL, id="queue-with-key"),
        pytest.param(MapType.STACK, 0, 0, 4, 0, EINVAL, id="stack-empty-value"),
        pytest.param(MapType.QUEUE, 0, 8, 0, 0, EINVAL, id="queue-no-entries"),
        pytest.param(MapType.RINGBUF, 0, 0, 4096 + 1, 0, EINVAL, id="ringbuf-not-power-of-2"),
        pytest.param(MapType.RINGBUF, 0, 0, 2048, 0, EINVAL, id="ringbuf-under-a-page"),
        pytest.param(MapType.RINGBUF, 4, 0, 4096, 0, EINVAL, id="ringbuf-with-key"),
        pytest.param(MapType.RINGBUF, 0, 0, 4096, BPF_F_NO_PREALLOC, EINVAL, id="ringbuf-flags"),
    ],
)
def test_creation_refuses_what_the_kernel_refuses(
    space: AddressSpace,
    map_type: int,
    key_size: int,
    value_size: int,
    max_entries: int,
    flags: int,
    errno: int,
) -> None:
    with pytest.raises(MapError, match=r"^create: ") as info:
        create_map(map_type, "m", key_size, value_size, max_entries, flags, space=space)
    assert info.value.errno == errno
    assert len(space) == 0


@pytest.mark.parametrize(
    ("map_type", "fields"),
    [
        pytest.param(MapType.PERCPU_ARRAY, [(0, 16)], id="timer-in-percpu-array"),
        pytest.param(MapType.PERCPU_HASH, [(0, 16)], id="timer-in-percpu-hash"),
        pytest.param(MapType.LRU_PERCPU_HASH, [(0, 16)], id="timer-in-lru-percpu-hash"),
        pytest.param(MapType.LRU_HASH, [(0, 4)], id="spin-lock-in-lru-hash"),
        pytest.param(MapType.QUEUE, [(0, 16)], id="timer-in-queue"),
    ],
)
def test_special_fields_are_refused_where_the_kernel_refuses_them(
    space: AddressSpace, map_type: int, fields: list[tuple[int, int]]
) -> None:
    key_size = 0 if map_type == MapType.QUEUE else 4
    with pytest.raises(MapError, match=r"^create: .* special field \(EOPNOTSUPP\)$") as info:
        create_map(map_type, "m", key_size, 24, 4, space=space, special_fields=fields)
    assert info.value.errno == EOPNOTSUPP


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param([(16, 16)], id="past-the-end"),
        pytest.param([(0, 16), (8, 4)], id="overlapping"),
    ],
)
def test_special_fields_must_lie_inside_the_value_apart(
    space: AddressSpace, fields: list[tuple[int, int]]
) -> None:
    with pytest.raises(MapError, match=r"overlaps or leaves the value \(EINVAL\)$"):
        HashMap("m", 4, 24, 4, space=space, special_fields=fields)


def test_maps_have_unique_addresses_that_find_them(space: AddressSpace) -> None:
    a = HashMap("a", 4, 8, 4, space=space)
    b = QueueMap("b", 0, 8, 4, space=space)
    assert a.address != b.address
    assert map_at(a.address) is a
    assert map_at(b.address) is b
    assert space.find(a.address, 1) is None  # a pointer to the map, not program memory


def test_map_memory_is_registered_until_close(space: AddressSpace) -> None:
    m = ArrayMap("m", 4, 8, 4, space=space)
    (region,) = m.regions()
    window = space.find(region.base, 8)
    assert window is not None and (window.base, window.size) == (region.base, 8)
    assert space.find(region.base, 16) is None  # one element at a time
    address = m.lookup(u32(3), 0)
    assert address
    m.close()
    m.close()  # harmless
    assert m.regions() == []
    assert space.find(address, 8) is None
    with pytest.raises(MapError, match=r"^lookup: map is closed \(EBADF\)$"):
        m.lookup_elem(u32(0))


def test_read_only_for_programs_makes_regions_read_only(space: AddressSpace) -> None:
    m = ArrayMap("m", 4, 8, 1, BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, space=space)
    assert not m.regions()[0].writable
    m.update_elem(u32(0), b"12345678")  # user space still writes it
    assert m.lookup_elem(u32(0)) == b"12345678"
