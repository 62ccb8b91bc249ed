"""The Table view: a map as a MutableMapping with key/value codecs."""

from __future__ import annotations

from typing import Any

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    EINVAL,
    ArrayMap,
    BytesCodec,
    HashMap,
    IntCodec,
    KeyNotExistError,
    MapError,
    PerCpuArrayMap,
    PerCpuHashMap,
    Table,
    default_codec,
)

from .conftest import u32, u64


@pytest.fixture
def hash_table(space: AddressSpace) -> Table:
    return Table(HashMap("h", 4, 8, 8, space=space))


@pytest.fixture
def array_table(space: AddressSpace) -> Table:
    return Table(ArrayMap("a", 4, 8, 3, space=space))


def test_ints_round_trip_through_default_codecs(hash_table: Table) -> None:
    hash_table[1] = 100
    hash_table[2] = 2**64 - 1
    assert hash_table[1] == 100
    assert hash_table[2] == 2**64 - 1
    assert hash_table.map.lookup_elem(u32(1)) == u64(100)


def test_bytes_pass_through_the_default_codecs(hash_table: Table) -> None:
    hash_table[u32(3)] = u64(7)
    assert hash_table[3] == 7


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        pytest.param(b"abc", 1, r"^update: key must be 4 bytes, got 3 \(EINVAL\)$", id="short-key"),
        pytest.param(
            1, b"abc", r"^update: value must be 8 bytes, got 3 \(EINVAL\)$", id="short-value"
        ),
        pytest.param(
            2**32, 1, r"^encode: 4294967296 does not fit in 4 bytes \(EINVAL\)$", id="key-overflow"
        ),
        pytest.param(
            1, "x", r"^encode: expected an int or bytes, got str \(EINVAL\)$", id="wrong-type"
        ),
    ],
)
def test_bad_keys_and_values_are_einval(
    hash_table: Table, key: Any, value: Any, message: str
) -> None:
    with pytest.raises(MapError, match=message) as info:
        hash_table[key] = value
    assert info.value.errno == EINVAL


def test_negative_ints_are_twos_complement(hash_table: Table) -> None:
    hash_table[1] = -1
    assert hash_table[1] == 2**64 - 1
    signed = Table(hash_table.map, value_codec=IntCodec(8, signed=True))
    assert signed[1] == -1


def test_missing_keys_raise_key_error(hash_table: Table) -> None:
    with pytest.raises(KeyError):
        hash_table[5]
    with pytest.raises(KeyNotExistError):
        del hash_table[5]
    assert 5 not in hash_table
    assert hash_table.get(5) is None


def test_hash_table_is_a_mutable_mapping(hash_table: Table) -> None:
    hash_table.update({1: 10, 2: 20, 3: 30})
    del hash_table[2]
    assert len(hash_table) == 2
    assert dict(hash_table.items()) == {1: 10, 3: 30}
    assert list(hash_table) == [1, 3]
    hash_table.clear()
    assert len(hash_table) == 0


def test_del_on_an_array_zeroes_the_element(array_table: Table) -> None:
    array_table[1] = 5
    del array_table[1]
    assert array_table[1] == 0
    assert len(array_table) == 3


def test_clear_on_an_array_zeroes_every_element(array_table: Table) -> None:
    for k in range(3):
        array_table[k] = k + 1
    array_table.clear()
    assert dict(array_table) == {0: 0, 1: 0, 2: 0}


@pytest.mark.parametrize("cls", [PerCpuArrayMap, PerCpuHashMap], ids=["array", "hash"])
def test_per_cpu_values_are_lists(space: AddressSpace, cls: type) -> None:
    table = Table(cls("p", 4, 8, 4, space=space, ncpus=2))
    table[0] = 7
    assert table[0] == [7, 7]
    table[0] = [1, 2]
    assert table[0] == [1, 2]


def test_large_values_are_bytes_by_default(space: AddressSpace) -> None:
    table = Table(HashMap("big", 4, 12, 2, space=space))
    table[1] = 5
    assert table[1] == (5).to_bytes(12, "little")
    assert isinstance(default_codec(12), BytesCodec)
    assert isinstance(default_codec(8), IntCodec)


class Point:
    """A codec for a two-field struct, as a BTF codec might give."""

    def to_bytes(self, value: Any) -> bytes:
        return u32(value["x"]) + u32(value["y"])

    def from_bytes(self, data: bytes) -> Any:
        return {"x": int.from_bytes(data[:4], "little"), "y": int.from_bytes(data[4:], "little")}


def test_codecs_are_pluggable(space: AddressSpace) -> None:
    table = Table(HashMap("pts", 4, 8, 2, space=space), value_codec=Point())
    table[1] = {"x": 3, "y": 4}
    assert table[1] == {"x": 3, "y": 4}
    assert table.map.lookup_elem(u32(1)) == u32(3) + u32(4)
