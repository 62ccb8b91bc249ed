"""Fixtures and small tools for the map tests: an address space, and reading program memory."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from pybpf.engine import AddressSpace, Region
from pybpf.maps import Map


@pytest.fixture
def space() -> AddressSpace:
    """A fresh address space for the maps of one test."""
    return AddressSpace()


def u32(n: int) -> bytes:
    """``n`` as a 4-byte little-endian key or value."""
    return n.to_bytes(4, "little")


def u64(n: int) -> bytes:
    """``n`` as an 8-byte little-endian value."""
    return n.to_bytes(8, "little")


def _owned_by(maps: Sequence[Map], address: int, size: int) -> Region:
    region = next((r for m in maps for r in m.regions() if r.contains(address, size)), None)
    assert region is not None, f"0x{address:x} is not memory of {maps}"
    return region


def read(space: AddressSpace, address: int, size: int) -> bytes:
    """What a program loading ``size`` bytes at ``address`` would see (the access must be valid)."""
    region = space.find(address, size)
    assert region is not None, f"0x{address:x} is not program memory"
    start = address - region.base
    return bytes(region.buf[start : start + size])


def read_raw(maps: Sequence[Map], address: int, size: int) -> bytes:
    """The bytes at ``address`` as the maps themselves hold them (hidden fields, headers)."""
    region = _owned_by(maps, address, size)
    start = address - region.base
    return bytes(region.buf[start : start + size])


def write_raw(maps: Sequence[Map], address: int, data: bytes) -> None:
    """Store ``data`` at ``address`` of the maps' memory, as a helper like bpf_timer_init does."""
    region = _owned_by(maps, address, len(data))
    start = address - region.base
    region.buf[start : start + len(data)] = data


class FreedFields:
    """A recording ``on_free_fields`` hook: the value addresses whose fields were freed."""

    def __init__(self) -> None:
        self.addresses: list[int] = []
        self.slots: list[int] = []

    def __call__(self, slot: int, region: Region, offset: int) -> None:
        self.slots.append(slot)
        self.addresses.append(region.base + offset)


@pytest.fixture
def freed() -> Callable[[Map], FreedFields]:
    """Attach a recording hook to a map and return it."""

    def attach(m: Map) -> FreedFields:
        hook = FreedFields()
        m.on_free_fields = hook
        return hook

    return attach
