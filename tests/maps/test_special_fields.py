"""Special fields (bpf_timer, bpf_spin_lock) in map values: masked, never copied over, and
freed exactly when the kernel frees them (the hook the timer layer uses to cancel timers)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from pybpf.engine import AddressSpace, Region
from pybpf.maps import (
    BPF_ANY,
    BPF_EXIST,
    BPF_F_LOCK,
    EINVAL,
    ArrayMap,
    ElementMap,
    HashMap,
    LruHashMap,
    MapError,
    spin_lock_at,
)

from .conftest import FreedFields, read_raw, u32, write_raw

TIMER = (8, 16)
LOCK = (24, 4)
MARK = b"\xaa" * 16  # what bpf_timer_init might leave in the timer bytes
VALUE = bytes(range(1, 33))


def _masked(value: bytes, fields: list[tuple[int, int]]) -> bytes:
    out = bytearray(value)
    for offset, size in fields:
        out[offset : offset + size] = bytes(size)
    return bytes(out)


FAMILIES = [
    pytest.param((ArrayMap, [TIMER, LOCK]), id="array"),
    pytest.param((HashMap, [TIMER, LOCK]), id="hash"),
    pytest.param((LruHashMap, [TIMER]), id="lru_hash"),
]


@pytest.fixture(params=FAMILIES)
def family(request: pytest.FixtureRequest) -> tuple[type[ElementMap], list[tuple[int, int]]]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def tmap(space: AddressSpace, family: tuple[type[ElementMap], list[tuple[int, int]]]) -> ElementMap:
    cls, fields = family
    m = cls("timers", 4, 32, 2, space=space, special_fields=fields)
    m.update_elem(u32(0), VALUE)
    return m


def _arm(space: AddressSpace, m: ElementMap, key: bytes = u32(0)) -> int:
    """Write the timer bytes of ``key``'s value as bpf_timer_init would; its value address."""
    address = m.lookup(key, 0)
    write_raw([m], address + TIMER[0], MARK)
    return address


def test_user_lookup_reads_special_fields_as_zeros(space: AddressSpace, tmap: ElementMap) -> None:
    _arm(space, tmap)
    assert tmap.lookup_elem(u32(0)) == _masked(VALUE, list(tmap.special_fields))


def test_updates_never_copy_into_special_fields(space: AddressSpace, tmap: ElementMap) -> None:
    tmap.update_elem(u32(1), b"\xff" * 32)
    assert tmap.update(u32(0), b"\xee" * 32, BPF_ANY, 0) == 0
    for key, byte in ((u32(1), b"\xff"), (u32(0), b"\xee")):
        raw = read_raw([tmap], tmap.lookup(key, 0), 32)
        assert raw == _masked(byte * 32, list(tmap.special_fields))


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda m: m.update_elem(u32(0), VALUE), id="user-update"),
        pytest.param(lambda m: m.update(u32(0), VALUE, BPF_EXIST, 0), id="program-update"),
        pytest.param(lambda m: m.free_fields(), id="free-fields"),
        pytest.param(lambda m: m.close(), id="close"),
    ],
)
def test_operations_free_the_fields_of_the_element(
    space: AddressSpace,
    tmap: ElementMap,
    freed: Callable[[ElementMap], FreedFields],
    operation: Callable[[ElementMap], object],
) -> None:
    hook = freed(tmap)
    address = _arm(space, tmap)
    slot = tmap.slot_of(address)
    operation(tmap)
    assert address in hook.addresses
    assert slot in hook.slots
    if not tmap.closed:  # a closed map is no longer program memory
        assert read_raw([tmap], address + TIMER[0], 16) == bytes(16)


@pytest.mark.parametrize("cls", [HashMap, LruHashMap], ids=["hash", "lru_hash"])
@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda m: m.delete_elem(u32(0)), id="delete"),
        pytest.param(lambda m: m.delete(u32(0)), id="program-delete"),
        pytest.param(lambda m: m.lookup_and_delete_elem(u32(0)), id="lookup-and-delete"),
    ],
)
def test_removing_a_hash_element_frees_its_fields(
    space: AddressSpace,
    freed: Callable[[ElementMap], FreedFields],
    cls: type[ElementMap],
    operation: Callable[[ElementMap], object],
) -> None:
    m = cls("timers", 4, 32, 2, space=space, special_fields=[TIMER])
    m.update_elem(u32(0), VALUE)
    hook = freed(m)
    address = _arm(space, m)
    operation(m)
    assert hook.addresses == [address]


def test_clearing_an_array_element_frees_its_fields_and_zeroes_it(
    space: AddressSpace, freed: Callable[[ElementMap], FreedFields]
) -> None:
    m = ArrayMap("timers", 4, 32, 2, space=space, special_fields=[TIMER])
    m.update_elem(u32(1), VALUE)
    hook = freed(m)
    address = _arm(space, m, u32(1))
    m.clear_elem(u32(1))
    assert hook.addresses == [address]
    assert hook.slots == [1]
    assert read_raw([m], address, 32) == bytes(32)


def test_lru_eviction_frees_the_fields_of_the_victim(
    space: AddressSpace, freed: Callable[[ElementMap], FreedFields]
) -> None:
    m = LruHashMap("timers", 4, 32, 2, space=space, special_fields=[TIMER])
    m.update_elem(u32(0), VALUE)
    m.update_elem(u32(1), VALUE)
    hook = freed(m)
    victim = _arm(space, m, u32(0))  # a program lookup: key 0 is now the most recent
    m.lookup(u32(1), 0)  # and now key 1 is
    m.update_elem(u32(2), VALUE)
    assert hook.addresses == [victim]


