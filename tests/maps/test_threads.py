"""Thread-safety smoke tests: concurrent users leave maps consistent."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from pybpf.engine import AddressSpace, Region
from pybpf.maps import BPF_ANY, BPF_RB_AVAIL_DATA, HashMap, LruHashMap, RingBuf

from .conftest import u32, u64

THREADS = 6
ROUNDS = 300


def _run(worker: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.parametrize("flags", [0, 1], ids=["prealloc", "no-prealloc"])
def test_concurrent_updates_and_deletes_end_consistent(space: AddressSpace, flags: int) -> None:
    m = HashMap("h", 4, 8, THREADS * 4, flags, space=space)

    def worker(t: int) -> None:
        for n in range(ROUNDS):
            key = u32(t * 4 + n % 4)
            assert m.update(key, u64(n), BPF_ANY, t % 2) == 0
            if n % 3 == 0:
                assert m.delete(key) == 0

    _run(worker)
    keys = m.keys()
    final = {k: m.lookup_elem(k) for k in keys}
    for t in range(THREADS):
        for k in range(4):
            last = max(n for n in range(ROUNDS) if n % 4 == k)
            key = u32(t * 4 + k)
            if last % 3 == 0:
                assert key not in final
            else:
                assert final[key] == u64(last)
    slots = {m.slot_of(m.lookup(k, 0)) for k in final}
    assert len(slots) == len(final)  # no two live elements share a slot


def test_concurrent_lru_traffic_keeps_the_map_bounded(space: AddressSpace) -> None:
    m = LruHashMap("lru", 4, 8, 16, space=space)

    def worker(t: int) -> None:
        for n in range(ROUNDS):
            key = u32((t * 7919 + n) % 64)
            assert m.update(key, key + key, BPF_ANY, 0) == 0
            m.lookup(key, 0)  # marks use, racing with the updates of other threads

    _run(worker)
    keys = m.keys()
    assert len(keys) == 16
    for key in keys:
        assert m.lookup_elem(key) == key + key


def test_concurrent_producers_lose_no_records(space: AddressSpace) -> None:
    rb = RingBuf("events", 0, 0, 1 << 16, space=space)
    got: list[bytes] = []

    def worker(t: int) -> None:
        for n in range(ROUNDS // 3):
            while rb.output(u32(t) + u32(n)) != 0:
                pass  # full: the consumer below drains it

    producers = threading.Thread(target=_run, args=(worker,))
    producers.start()
    while producers.is_alive() or rb.query(BPF_RB_AVAIL_DATA):
        got += rb.consume()
    producers.join()
    got += rb.consume()
    assert len(got) == THREADS * (ROUNDS // 3)
    for t in range(THREADS):
        mine = [r[4:] for r in got if r[:4] == u32(t)]
        assert mine == [u32(n) for n in range(ROUNDS // 3)]  # each producer's order holds


def test_hook_is_called_once_per_freed_element_under_contention(space: AddressSpace) -> None:
    m = HashMap("t", 4, 16, 8, space=space, special_fields=[(0, 16)])
    calls: list[int] = []
    lock = threading.Lock()

    def hook(slot: int, region: Region, offset: int) -> None:
        with lock:
            calls.append(slot)

    m.on_free_fields = hook
    replaced = [0] * THREADS

    def worker(t: int) -> None:
        for n in range(ROUNDS):
            if m.update(u32(t), bytes(16), BPF_ANY, 0) == 0 and n:
                replaced[t] += 1

    _run(worker)
    assert len(calls) == sum(replaced)
