"""Array and per-CPU array maps: in-place elements addressed by index."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_ANY,
    BPF_EXIST,
    BPF_F_LOCK,
    BPF_F_RDONLY,
    BPF_F_WRONLY,
    BPF_NOEXIST,
    E2BIG,
    EBUSY,
    EEXIST,
    EINVAL,
    ENOTSUPP,
    EPERM,
    ArrayMap,
    KeyNotExistError,
    MapError,
    PerCpuArrayMap,
)

from .conftest import read, u32, u64


@pytest.fixture
def array(space: AddressSpace) -> ArrayMap:
    return ArrayMap("arr", 4, 8, 4, space=space)


@pytest.fixture
def percpu(space: AddressSpace) -> PerCpuArrayMap:
    return PerCpuArrayMap("pcpu", 4, 8, 4, space=space, ncpus=3)


@pytest.mark.parametrize(
    ("index", "flags", "rc"),
    [
        pytest.param(0, BPF_ANY, 0, id="any"),
        pytest.param(3, BPF_EXIST, 0, id="exist-always-true"),
        pytest.param(0, BPF_NOEXIST, -EEXIST, id="noexist-always-false"),
        pytest.param(4, BPF_ANY, -E2BIG, id="index-out-of-range"),
        pytest.param(4, BPF_NOEXIST, -E2BIG, id="range-checked-before-noexist"),
        pytest.param(0, BPF_NOEXIST | BPF_EXIST, -EINVAL, id="noexist-and-exist"),
        pytest.param(0, 8, -EINVAL, id="unknown-flag"),
        pytest.param(0, BPF_F_LOCK, -EINVAL, id="lock-without-spin-lock"),
    ],
)
def test_program_update_returns_the_kernel_errno(
    array: ArrayMap, index: int, flags: int, rc: int
) -> None:
    assert array.update(u32(index), u64(7), flags, 0) == rc


def test_elements_exist_zeroed_from_creation(array: ArrayMap) -> None:
    assert array.lookup_elem(u32(3)) == bytes(8)
    assert array.keys() == [u32(i) for i in range(4)]


def test_program_lookup_points_at_the_value(space: AddressSpace, array: ArrayMap) -> None:
    array.update_elem(u32(2), u64(0x1122))
    address = array.lookup(u32(2), 0)
    assert address % 8 == 0
    assert read(space, address, 8) == u64(0x1122)
    assert array.lookup(u32(4), 0) == 0


def test_program_writes_through_the_pointer_are_seen_by_user_space(
    space: AddressSpace, array: ArrayMap
) -> None:
    region = space.find(array.lookup(u32(1), 0), 8)
    assert region is not None
    start = array.lookup(u32(1), 0) - region.base
    region.buf[start : start + 8] = u64(99)
    assert array.lookup_elem(u32(1)) == u64(99)


def test_values_are_8_byte_aligned_for_odd_sizes(space: AddressSpace) -> None:
    m = ArrayMap("odd", 4, 5, 3, space=space)
    addresses = [m.lookup(u32(i), 0) for i in range(3)]
    assert [a % 8 for a in addresses] == [0, 0, 0]
    assert addresses[1] - addresses[0] == 8


def test_update_changes_the_value_in_place(array: ArrayMap) -> None:
    before = array.lookup(u32(0), 0)
    array.update_elem(u32(0), u64(5), BPF_EXIST)
    assert array.lookup(u32(0), 0) == before
    assert array.lookup_elem(u32(0)) == u64(5)


@pytest.mark.parametrize(
    ("flags", "errno"),
    [pytest.param(BPF_NOEXIST, EEXIST, id="noexist"), pytest.param(3, EINVAL, id="bad-flags")],
)
def test_user_update_raises_the_kernel_errno(array: ArrayMap, flags: int, errno: int) -> None:
    with pytest.raises(MapError) as info:
        array.update_elem(u32(0), u64(1), flags)
    assert info.value.errno == errno


def test_user_update_out_of_range_is_e2big(array: ArrayMap) -> None:
    with pytest.raises(MapError, match=r"^update: map is full \(E2BIG\)$"):
        array.update_elem(u32(9), u64(1))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        pytest.param(
            b"\0\0\0", u64(1), r"^update: key must be 4 bytes, got 3 \(EINVAL\)$", id="short-key"
        ),
        pytest.param(
            u32(0), b"\0", r"^update: value must be 8 bytes, got 1 \(EINVAL\)$", id="short-value"
        ),
        pytest.param(0, u64(1), r"^update: key must be bytes, got int \(EINVAL\)$", id="int-key"),
    ],
)
def test_user_update_checks_sizes(array: ArrayMap, key: object, value: bytes, message: str) -> None:
    with pytest.raises(MapError, match=message):
        array.update_elem(key, value)  # type: ignore[arg-type]


def test_lookup_out_of_range_is_key_error(array: ArrayMap) -> None:
    with pytest.raises(KeyError):
        array.lookup_elem(u32(4))


def test_delete_is_einval_like_the_kernel(array: ArrayMap) -> None:
    assert array.delete(u32(0)) == -EINVAL
    with pytest.raises(MapError, match=r"^delete: array elements cannot be deleted \(EINVAL\)$"):
        array.delete_elem(u32(0))


def test_clear_elem_zeroes_the_element(array: ArrayMap) -> None:
    array.update_elem(u32(1), u64(42))
    array.clear_elem(u32(1))
    assert array.lookup_elem(u32(1)) == bytes(8)
    with pytest.raises(KeyNotExistError):
        array.clear_elem(u32(4))


def test_lookup_and_delete_is_not_supported(array: ArrayMap) -> None:
    with pytest.raises(MapError) as info:
        array.lookup_and_delete_elem(u32(0))
    assert info.value.errno == ENOTSUPP


@pytest.mark.parametrize(
    ("key", "next_key"),
    [
        pytest.param(None, u32(0), id="first"),
        pytest.param(u32(1), u32(2), id="middle"),
        pytest.param(u32(3), None, id="last"),
        pytest.param(u32(17), u32(0), id="out-of-range-restarts"),
    ],
)
def test_get_next_key_walks_indices(
    array: ArrayMap, key: bytes | None, next_key: bytes | None
) -> None:
    assert array.get_next_key(key) == next_key


def test_read_only_map_refuses_user_writes(space: AddressSpace) -> None:
    m = ArrayMap("ro", 4, 8, 1, BPF_F_RDONLY, space=space)
    with pytest.raises(MapError, match=r"^update: map is read-only \(EPERM\)$"):
        m.update_elem(u32(0), u64(1))
    assert m.update(u32(0), u64(1), BPF_ANY, 0) == 0  # programs may write
    assert m.lookup_elem(u32(0)) == u64(1)


def test_write_only_map_refuses_user_reads(space: AddressSpace) -> None:
    m = ArrayMap("wo", 4, 8, 1, BPF_F_WRONLY, space=space)
    m.update_elem(u32(0), u64(1))
    with pytest.raises(MapError) as info:
        m.lookup_elem(u32(0))
    assert info.value.errno == EPERM


def test_frozen_map_refuses_user_writes_but_not_program_ones(array: ArrayMap) -> None:
    array.freeze()
    with pytest.raises(MapError, match=r"^update: map is frozen \(EPERM\)$"):
        array.update_elem(u32(0), u64(1))
    with pytest.raises(MapError) as info:
        array.freeze()
    assert info.value.errno == EBUSY
    assert array.update(u32(0), u64(1), BPF_ANY, 0) == 0


def test_freeze_refuses_maps_with_special_fields(space: AddressSpace) -> None:
    m = ArrayMap("timers", 4, 24, 1, space=space, special_fields=[(8, 16)])
    with pytest.raises(MapError) as info:
        m.freeze()
    assert info.value.errno == ENOTSUPP


# -- per-CPU arrays --------------------------------------------------------------------


def test_percpu_program_update_sets_only_that_cpu(percpu: PerCpuArrayMap) -> None:
    assert percpu.update(u32(0), u64(7), BPF_ANY, 1) == 0
    assert percpu.lookup_elem(u32(0)) == [u64(0), u64(7), u64(0)]


def test_percpu_program_lookup_gives_each_cpu_its_copy(
    space: AddressSpace, percpu: PerCpuArrayMap
) -> None:
    percpu.update_elem(u32(2), [u64(10), u64(11), u64(12)])
    addresses = [percpu.lookup(u32(2), cpu) for cpu in range(3)]
    assert len(set(addresses)) == 3
    assert [read(space, a, 8) for a in addresses] == [u64(10), u64(11), u64(12)]


def test_percpu_user_update_with_one_value_sets_every_cpu(percpu: PerCpuArrayMap) -> None:
    percpu.update_elem(u32(1), u64(5))
    assert percpu.lookup_elem(u32(1)) == [u64(5)] * 3


def test_percpu_user_update_needs_one_value_per_cpu(percpu: PerCpuArrayMap) -> None:
    with pytest.raises(MapError, match=r"^update: need 3 per-CPU values, got 2 \(EINVAL\)$"):
        percpu.update_elem(u32(1), [u64(1), u64(2)])


def test_percpu_clear_zeroes_every_cpu(percpu: PerCpuArrayMap) -> None:
    percpu.update_elem(u32(1), u64(5))
    percpu.clear_elem(u32(1))
    assert percpu.lookup_elem(u32(1)) == [bytes(8)] * 3
