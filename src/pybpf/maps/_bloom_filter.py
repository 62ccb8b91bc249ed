"""Bloom filters (``BPF_MAP_TYPE_BLOOM_FILTER``): a set programs can add values to and test.

The map has no keys: ``bpf_map_push_elem`` adds a value and ``bpf_map_peek_elem`` answers 0
("maybe present") or -ENOENT ("certainly absent"); user space does the same through update and
lookup with an empty key. Values cannot be removed (EOPNOTSUPP).

The filter is the kernel's bit array: ``map_extra & 0xf`` hash functions (5 when 0), hash ``i``
being ``jhash(value, seed + i)`` masked to the array, whose size is ``max_entries * hashes * 7 / 5``
bits rounded up to a power of two (at least 64; 2**32 past 2**31). So it answers "maybe" for
values never added exactly where the kernel does. The seed is random per map, as the kernel's
``get_random_u32``, unless the map asks for BPF_F_ZERO_SEED: then a pybpf filter and a kernel
filter fed the same values give the same answers for every value.
"""

from __future__ import annotations

import secrets
from typing import ClassVar, final

from ._base import Map
from ._errors import EINVAL, ENOENT, EOPNOTSUPP, MapError
from ._jhash import jhash
from ._types import BPF_ANY, BPF_F_ACCESS_MASK, BPF_F_NUMA_NODE, BPF_F_ZERO_SEED, MapType

__all__ = ["BloomFilter"]

DEFAULT_HASHES = 5  #: the kernel's number of hash functions when map_extra gives none
MAX_BITS = 1 << 32  #: the largest bit array: what the kernel falls back to when the sum overflows


def bitset_bits(max_entries: int, hashes: int) -> int:
    """The bit array size ``bloom_map_alloc`` picks: entries times hashes, times 7/5 (about
    1/ln 2, in integer steps: divide by 5, then multiply by 7), a power of two of at least 64."""
    bits = max_entries * hashes
    if bits >= 1 << 32:
        return MAX_BITS
    bits = bits // 5 * 7
    if bits > 1 << 31:
        return MAX_BITS
    return 64 if bits <= 64 else 1 << (bits - 1).bit_length()


@final
class BloomFilter(Map):
    """``BPF_MAP_TYPE_BLOOM_FILTER``: push adds, peek tests; nothing is ever removed."""

    type: ClassVar[MapType] = MapType.BLOOM_FILTER
    _create_flags: ClassVar[int] = BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_ACCESS_MASK
    _unsupported: ClassVar[int] = EOPNOTSUPP

    def _setup(self) -> None:
        #: the hash seed: 0 with BPF_F_ZERO_SEED, else random as the kernel's
        self.seed = 0 if self.flags & BPF_F_ZERO_SEED else secrets.randbits(32)
        self._set_hashes(DEFAULT_HASHES)

    def _set_hashes(self, count: int) -> None:
        #: how many hash functions the filter uses (see :meth:`set_map_extra`)
        self.hash_count = count
        #: the size of the bit array, in bits (a power of two)
        self.bits = bitset_bits(self.max_entries, count)
        # The set bits, not the array: a filter may have 2**32 bits, few of them ever set.
        self._set_bits: set[int] = set()

    def _positions(self, value: bytes) -> list[int]:
        mask = self.bits - 1
        return [jhash(value, (self.seed + i) & 0xFFFF_FFFF) & mask for i in range(self.hash_count)]

    def _check_attrs(self) -> None:
        """``bloom_map_alloc``: no key, a value, entries (all EINVAL otherwise)."""
        if self.key_size != 0 or self.value_size == 0 or self.max_entries == 0:
            raise MapError("create", EINVAL, "key_size must be 0, value_size and max_entries non-zero")

    def set_map_extra(self, map_extra: int) -> None:
        """Take BPF_MAP_CREATE's ``map_extra``: its low 4 bits are the number of hash functions
        (0 means 5).

        Raises:
            MapError: other bits are set (EINVAL, as ``bloom_map_alloc_check``).
        """
        if map_extra & ~0xF:
            raise MapError("create", EINVAL, "map_extra of a bloom filter holds only the hash count (0-15)")
        self._set_hashes(map_extra or DEFAULT_HASHES)

    def push(self, value: bytes, flags: int) -> int:
        """Add ``value``: 0, or -EINVAL for flags other than BPF_ANY."""
        if flags != BPF_ANY:
            return -EINVAL
        positions = self._positions(bytes(value))
        with self._lock:
            self._set_bits.update(positions)
        return 0

    def contains(self, value: bytes) -> int:
        """``bpf_map_peek_elem``: 0 when ``value`` may be present, -ENOENT when it is not."""
        positions = self._positions(bytes(value))
        with self._lock:
            present = self._set_bits.issuperset(positions)
        return 0 if present else -ENOENT

    def update_elem(self, key: bytes, value: object, flags: int = 0) -> None:
        """Add ``value`` (the key must be empty)."""
        self._check_access("update", write=True)
        self._raise_for("update", self.push(self._check_value("update", value), flags))

    def lookup_elem(self, key: bytes, flags: int = 0) -> bytes:
        """Test ``key`` as a value: it is returned when maybe present.

        Raises:
            KeyNotExistError: the value is certainly absent.
        """
        self._check_access("lookup", read=True)
        value = self._check_value("lookup", key)
        self._raise_for("lookup", self.contains(value))
        return value

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """A bloom filter cannot be walked (EOPNOTSUPP)."""
        self._check_access("get next key", read=True)
        raise MapError("get next key", EOPNOTSUPP)

    def keys(self) -> list[bytes]:
        """No keys to list: a bloom filter cannot be walked."""
        return []
