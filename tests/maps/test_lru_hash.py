"""LRU hash maps: a full map takes new keys by evicting the least recently used one."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_ANY,
    BPF_EXIST,
    BPF_NOEXIST,
    EEXIST,
    ENOENT,
    LruHashMap,
    LruPerCpuHashMap,
)

from .conftest import u32, u64


@pytest.fixture
def lru(space: AddressSpace) -> LruHashMap:
    return LruHashMap("lru", 4, 8, 4, space=space)


def _fill(m: LruHashMap | LruPerCpuHashMap, keys: range) -> None:
    for k in keys:
        assert m.update(u32(k), u64(k), BPF_ANY, 0) == 0


def test_full_map_accepts_new_keys_by_evicting_the_oldest(lru: LruHashMap) -> None:
    _fill(lru, range(4))
    assert lru.update(u32(4), u64(4), BPF_NOEXIST, 0) == 0
    assert sorted(lru.keys()) == [u32(k) for k in range(1, 5)]
    lru.update_elem(u32(5), u64(5))
    assert sorted(lru.keys()) == [u32(k) for k in range(2, 6)]


def test_recently_looked_up_keys_survive_a_flood(lru: LruHashMap) -> None:
    _fill(lru, range(4))
    for k in range(100, 140):
        assert lru.lookup(u32(0), 0) != 0  # a program keeps using key 0
        lru.update_elem(u32(k), u64(k))
    keys = lru.keys()
    assert u32(0) in keys
    assert len(keys) == 4


def test_updates_mark_keys_used(lru: LruHashMap) -> None:
    _fill(lru, range(4))
    lru.update_elem(u32(0), u64(10))  # key 0 becomes the most recent
    lru.update_elem(u32(9), u64(9))
    keys = lru.keys()
    assert u32(0) in keys
    assert u32(1) not in keys


def test_user_lookups_do_not_mark_keys_used(lru: LruHashMap) -> None:
    _fill(lru, range(4))
    lru.lookup_elem(u32(0))
    lru.update_elem(u32(9), u64(9))
    keys = lru.keys()
    assert u32(0) not in keys


@pytest.mark.parametrize(
    ("key", "flags", "rc"),
    [
        pytest.param(0, BPF_NOEXIST, -EEXIST, id="noexist-existing"),
        pytest.param(7, BPF_EXIST, -ENOENT, id="exist-missing"),
    ],
)
def test_flag_errors_on_a_full_map_evict_nothing(
    lru: LruHashMap, key: int, flags: int, rc: int
) -> None:
    _fill(lru, range(4))
    assert lru.update(u32(key), u64(1), flags, 0) == rc
    assert sorted(lru.keys()) == [u32(k) for k in range(4)]


def test_keys_list_least_recently_used_first(lru: LruHashMap) -> None:
    _fill(lru, range(3))
    lru.lookup(u32(0), 0)
    assert lru.keys() == [u32(1), u32(2), u32(0)]


def test_deleting_a_key_makes_room_without_eviction(lru: LruHashMap) -> None:
    _fill(lru, range(4))
    lru.delete_elem(u32(2))
    lru.update_elem(u32(8), u64(8))
    assert sorted(lru.keys()) == [u32(0), u32(1), u32(3), u32(8)]


def test_percpu_lru_evicts_every_cpu_value_together(space: AddressSpace) -> None:
    m = LruPerCpuHashMap("plru", 4, 8, 2, space=space, ncpus=2)
    m.update_elem(u32(0), [u64(1), u64(2)])
    m.update_elem(u32(1), u64(3))
    assert m.update(u32(2), u64(4), BPF_ANY, 1) == 0
    assert sorted(m.keys()) == [u32(1), u32(2)]
    assert m.lookup_elem(u32(2)) == [u64(0), u64(4)]


def test_percpu_lru_lookup_marks_use(space: AddressSpace) -> None:
    m = LruPerCpuHashMap("plru", 4, 8, 2, space=space, ncpus=2)
    _fill(m, range(2))
    assert m.lookup(u32(0), 1)
    m.update_elem(u32(5), u64(5))
    assert sorted(m.keys()) == [u32(0), u32(5)]
