"""Longest-prefix-match tries (``BPF_MAP_TYPE_LPM_TRIE``), the routing-table map.

A key is ``struct bpf_lpm_trie_key_u8``: a ``u32 prefixlen`` (host order) followed by
``key_size - 4`` bytes of data (network order, most significant bit first). Two keys name the
same element when their prefix lengths and their first ``prefixlen`` bits agree; the bits after
the prefix are kept as given but never compared. A lookup (from a program or user space)
returns the value of the longest stored prefix that matches the first ``prefixlen`` bits of
the key it is given. Walking the keys follows the kernel's ``trie_get_next_key``: a post-order
walk of the binary trie, so longer prefixes come before the shorter prefixes that contain
them, and a 0 bit before a 1 bit.
"""

from __future__ import annotations

from typing import ClassVar, final

from ._elements import Writes
from ._errors import EINVAL, ENOSPC, MapError
from ._hash import HashBase
from ._types import BPF_EXIST, BPF_F_ACCESS_MASK, BPF_F_NO_PREALLOC, BPF_F_NUMA_NODE, MapType

__all__ = ["LpmTrie"]

PREFIXLEN_SIZE = 4  #: the ``u32 prefixlen`` at the start of every key
DATA_SIZE_MAX = 256  #: LPM_DATA_SIZE_MAX: the longest data part of a key
VALUE_SIZE_MAX = (1 << 22) - 1  #: what LPM_VAL_SIZE_MAX allows on x86-64 (KMALLOC_MAX_SIZE bound)


def _bits(data: bytes, count: int) -> tuple[int, ...]:
    """The first ``count`` bits of ``data``, most significant bit of each byte first."""
    return tuple((data[i // 8] >> (7 - i % 8)) & 1 for i in range(count))


class _PrefixIndex(dict[bytes, int]):
    """The element index, keyed by the canonical form of a key (the bits after the prefix
    cleared), so that every key of one prefix finds the same element."""

    def __init__(self, data_size: int) -> None:
        super().__init__()
        self.data_size = data_size

    def canonical(self, key: bytes) -> bytes:
        prefixlen = min(int.from_bytes(key[:PREFIXLEN_SIZE], "little"), self.data_size * 8)
        data = bytearray(key[PREFIXLEN_SIZE:])
        full, rest = divmod(prefixlen, 8)
        if rest:
            data[full] &= (0xFF << (8 - rest)) & 0xFF
            full += 1
        data[full:] = bytes(len(data) - full)
        return key[:PREFIXLEN_SIZE] + bytes(data)

    def get(self, key: bytes, default: int | None = None) -> int | None:  # type: ignore[override]
        return super().get(self.canonical(key), default)

    def __setitem__(self, key: bytes, slot: int) -> None:
        super().__setitem__(self.canonical(key), slot)

    def pop(self, key: bytes, default: int | None = None) -> int | None:  # type: ignore[override]
        return super().pop(self.canonical(key), default)


@final
class LpmTrie(HashBase):
    """``BPF_MAP_TYPE_LPM_TRIE``: longest-prefix match over ``prefixlen`` + data keys."""

    type: ClassVar[MapType] = MapType.LPM_TRIE
    _create_flags: ClassVar[int] = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK

    def _new_index(self) -> dict[bytes, int]:  # type: ignore[override]
        return _PrefixIndex(self.key_size - PREFIXLEN_SIZE)

    @property
    def max_prefixlen(self) -> int:
        """The number of data bits in a key."""
        return (self.key_size - PREFIXLEN_SIZE) * 8

    def _check_attrs(self) -> None:
        """``trie_alloc``: the kernel refuses every bad attribute with EINVAL, and insists on
        BPF_F_NO_PREALLOC."""
        data_size = self.key_size - PREFIXLEN_SIZE
        if self.max_entries == 0 or not self.flags & BPF_F_NO_PREALLOC:
            raise MapError("create", EINVAL, "lpm tries need max_entries and BPF_F_NO_PREALLOC")
        if not 1 <= data_size <= DATA_SIZE_MAX:
            raise MapError("create", EINVAL, f"key_size must be 5 to {DATA_SIZE_MAX + PREFIXLEN_SIZE}")
        if not 1 <= self.value_size <= VALUE_SIZE_MAX:
            raise MapError("create", EINVAL, f"value_size must be 1 to {VALUE_SIZE_MAX}")

    def _prefixlen(self, key: bytes) -> int:
        return int.from_bytes(key[:PREFIXLEN_SIZE], "little")

    def _find(self, key: bytes) -> int | None:
        """The element of the longest stored prefix matching the key's first prefixlen bits."""
        limit = min(self._prefixlen(key), self.max_prefixlen)
        wanted = _bits(key[PREFIXLEN_SIZE:], limit)
        best: tuple[int, int] | None = None
        with self._lock:
            for canonical, slot in self._elements.items():
                length = self._prefixlen(canonical)
                longer = best is None or length > best[0]
                if longer and length <= limit and _bits(canonical[PREFIXLEN_SIZE:], length) == wanted[:length]:
                    best = (length, slot)
        return None if best is None else best[1]

    def _update(self, key: bytes, writes: Writes, flags: int) -> int:
        """``trie_update_elem``: EINVAL for a prefix longer than the key's data or unknown
        flags, ENOSPC for a new prefix in a full trie, then the hash map's EEXIST/ENOENT rules."""
        if self._prefixlen(key) > self.max_prefixlen or flags > BPF_EXIST:
            return -EINVAL
        with self._lock:
            full = self._elements.get(key) is None and len(self._elements) >= self.max_entries
        if full:
            return -ENOSPC
        return super()._update(key, writes, flags)

    def delete(self, key: bytes) -> int:
        """Remove the element of exactly this prefix: 0, or -ENOENT (-EINVAL for a prefix
        longer than the data)."""
        if self._prefixlen(key) > self.max_prefixlen:
            return -EINVAL
        return super().delete(key)

    def _order(self, canonical: bytes) -> tuple[int, ...]:
        """The post-order position: the prefix's bits, then 2, which sorts a prefix after
        every longer prefix it contains."""
        return (*_bits(canonical[PREFIXLEN_SIZE:], self._prefixlen(canonical)), 2)

    def keys(self) -> list[bytes]:
        """Every key as it was stored, in the kernel's post-order."""
        self._check_access("keys", read=True)
        with self._lock:
            ordered = sorted(self._elements.items(), key=lambda item: self._order(item[0]))
        return [self.element_key(slot) for _, slot in ordered]

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """The key after ``key`` in post-order; the first when ``key`` is None, longer than the
        data or not stored."""
        self._check_access("get next key", read=True)
        keys = self.keys()
        if key is not None:
            key = self._check_key("get next key", key)
            index = self._elements if self._prefixlen(key) <= self.max_prefixlen else {}
            slot = index.get(key)
            if slot is not None:
                position = [self._elements.get(k) for k in keys].index(slot) + 1
                return keys[position] if position < len(keys) else None
        return keys[0] if keys else None

