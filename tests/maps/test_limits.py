"""Map sizes and costs (issue 8, class 6): the kernel's size limits before any allocation,
memory only for what is touched, closing and walking in time proportional to what is there."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_F_NO_PREALLOC,
    E2BIG,
    ENOMEM,
    ArrayMap,
    HashMap,
    LruHashMap,
    Map,
    MapError,
    PerCpuHashMap,
)
from pybpf.maps._hash import MAX_HASH_ENTRIES

from .conftest import u32, u64


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


@pytest.mark.parametrize("cls", [HashMap, PerCpuHashMap, LruHashMap], ids=["hash", "percpu_hash", "lru_hash"])
def test_hash_maps_past_the_kernels_bucket_limit_are_e2big(space: AddressSpace, cls: type[Map]) -> None:
    with pytest.raises(MapError) as caught:
        cls("big", 4, 8, MAX_HASH_ENTRIES + 1, space=space)
    assert caught.value.errno == E2BIG
    assert len(space) == 0


def test_the_largest_hash_map_the_kernel_takes_costs_nothing_until_used(space: AddressSpace) -> None:
    before = _rss_bytes()
    m = HashMap("big", 4, 8, MAX_HASH_ENTRIES, BPF_F_NO_PREALLOC, space=space)
    m.update_elem(u32(7), u64(7))
    assert m.lookup_elem(u32(7)) == u64(7)
    assert _rss_bytes() - before < 64 << 20


def test_a_big_array_costs_memory_only_for_what_is_touched(space: AddressSpace) -> None:
    before = _rss_bytes()
    m = ArrayMap("big", 4, 8, 1 << 28, space=space)  # 2 GiB of values
    m.update_elem(u32((1 << 28) - 1), u64(9))
    assert m.lookup_elem(u32((1 << 28) - 1)) == u64(9)
    assert _rss_bytes() - before < 64 << 20
    m.close()


def test_the_admit_hook_refuses_a_map_before_it_allocates(space: AddressSpace) -> None:
    def refuse(m: Map) -> None:
        raise MapError("create", ENOMEM, f"map '{m.name}': no room")

    with pytest.raises(MapError, match=r"^create: map 'big': no room \(ENOMEM\)$"):
        ArrayMap("big", 4, 8, 1 << 28, space=space, admit=refuse)
    assert len(space) == 0


def test_freeing_fields_visits_only_the_elements_that_hold_state(space: AddressSpace) -> None:
    m = ArrayMap("timers", 4, 16, 1 << 22, space=space, special_fields=[(0, 16)])
    visited: list[int] = []
    m.on_free_fields = lambda slot, region, offset: visited.append(slot)
    m.fields_in_use = lambda: [3, 99]
    m.close()
    assert visited == [3, 99]


def test_walking_a_hash_map_with_get_next_key_sees_every_key_once(space: AddressSpace) -> None:
    m = HashMap("h", 4, 8, 40_000, space=space)
    for k in range(40_000):
        m.update_elem(u32(k), u64(k))
    seen, key = [], m.get_next_key(None)
    while key is not None:
        seen.append(key)
        key = m.get_next_key(key)
    assert seen == [u32(k) for k in range(40_000)]
    m.delete_elem(u32(5))
    assert m.get_next_key(u32(4)) == u32(6)
    assert m.get_next_key(u32(5)) == u32(0)  # a deleted key restarts the walk, as in the kernel
