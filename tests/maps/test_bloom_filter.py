"""Bloom filters answer as the kernel's bit array does, false positives included."""

from __future__ import annotations

import pytest

from pybpf.engine import AddressSpace
from pybpf.maps import BPF_F_ZERO_SEED, BloomFilter
from pybpf.maps._bloom_filter import bitset_bits
from pybpf.maps._jhash import jhash

from .conftest import u32

ENOENT = 2


def maybe_mask(bloom: BloomFilter, values: list[bytes]) -> int:
    return sum(1 << i for i, v in enumerate(values) if bloom.contains(v) == 0)


def test_zero_seed_false_positives_are_the_kernels(space: AddressSpace) -> None:
    """The kernel (6.18), given u32 values 0..11 in a 4-entry, 2-hash, zero-seed filter, answers
    "maybe" for exactly these of the values 1000..1063 (tests/kernel/test_bloom_filter.py)."""
    bloom = BloomFilter("words", 0, 4, 4, BPF_F_ZERO_SEED, space=space)
    bloom.set_map_extra(2)
    for i in range(12):
        assert bloom.push(u32(i), 0) == 0
    assert maybe_mask(bloom, [u32(1000 + i) for i in range(64)]) == 0xA00000108A00


def test_unaligned_values_hash_bytewise_as_the_kernel(space: AddressSpace) -> None:
    bloom = BloomFilter("bytes6", 0, 6, 8, BPF_F_ZERO_SEED, space=space)
    for i in range(12):
        bloom.push(bytes([i, 1, 2, 3, 4, i * 3]), 0)
    assert maybe_mask(bloom, [bytes([i, 9, 9, 9, 9, i + 100]) for i in range(64)]) == 0x4048200010084880


def test_a_random_seed_still_finds_every_added_value(space: AddressSpace) -> None:
    bloom = BloomFilter("seeded", 0, 4, 8, space=space)
    for i in range(50):
        bloom.push(u32(i), 0)
    assert all(bloom.contains(u32(i)) == 0 for i in range(50))
    assert bloom.push(u32(1), 2) == -22  # only BPF_ANY


@pytest.mark.parametrize(
    ("entries", "hashes", "bits"),
    [(1, 1, 64), (16, 5, 128), (1000, 3, 8192), (300_000_000, 1, 1 << 29), (1 << 30, 2, 1 << 32), (1 << 31, 2, 1 << 32)],
)
def test_bit_array_size(entries: int, hashes: int, bits: int) -> None:
    assert bitset_bits(entries, hashes) == bits


def test_a_huge_filter_allocates_only_what_is_set(space: AddressSpace) -> None:
    bloom = BloomFilter("huge", 0, 8, 1 << 31, space=space)
    assert bloom.bits == 1 << 32
    bloom.push(bytes(8), 0)
    assert bloom.contains(bytes(8)) == 0


@pytest.mark.parametrize(("length", "expected"), [(0, 0xDEADBEEF), (5, 2464923630), (13, 3242550475), (24, 2254096152)])
def test_jhash_known_answers(length: int, expected: int) -> None:
    """The kernel's jhash() of the bytes 3, 10, 17... (``i * 7 + 3``) with ``initval`` 13 per
    byte: no block, a partial one, a full block and a tail, two full blocks."""
    data = bytes((i * 7 + 3) & 0xFF for i in range(length))
    assert jhash(data, length * 13) == expected