def test_hash_update_of_existing_key_starts_the_new_element_with_zeroed_fields(
    space: AddressSpace, freed: Callable[[ElementMap], FreedFields]
) -> None:
    m = HashMap("timers", 4, 32, 2, space=space, special_fields=[TIMER])
    m.update_elem(u32(0), VALUE)
    hook = freed(m)
    old = _arm(space, m)
    m.update_elem(u32(0), VALUE)
    new = m.lookup(u32(0), 0)
    assert hook.addresses == [old]
    assert read_raw([m], new + TIMER[0], 16) == bytes(16)


@pytest.mark.parametrize("cls", [HashMap, LruHashMap], ids=["hash", "lru_hash"])
def test_inserting_a_new_key_frees_nothing(
    space: AddressSpace, freed: Callable[[ElementMap], FreedFields], cls: type[ElementMap]
) -> None:
    m = cls("timers", 4, 32, 2, space=space, special_fields=[TIMER])
    hook = freed(m)
    m.update_elem(u32(1), VALUE)
    assert m.update(u32(2), VALUE, BPF_ANY, 0) == 0
    assert hook.addresses == []


def test_hook_sees_the_fields_before_they_are_zeroed(space: AddressSpace) -> None:
    m = ArrayMap("timers", 4, 32, 1, space=space, special_fields=[TIMER])
    seen: list[bytes] = []

    def hook(slot: int, region: Region, offset: int) -> None:
        start = offset + TIMER[0]
        seen.append(bytes(region.buf[start : start + 16]))

    m.on_free_fields = hook
    _arm(space, m)
    m.update_elem(u32(0), VALUE)
    assert seen == [MARK]


def test_hook_may_use_the_map_itself(space: AddressSpace) -> None:
    """The hook runs without the map lock: a timer callback it waits for may touch the map."""
    m = LruHashMap("timers", 4, 32, 2, space=space, special_fields=[TIMER])
    calls = []

    def hook(slot: int, region: Region, offset: int) -> None:
        calls.append(slot)
        if len(calls) == 1:
            assert m.update(u32(100), VALUE, BPF_ANY, 0) == 0  # evicts again, re-entering

    m.update_elem(u32(0), VALUE)
    m.update_elem(u32(1), VALUE)
    m.on_free_fields = hook
    m.update_elem(u32(2), VALUE)
    assert len(calls) == 2
    assert sorted(m.keys()) == sorted([u32(2), u32(100)])


# -- BPF_F_LOCK ------------------------------------------------------------------------


@pytest.fixture
def locked_hash(space: AddressSpace) -> HashMap:
    m = HashMap("locked", 4, 32, 2, space=space, special_fields=[TIMER, LOCK])
    m.update_elem(u32(0), VALUE)
    return m


def test_lock_update_of_existing_hash_element_keeps_it_and_its_timer(
    space: AddressSpace, locked_hash: HashMap, freed: Callable[[ElementMap], FreedFields]
) -> None:
    hook = freed(locked_hash)
    address = _arm(space, locked_hash)
    assert locked_hash.update(u32(0), b"\x55" * 32, BPF_F_LOCK, 0) == 0
    locked_hash.update_elem(u32(0), b"\x66" * 32, BPF_F_LOCK | BPF_EXIST)
    assert hook.addresses == []
    assert locked_hash.lookup(u32(0), 0) == address
    assert read_raw([locked_hash], address + TIMER[0], 16) == MARK
    assert locked_hash.lookup_elem(u32(0)) == _masked(b"\x66" * 32, [TIMER, LOCK])


def test_lock_update_of_new_hash_key_inserts_it(locked_hash: HashMap) -> None:
    locked_hash.update_elem(u32(1), VALUE, BPF_F_LOCK)
    assert locked_hash.lookup_elem(u32(1), BPF_F_LOCK) == _masked(VALUE, [TIMER, LOCK])


def test_lock_update_of_array_still_frees_the_timer(
    space: AddressSpace, freed: Callable[[ElementMap], FreedFields]
) -> None:
    m = ArrayMap("locked", 4, 32, 1, space=space, special_fields=[TIMER, LOCK])
    hook = freed(m)
    address = _arm(space, m)
    m.update_elem(u32(0), VALUE, BPF_F_LOCK)
    assert hook.addresses == [address]
    assert read_raw([m], address + TIMER[0], 16) == bytes(16)


def test_lock_update_waits_for_the_spin_lock_holder(
    space: AddressSpace, locked_hash: HashMap
) -> None:
    lock = spin_lock_at(locked_hash.lookup(u32(0), 0) + LOCK[0])
    done = threading.Event()

    def update() -> None:
        locked_hash.update_elem(u32(0), b"\x77" * 32, BPF_F_LOCK)
        done.set()

    with lock:  # a program inside bpf_spin_lock()
        worker = threading.Thread(target=update)
        worker.start()
        assert not done.wait(0.05)
    worker.join(1)
    assert done.is_set()


@pytest.mark.parametrize(
    ("fields", "flags", "message"),
    [
        pytest.param(
            [TIMER],
            BPF_F_LOCK,
            r"^lookup: BPF_F_LOCK on a value without a bpf_spin_lock \(EINVAL\)$",
            id="no-lock",
        ),
        pytest.param(
            [TIMER, LOCK], BPF_EXIST, r"^lookup: invalid flags 0x2 \(EINVAL\)$", id="bad-flag"
        ),
    ],
)
def test_lookup_flags_other_than_a_usable_lock_are_einval(
    space: AddressSpace, fields: list[tuple[int, int]], flags: int, message: str
) -> None:
    m = HashMap("m", 4, 32, 2, space=space, special_fields=fields)
    m.update_elem(u32(0), VALUE)
    with pytest.raises(MapError, match=message) as info:
        m.lookup_elem(u32(0), flags)
    assert info.value.errno == EINVAL
