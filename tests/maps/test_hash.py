"""Hash and per-CPU hash maps, preallocated or not."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import (
    BPF_ANY,
    BPF_EXIST,
    BPF_F_LOCK,
    BPF_F_NO_PREALLOC,
    BPF_NOEXIST,
    E2BIG,
    EEXIST,
    EINVAL,
    ENOENT,
    HashMap,
    KeyNotExistError,
    MapError,
    PerCpuHashMap,
)

from .conftest import read, u32, u64

PREALLOC = [pytest.param(0, id="prealloc"), pytest.param(BPF_F_NO_PREALLOC, id="no-prealloc")]


@pytest.fixture(params=PREALLOC)
def hmap(request: pytest.FixtureRequest, space: AddressSpace) -> HashMap:
    return HashMap("h", 4, 8, 3, request.param, space=space)


@pytest.mark.parametrize(
    ("present", "flags", "rc"),
    [
        pytest.param(False, BPF_ANY, 0, id="any-new"),
        pytest.param(True, BPF_ANY, 0, id="any-existing"),
        pytest.param(False, BPF_NOEXIST, 0, id="noexist-new"),
        pytest.param(True, BPF_NOEXIST, -EEXIST, id="noexist-existing"),
        pytest.param(False, BPF_EXIST, -ENOENT, id="exist-missing"),
        pytest.param(True, BPF_EXIST, 0, id="exist-existing"),
        pytest.param(True, BPF_NOEXIST | BPF_EXIST, -EINVAL, id="noexist-and-exist"),
        pytest.param(True, 8, -EINVAL, id="unknown-flag"),
        pytest.param(True, BPF_F_LOCK, -EINVAL, id="lock-without-spin-lock"),
    ],
)
def test_program_update_returns_the_kernel_errno(
    hmap: HashMap, present: bool, flags: int, rc: int
) -> None:
    if present:
        hmap.update_elem(u32(1), u64(1))
    assert hmap.update(u32(1), u64(2), flags, 0) == rc
    expected = u64(2) if rc == 0 else u64(1) if present else None
    assert (hmap.lookup(u32(1), 0) != 0) == (expected is not None)
    if expected is not None:
        assert hmap.lookup_elem(u32(1)) == expected


def test_full_map_refuses_new_keys_but_updates_existing_ones(hmap: HashMap) -> None:
    for k in range(3):
        hmap.update_elem(u32(k), u64(k))
    assert hmap.update(u32(9), u64(9), BPF_ANY, 0) == -E2BIG
    with pytest.raises(MapError, match=r"^update: map is full \(E2BIG\)$"):
        hmap.update_elem(u32(9), u64(9))
    hmap.update_elem(u32(2), u64(20))
    assert hmap.lookup_elem(u32(2)) == u64(20)


def test_noexist_on_existing_key_raises_eexist(hmap: HashMap) -> None:
    hmap.update_elem(u32(1), u64(1))
    with pytest.raises(MapError, match=r"^update: key exists \(EEXIST\)$"):
        hmap.update_elem(u32(1), u64(1), BPF_NOEXIST)


def test_exist_on_missing_key_raises_key_error(hmap: HashMap) -> None:
    with pytest.raises(KeyNotExistError, match=r"^update: key does not exist \(ENOENT\)$"):
        hmap.update_elem(u32(1), u64(1), BPF_EXIST)


def test_program_lookup_of_missing_key_is_null(hmap: HashMap) -> None:
    assert hmap.lookup(u32(5), 0) == 0


def test_delete_removes_and_reports_missing_keys(hmap: HashMap) -> None:
    hmap.update_elem(u32(1), u64(1))
    assert hmap.delete(u32(1)) == 0
    assert hmap.delete(u32(1)) == -ENOENT
    with pytest.raises(KeyNotExistError, match=r"^delete: key does not exist \(ENOENT\)$"):
        hmap.delete_elem(u32(1))
    with pytest.raises(KeyError):
        hmap.lookup_elem(u32(1))


def test_delete_makes_room_in_a_full_map(hmap: HashMap) -> None:
    for k in range(3):
        hmap.update_elem(u32(k), u64(k))
    hmap.delete_elem(u32(0))
    hmap.update_elem(u32(7), u64(7), BPF_NOEXIST)
    assert sorted(hmap.keys()) == sorted([u32(1), u32(2), u32(7)])


def test_lookup_and_delete_returns_the_value_once(hmap: HashMap) -> None:
    hmap.update_elem(u32(4), u64(44))
    assert hmap.lookup_and_delete_elem(u32(4)) == u64(44)
    with pytest.raises(KeyNotExistError):
        hmap.lookup_and_delete_elem(u32(4))


def test_keys_and_get_next_key_follow_insertion_order(hmap: HashMap) -> None:
    for k in (5, 1, 3):
        hmap.update_elem(u32(k), u64(k))
    assert hmap.keys() == [u32(5), u32(1), u32(3)]
    assert hmap.get_next_key(None) == u32(5)
    assert hmap.get_next_key(u32(1)) == u32(3)
    assert hmap.get_next_key(u32(3)) is None
    assert hmap.get_next_key(u32(42)) == u32(5)  # a deleted key restarts the walk


def _walk_deleting(m: HashMap, delete_first: bool) -> list[int]:
    """Walk with get_next_key, deleting each key: before asking for the next one (which then
    starts again from the first key) or after."""
    seen, key = [], m.get_next_key(None)
    while key is not None:
        seen.append(int.from_bytes(key, "little"))
        if delete_first:
            m.delete_elem(key)
            key = m.get_next_key(key)
        else:
            following = m.get_next_key(key)
            m.delete_elem(key)
            key = following
    return seen


@pytest.mark.parametrize("delete_first", [False, True], ids=["next-then-delete", "delete-then-next"])
def test_walking_while_deleting_visits_every_key_once(space: AddressSpace, delete_first: bool) -> None:
    m = HashMap("h", 4, 8, 5000, space=space)
    for k in range(5000):
        m.update_elem(u32(k), u64(k))
    m.get_next_key(None)  # a walk has begun: the order is kept from now on
    m.delete_elem(u32(7))
    m.update_elem(u32(7), u64(7))  # back, and now last
    m.update_elem(u32(9), u64(99))  # replaced: keeps its place
    assert _walk_deleting(m, delete_first) == [k for k in range(5000) if k != 7] + [7]
    assert m.keys() == []


def test_a_key_deleted_during_a_walk_is_skipped_and_one_added_comes_last(hmap: HashMap) -> None:
    for k in (1, 2, 3):
        hmap.update_elem(u32(k), u64(k))
    assert hmap.get_next_key(u32(1)) == u32(2)
    hmap.delete_elem(u32(2))
    assert hmap.get_next_key(u32(1)) == u32(3)
    hmap.update_elem(u32(4), u64(4))
    assert hmap.get_next_key(u32(3)) == u32(4)
    assert hmap.get_next_key(u32(2)) == u32(1)  # gone: from the first key again


def test_empty_map_has_no_first_key(hmap: HashMap) -> None:
    assert hmap.get_next_key(None) is None


def test_update_of_existing_key_makes_a_new_element(space: AddressSpace, hmap: HashMap) -> None:
    hmap.update_elem(u32(1), u64(1))
    old = hmap.lookup(u32(1), 0)
    hmap.update_elem(u32(1), u64(2))
    new = hmap.lookup(u32(1), 0)
    assert new != old
    assert read(space, new, 8) == u64(2)
    assert read(space, old, 8) == u64(1)  # the old element stays readable memory


def test_lookup_pointers_stay_valid_memory_after_delete_and_churn(
    space: AddressSpace, hmap: HashMap
) -> None:
    hmap.update_elem(u32(1), u64(111))
    pointer = hmap.lookup(u32(1), 0)
    hmap.delete_elem(u32(1))
    for k in range(2, 4):
        hmap.update_elem(u32(k), u64(k))
    assert read(space, pointer, 8) == u64(111)  # not yet reused: fresh slots go first
    for k in range(20):
        hmap.update_elem(u32(2), u64(k))  # churn reuses freed slots
    assert space.find(pointer, 8) is not None


def test_preallocated_map_allocates_everything_up_front(space: AddressSpace) -> None:
    m = HashMap("h", 4, 8, 100, space=space)
    (region,) = m.regions()
    assert region.size >= 100 * 16
    for k in range(100):
        m.update_elem(u32(k), u64(k))
    assert m.regions() == [region]


def test_no_prealloc_map_grows_as_elements_arrive(space: AddressSpace, monkeypatch: pytest.MonkeyPatch) -> None:
    # With its index in Python (a native one maps every slot at once, lazily: see below)
    monkeypatch.setenv("PYBPF_NATIVE_MAPS", "0")
    m = HashMap("h", 4, 2000, 10, BPF_F_NO_PREALLOC, space=space)
    assert m.regions() == []
    m.update_elem(u32(0), bytes(2000))
    assert len(m.regions()) == 1
    for k in range(1, 10):
        m.update_elem(u32(k), bytes(2000))
    grown = len(m.regions())
    assert grown > 1
    for _ in range(5):  # delete and re-add: freed slots are reused, no growth
        m.delete_elem(u32(0))
        m.update_elem(u32(0), bytes(2000))
    assert len(m.regions()) == grown


def test_a_native_no_prealloc_map_maps_its_slots_once(space: AddressSpace) -> None:
    m = HashMap("h", 4, 2000, 1000, BPF_F_NO_PREALLOC, space=space)
    if not m.native_descriptor:
        pytest.skip("native maps need llvmlite")
    (region,) = m.regions()  # two megabytes of address space, untouched until used
    assert region.size >= 1001 * 2000
    for k in range(20):
        m.update_elem(u32(k), bytes([k]) * 2000)
    assert m.regions() == [region]
    assert m.lookup_elem(u32(7)) == bytes([7]) * 2000


def test_elements_keep_their_key_before_the_value(hmap: HashMap) -> None:
    hmap.update_elem(u32(0xABCD), u64(1))
    slot = hmap.slot_of(hmap.lookup(u32(0xABCD), 0) + 3)
    assert slot is not None
    assert hmap.element_key(slot) == u32(0xABCD)
    assert hmap.value_address(slot) == hmap.lookup(u32(0xABCD), 0)
    assert hmap.slot_of(hmap.address) is None


# -- per-CPU hash ----------------------------------------------------------------------


@pytest.fixture
def percpu(space: AddressSpace) -> PerCpuHashMap:
    return PerCpuHashMap("ph", 4, 8, 4, space=space, ncpus=2)


def test_percpu_program_insert_zero_fills_other_cpus(percpu: PerCpuHashMap) -> None:
    percpu.update_elem(u32(1), [u64(5), u64(6)])
    percpu.delete_elem(u32(1))  # the slot's old bytes must not come back
    assert percpu.update(u32(2), u64(9), BPF_ANY, 1) == 0
    assert percpu.lookup_elem(u32(2)) == [u64(0), u64(9)]


def test_percpu_program_update_of_existing_key_is_in_place_for_one_cpu(
    space: AddressSpace, percpu: PerCpuHashMap
) -> None:
    percpu.update_elem(u32(1), u64(3))
    pointer = percpu.lookup(u32(1), 0)
    assert percpu.update(u32(1), u64(4), BPF_EXIST, 0) == 0
    assert percpu.lookup(u32(1), 0) == pointer
    assert percpu.lookup_elem(u32(1)) == [u64(4), u64(3)]
    assert read(space, percpu.lookup(u32(1), 1), 8) == u64(3)


def test_percpu_lookup_and_delete_returns_every_cpu(percpu: PerCpuHashMap) -> None:
    percpu.update_elem(u32(1), [u64(1), u64(2)])
    assert percpu.lookup_and_delete_elem(u32(1)) == [u64(1), u64(2)]


def test_percpu_refuses_bpf_f_lock(percpu: PerCpuHashMap) -> None:
    assert percpu.update(u32(1), u64(1), BPF_F_LOCK, 0) == -EINVAL
