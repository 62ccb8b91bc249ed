"""Bloom filters (``BPF_MAP_TYPE_BLOOM_FILTER``): a set programs can add values to and test.

The map has no keys: ``bpf_map_push_elem`` adds a value and ``bpf_map_peek_elem`` answers 0
("maybe present") or -ENOENT ("certainly absent"); user space does the same through update and
lookup with an empty key. Values cannot be removed (EOPNOTSUPP). The kernel's filter is a bit
array hashed ``map_extra & 0xf`` times (5 when 0), so it can answer "maybe" for a value never
added; pybpf keeps the exact set, which the kernel's answers for added values always agree with.
"""

from __future__ import annotations

from typing import ClassVar, final

from ._base import Map
from ._errors import EINVAL, ENOENT, EOPNOTSUPP, MapError
from ._types import BPF_ANY, BPF_F_ACCESS_MASK, BPF_F_NUMA_NODE, BPF_F_ZERO_SEED, MapType

__all__ = ["BloomFilter"]

DEFAULT_HASHES = 5  #: the kernel's number of hash functions when map_extra gives none




@final
class BloomFilter(Map):
    """``BPF_MAP_TYPE_BLOOM_FILTER``: push adds, peek tests; nothing is ever removed."""

    type: ClassVar[MapType] = MapType.BLOOM_FILTER
    _create_flags: ClassVar[int] = BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_ACCESS_MASK
    _unsupported: ClassVar[int] = EOPNOTSUPP

    def _setup(self) -> None:
        self._members: set[bytes] = set()
        #: how many hash functions the kernel's filter would use (see :meth:`set_map_extra`)
        self.hash_count = DEFAULT_HASHES

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
        self.hash_count = map_extra or DEFAULT_HASHES

    def push(self, value: bytes, flags: int) -> int:
        """Add ``value``: 0, or -EINVAL for flags other than BPF_ANY."""
        if flags != BPF_ANY:
            return -EINVAL
        with self._lock:
            self._members.add(bytes(value))
        return 0

    def contains(self, value: bytes) -> int:
        """``bpf_map_peek_elem``: 0 when ``value`` may be present, -ENOENT when it is not."""
        with self._lock:
            return 0 if bytes(value) in self._members else -ENOENT

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
