"""Regions and the address space: what a program may address, and nothing else."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace, Region


def test_region_is_a_zeroed_native_buffer_with_a_stable_address() -> None:
    r = Region(16, "value")
    assert bytes(r.buf) == bytes(16)
    assert r.end - r.base == 16
    base = r.base
    r.buf[0] = 7
    assert r.base == base
    assert bytes(r.buf[:1]) == b"\x07"


def test_region_from_bytes_copies_the_data() -> None:
    data = bytearray(b"abc")
    r = Region.from_bytes(bytes(data), "mem")
    data[0] = 0
    assert bytes(r.buf) == b"abc"


def test_region_rejects_data_longer_than_its_size() -> None:
    with pytest.raises(ValueError, match="bad size 2 for 3 bytes"):
        Region(2, "x", data=b"abc")


@pytest.mark.parametrize(
    ("offset", "size", "inside"),
    [
        pytest.param(0, 8, True, id="whole"),
        pytest.param(7, 1, True, id="last-byte"),
        pytest.param(7, 2, False, id="straddles-end"),
        pytest.param(-1, 1, False, id="before-start"),
        pytest.param(8, 1, False, id="one-past-end"),
    ],
)
def test_region_contains_half_open_ranges(offset: int, size: int, inside: bool) -> None:
    r = Region(8, "r")
    assert r.contains(r.base + offset, size) is inside


def test_address_space_finds_the_region_holding_an_access() -> None:
    a, b = Region(8, "a"), Region(32, "b")
    space = AddressSpace([a, b])
    assert space.find(a.base + 4, 4) is a
    assert space.find(b.base + 31, 1) is b
    assert space.find(b.base + 31, 2) is None
    assert len(space) == 2


def test_address_space_forgets_removed_regions() -> None:
    a = Region(8, "a")
    space = AddressSpace([a])
    space.remove(a)
    space.remove(a)  # a second removal is harmless
    assert space.find(a.base, 1) is None


def test_zero_sized_region_holds_nothing() -> None:
    r = Region(0, "empty")
    assert AddressSpace([r]).find(r.base, 1) is None
