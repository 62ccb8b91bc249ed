"""Bloom filters, stack trace maps and local storage: their program and user-space sides."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_F_NO_PREALLOC,
    BPF_F_ZERO_SEED,
    BPF_LOCAL_STORAGE_GET_F_CREATE,
    BloomFilter,
    KeyNotExistError,
    MapError,
    StackTraceMap,
    TaskStorage,
)

from .conftest import read, u32

ENOENT, EEXIST, EFAULT = 2, 17, 14


def test_bloom_filter_answers_maybe_for_added_values(space: AddressSpace) -> None:
    bloom = BloomFilter("seen", 0, 4, 16, BPF_F_ZERO_SEED, space=space)
    assert bloom.contains(u32(1)) == -ENOENT
    assert bloom.push(u32(1), 0) == 0
    assert bloom.contains(u32(1)) == 0
    bloom.update_elem(b"", u32(2))
    assert bloom.lookup_elem(u32(2)) == u32(2)
    with pytest.raises(KeyNotExistError):
        bloom.lookup_elem(u32(3))
    with pytest.raises(MapError, match=r"\(EOPNOTSUPP\)$"):
        bloom.delete_elem(u32(2))
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        BloomFilter("bad", 4, 4, 16, space=space)


def test_stack_ids_repeat_for_the_same_stack(space: AddressSpace) -> None:
    stacks = StackTraceMap("stacks", 4, 8 * 4, 64, space=space)
    first = stacks.store((0x10, 0x20), 0)
    assert first >= 0 and stacks.store((0x10, 0x20), 0) == first
    assert stacks.lookup_elem(u32(first)) == (0x10).to_bytes(8, "little") + (0x20).to_bytes(8, "little") + bytes(16)
    assert stacks.store((), 0) == -EFAULT
    assert stacks.get_next_key(None) == u32(first)
    stacks.delete_elem(u32(first))
    with pytest.raises(KeyNotExistError):
        stacks.delete_elem(u32(first))
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        StackTraceMap("bad", 4, 12, 64, space=space)


def test_stack_id_collisions(space: AddressSpace) -> None:
    stacks = StackTraceMap("stacks", 4, 8, 1, space=space)
    assert stacks.store((1,), 0) == 0
    assert stacks.store((2,), 0) == -EEXIST
    assert stacks.store((2,), 1 << 10) == 0  # BPF_F_REUSE_STACKID


def test_task_storage_lives_with_its_owner(space: AddressSpace) -> None:
    storage = TaskStorage("st", 4, 8, 0, BPF_F_NO_PREALLOC, space=space)
    assert storage.get(0x1000, None, 0) == 0
    address = storage.get(0x1000, b"\x07" * 8, BPF_LOCAL_STORAGE_GET_F_CREATE)
    assert read(space, address, 8) == b"\x07" * 8
    assert storage.get(0x1000, None, 0) == address
    assert storage.remove(0x1000) == 0 and storage.remove(0x1000) == -ENOENT
    with pytest.raises(MapError, match=r"\(EBADF\)$"):
        storage.lookup_elem(u32(3))
    with pytest.raises(MapError, match=r"\(EINVAL\)$"):
        TaskStorage("bad", 4, 8, 1, BPF_F_NO_PREALLOC, space=space)
