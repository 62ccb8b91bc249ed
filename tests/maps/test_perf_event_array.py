"""Perf event arrays: output into per-CPU rings, raw-sample padding, lost counts, errnos."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import BPF_F_CURRENT_CPU, MapError, PerfEventArray

from .conftest import u32

ENOENT, E2BIG, EINVAL, ENOSPC, EOPNOTSUPP = 2, 7, 22, 28, 95


@pytest.fixture
def events(space: AddressSpace) -> PerfEventArray:
    return PerfEventArray("events", 4, 4, 2, space=space, ncpus=2)


def test_output_needs_a_reader(events: PerfEventArray) -> None:
    assert events.output(BPF_F_CURRENT_CPU, 0, b"x") == -ENOENT
    events.open_buffer()
    assert events.output(BPF_F_CURRENT_CPU, 0, b"x") == 0


def test_flags_name_the_slot_and_the_cpu_must_match(events: PerfEventArray) -> None:
    events.open_buffer()
    assert events.output(1, 1, b"a") == 0
    assert events.output(1, 0, b"a") == -EOPNOTSUPP  # slot 1's event lives on CPU 1
    assert events.output(2, 0, b"a") == -E2BIG
    assert events.output(1 << 32, 0, b"a") == -EINVAL


def test_samples_are_padded_like_perf_raw_records(events: PerfEventArray) -> None:
    events.open_buffer()
    for size in (1, 4, 5, 12):
        events.output(BPF_F_CURRENT_CPU, 0, bytes(range(1, size + 1)))
    got: list[bytes] = []
    assert events.poll(got.append) == 4
    assert [len(s) for s in got] == [4, 4, 12, 12]
    assert got[2] == bytes(range(1, 6)) + bytes(7)


def test_full_rings_lose_samples_and_report_them(events: PerfEventArray) -> None:
    events.open_buffer(page_count=1)
    sent = sum(events.output(BPF_F_CURRENT_CPU, 0, bytes(1000)) == 0 for _ in range(10))
    assert sent == 4 and events.output(BPF_F_CURRENT_CPU, 0, bytes(1000)) == -ENOSPC
    assert events.lost_count() == 7
    lost: list[tuple[int, int]] = []
    assert events.poll(lambda s: None, lost=lambda cpu, n: lost.append((cpu, n))) == 4
    assert events.output(BPF_F_CURRENT_CPU, 0, b"after") == 0
    assert events.poll(lambda s: None, lost=lambda cpu, n: lost.append((cpu, n))) == 1
    assert lost == [(0, 7)]


def test_user_space_cannot_read_it(events: PerfEventArray) -> None:
    events.open_buffer()
    with pytest.raises(MapError, match=r"\(EOPNOTSUPP\)$"):
        events.lookup_elem(u32(0))
    with pytest.raises(ValueError, match="power of 2"):
        events.open_buffer(3)
