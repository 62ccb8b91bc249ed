"""Maps of maps: inner maps checked against a template, found by programs through pointers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_EXIST,
    BPF_F_INNER_MAP,
    BPF_F_NO_PREALLOC,
    BPF_NOEXIST,
    E2BIG,
    EBADF,
    EEXIST,
    EINVAL,
    ArrayMap,
    ArrayOfMaps,
    HashMap,
    HashOfMaps,
    KeyNotExistError,
    Map,
    MapError,
    QueueMap,
    map_at,
)

from .conftest import u32, u64


@pytest.fixture
def template(space: AddressSpace) -> ArrayMap:
    return ArrayMap("template", 4, 8, 4, space=space)


@pytest.fixture
def outer(space: AddressSpace, template: ArrayMap) -> ArrayOfMaps:
    return ArrayOfMaps("outer", 4, 4, 3, space=space, inner_map=template)


@pytest.fixture
def houter(space: AddressSpace, template: ArrayMap) -> HashOfMaps:
    return HashOfMaps("houter", 4, 4, 2, space=space, inner_map=template)


def test_array_of_maps_holds_inner_maps(space: AddressSpace, outer: ArrayOfMaps) -> None:
    inner = ArrayMap("inner", 4, 8, 4, space=space)
    outer.update_elem(u32(1), inner)
    assert outer.lookup_elem(u32(1)) is inner
    assert outer.lookup(u32(1), 0) == inner.address
    assert outer.lookup(u32(0), 0) == 0
    assert outer.lookup(u32(3), 0) == 0
    assert outer.keys() == [u32(1)]


def test_inner_maps_may_be_given_by_address(space: AddressSpace, outer: ArrayOfMaps) -> None:
    inner = ArrayMap("inner", 4, 8, 4, space=space)
    outer.update_elem(u32(0), inner.address)
    assert outer.lookup_elem(u32(0)) is inner


@pytest.mark.parametrize(
    "value",
    [pytest.param(12345, id="unknown-address"), pytest.param("inner", id="not-a-map")],
)
def test_values_that_are_not_maps_are_ebadf(outer: ArrayOfMaps, value: object) -> None:
    with pytest.raises(MapError) as info:
        outer.update_elem(u32(0), value)
    assert info.value.errno == EBADF


def test_closed_inner_map_is_ebadf(space: AddressSpace, outer: ArrayOfMaps) -> None:
    inner = ArrayMap("inner", 4, 8, 4, space=space)
    inner.close()
    with pytest.raises(
        MapError, match=r"^update: value must be an open map or its address \(EBADF\)$"
    ):
        outer.update_elem(u32(0), inner)


MISMATCHES: list[object] = [
    pytest.param(lambda s: HashMap("x", 4, 8, 4, space=s), id="type"),
    pytest.param(lambda s: ArrayMap("x", 4, 16, 4, space=s), id="value-size"),
    pytest.param(lambda s: ArrayMap("x", 4, 8, 5, space=s), id="array-max-entries"),
    pytest.param(lambda s: ArrayMap("x", 4, 8, 4, BPF_F_INNER_MAP, space=s), id="flags"),
    pytest.param(
        lambda s: ArrayMap("x", 4, 24, 4, space=s, special_fields=[(8, 16)]), id="special-fields"
    ),
]


@pytest.mark.parametrize("make", MISMATCHES)
def test_inner_maps_must_match_the_template(
    space: AddressSpace, outer: ArrayOfMaps, make: Callable[[AddressSpace], Map]
) -> None:
    with pytest.raises(
        MapError, match=r"^update: inner map does not match the template \(EINVAL\)$"
    ):
        outer.update_elem(u32(0), make(space))


def test_hash_inner_maps_may_differ_in_max_entries(space: AddressSpace) -> None:
    outer = ArrayOfMaps("o", 4, 4, 1, space=space, inner_map=HashMap("t", 4, 8, 4, space=space))
    outer.update_elem(u32(0), HashMap("big", 4, 8, 1000, space=space))
    with pytest.raises(MapError):
        outer.update_elem(u32(0), HashMap("np", 4, 8, 4, BPF_F_NO_PREALLOC, space=space))


def test_inner_map_flag_lets_array_sizes_differ(space: AddressSpace) -> None:
    template = ArrayMap("t", 4, 8, 4, BPF_F_INNER_MAP, space=space)
    outer = ArrayOfMaps("o", 4, 4, 1, space=space, inner_map=template)
    outer.update_elem(u32(0), ArrayMap("big", 4, 8, 64, BPF_F_INNER_MAP, space=space))


def test_queues_can_be_inner_maps(space: AddressSpace) -> None:
    outer = HashOfMaps("o", 4, 4, 1, space=space, inner_map=QueueMap("t", 0, 8, 4, space=space))
    inner = QueueMap("q", 0, 8, 4, space=space)
    outer.update_elem(u32(7), inner)
    assert outer.lookup(u32(7), 0) == inner.address


@pytest.mark.parametrize(
    ("inner", "message"),
    [
        pytest.param(
            None, r"^create: a map of maps needs an inner map template \(EINVAL\)$", id="missing"
        ),
        pytest.param("nested", r"^create: maps of maps cannot nest \(EINVAL\)$", id="nested"),
    ],
)
def test_templates_are_checked_at_creation(
    space: AddressSpace, outer: ArrayOfMaps, inner: object, message: str
) -> None:
    template = outer if inner == "nested" else None
    with pytest.raises(MapError, match=message):
        HashOfMaps("o", 4, 4, 1, space=space, inner_map=template)


@pytest.mark.parametrize(
    ("index", "flags", "errno"),
    [
        pytest.param(0, BPF_NOEXIST, EINVAL, id="flags-not-any"),
        pytest.param(3, 0, E2BIG, id="index-out-of-range"),
    ],
)
def test_array_of_maps_update_errors(
    space: AddressSpace, outer: ArrayOfMaps, index: int, flags: int, errno: int
) -> None:
    with pytest.raises(MapError) as info:
        outer.update_elem(u32(index), ArrayMap("i", 4, 8, 4, space=space), flags)
    assert info.value.errno == errno


def test_array_of_maps_delete_empties_a_slot(space: AddressSpace, outer: ArrayOfMaps) -> None:
    outer.update_elem(u32(2), ArrayMap("i", 4, 8, 4, space=space))
    outer.delete_elem(u32(2))
    with pytest.raises(KeyNotExistError):
        outer.delete_elem(u32(2))
    with pytest.raises(KeyNotExistError):
        outer.lookup_elem(u32(2))
    assert outer.get_next_key(None) == u32(0)  # like arrays, every index is walked


def test_programs_cannot_update_maps_of_maps(space: AddressSpace, outer: ArrayOfMaps) -> None:
    assert outer.update(u32(0), u32(0), 0, 0) < 0
    assert outer.delete(u32(0)) < 0


def test_hash_of_maps_follows_hash_rules(space: AddressSpace, houter: HashOfMaps) -> None:
    a, b, c = (ArrayMap(n, 4, 8, 4, space=space) for n in "abc")
    houter.update_elem(u32(10), a)
    houter.update_elem(u32(20), b, BPF_NOEXIST)
    with pytest.raises(MapError) as info:
        houter.update_elem(u32(10), c, BPF_NOEXIST)
    assert info.value.errno == EEXIST
    with pytest.raises(KeyNotExistError):
        houter.update_elem(u32(30), c, BPF_EXIST)
    with pytest.raises(MapError, match=r"^update: map is full \(E2BIG\)$"):
        houter.update_elem(u32(30), c)
    houter.update_elem(u32(10), c, BPF_EXIST)
    assert houter.lookup_elem(u32(10)) is c
    assert houter.lookup(u32(20), 0) == b.address
    assert houter.lookup(u32(30), 0) == 0
    assert houter.keys() == [u32(10), u32(20)]
    assert houter.get_next_key(u32(10)) == u32(20)
    houter.delete_elem(u32(10))
    with pytest.raises(KeyNotExistError):
        houter.lookup_elem(u32(10))


def test_inner_maps_stay_usable_through_the_outer_pointer(
    space: AddressSpace, outer: ArrayOfMaps
) -> None:
    inner = ArrayMap("inner", 4, 8, 4, space=space)
    outer.update_elem(u32(0), inner)
    found = map_at(outer.lookup(u32(0), 0))
    assert found is inner
    assert found.update(u32(1), u64(5), 0, 0) == 0
    assert inner.lookup_elem(u32(1)) == u64(5)


def test_closing_the_outer_map_drops_its_inner_maps(
    space: AddressSpace, houter: HashOfMaps
) -> None:
    houter.update_elem(u32(1), ArrayMap("i", 4, 8, 4, space=space))
    houter.close()
    assert houter.lookup(u32(1), 0) == 0


def test_maps_of_maps_report_what_they_stop_holding() -> None:
    from pybpf.engine import AddressSpace
    from pybpf.maps import ArrayOfMaps, HashMap, HashOfMaps

    space = AddressSpace()
    template = HashMap("t", 4, 4, 4, space=space)
    a, b = HashMap("a", 4, 4, 4, space=space), HashMap("b", 4, 4, 4, space=space)
    for outer in (ArrayOfMaps("ao", 4, 4, 2, space=space, inner_map=template),
                  HashOfMaps("ho", 4, 4, 2, space=space, inner_map=template)):
        released: list[object] = []
        outer.on_release = released.append
        key = (0).to_bytes(4, "little")
        outer.update_elem(key, a)
        outer.update_elem(key, b)  # replacing a releases it
        outer.delete_elem(key)  # deleting b releases it
        outer.update_elem(key, a)
        outer.close()  # closing releases what is left
        assert released == [a, b, a], outer
