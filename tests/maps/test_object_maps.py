"""Maps of kernel objects: device, CPU, XDP-socket, socket and cgroup maps, with the kernel's errnos."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_EXIST,
    BPF_NOEXIST,
    CgroupArray,
    CpuMap,
    DevMap,
    DevMapHash,
    KeyNotExistError,
    MapError,
    SockHash,
    SockMap,
    XskMap,
)

from .conftest import u32, u64


def test_devmap_stores_ifindexes_and_zero_empties(space: AddressSpace) -> None:
    m = DevMap("tx", 4, 4, 4, space=space)
    m.update_elem(u32(1), u32(7))
    assert m.lookup_elem(u32(1)) == u32(7)
    m.update_elem(u32(1), u32(0))
    with pytest.raises(KeyNotExistError):
        m.lookup_elem(u32(1))
    with pytest.raises(MapError, match=r"\(EEXIST\)$"):
        m.update_elem(u32(2), u32(7), BPF_NOEXIST)
    with pytest.raises(MapError, match=r"\(E2BIG\)$"):
        m.update_elem(u32(4), u32(7))
    m.delete_elem(u32(3))  # deleting an empty slot succeeds
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        m.delete_elem(u32(4))
    assert m.keys() == [u32(i) for i in range(4)]


def test_devmap_hash_keys_and_errnos(space: AddressSpace) -> None:
    m = DevMapHash("tx", 4, 8, 2, space=space)
    m.update_elem(u32(5), u64(5))
    m.update_elem(u32(6), u64(6), BPF_EXIST)  # the kernel does not check BPF_EXIST here
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        m.update_elem(u32(7), u64(0))
    with pytest.raises(MapError, match=r"\(E2BIG\)$"):
        m.update_elem(u32(7), u64(7))
    assert m.keys() == [u32(5), u32(6)]
    m.delete_elem(u32(5))
    with pytest.raises(KeyNotExistError):
        m.delete_elem(u32(5))


def test_cpumap_queue_sizes(space: AddressSpace) -> None:
    m = CpuMap("cpus", 4, 4, 2, space=space)
    m.update_elem(u32(0), u32(192))
    with pytest.raises(MapError, match=r"\(EOVERFLOW\)$|errno 75"):
        m.update_elem(u32(1), u32(16385))
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        CpuMap("bad", 4, 12, 2, space=space)


def test_xskmap_and_cgroup_array_cannot_be_read_from_user_space(space: AddressSpace) -> None:
    for m in (XskMap("xsks", 4, 4, 2, space=space), CgroupArray("cg", 4, 4, 2, space=space)):
        m.update_elem(u32(0), u32(3))
        with pytest.raises(MapError, match=r"\(EOPNOTSUPP\)$"):
            m.lookup_elem(u32(0))
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        CgroupArray("cg", 4, 4, 2, space=space).update_elem(u32(0), u32(3), BPF_NOEXIST)


def test_sockmap_lookup_needs_a_cookie_sized_value(space: AddressSpace) -> None:
    small = SockMap("socks", 4, 4, 2, space=space)
    small.update_elem(u32(0), u32(3))
    with pytest.raises(MapError, match=r"\(ENOSPC\)$"):
        small.lookup_elem(u32(0))
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        small.delete_elem(u32(1))  # an empty socket slot
    wide = SockHash("socks", 8, 8, 2, space=space)
    wide.update_elem(u64(9), u64(3))
    assert wide.lookup_elem(u64(9)) == u64(3)
    assert wide.keys() == [u64(9)]
