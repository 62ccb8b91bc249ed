"""Bob Jenkins' lookup3 hash as the kernel's ``include/linux/jhash.h`` computes it.

The kernel hashes bloom filter values with ``jhash`` (bytes) or ``jhash2`` (32-bit words, used
when the value size is a multiple of 4). On a little-endian machine both give the same answer
for the same bytes, because ``jhash`` adds its trailing bytes as a zero-padded little-endian
word, so one function serves both here.
"""

from __future__ import annotations

import struct

__all__ = ["jhash"]

JHASH_INITVAL = 0xDEADBEEF  #: the golden-ratio starting value the kernel adds to every hash
_MASK = 0xFFFF_FFFF


def _rol(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _MASK


def _mix(a: int, b: int, c: int) -> tuple[int, int, int]:
    """Stir three words after each 12-byte block (``__jhash_mix``): six steps, each of the
    form ``x -= z; x ^= rol(z, k); z += y`` on the words taken in turn as (a, b, c), (b, c, a),
    (c, a, b)..., which the tuple rotation at the end of each step gives."""
    for k in (4, 6, 8, 16, 19, 4):
        a = ((a - c) & _MASK) ^ _rol(c, k)
        c = (c + b) & _MASK
        a, b, c = b, c, a
    return a, b, c


def _final(a: int, b: int, c: int) -> int:
    """The last avalanche (``__jhash_final``); only ``c`` is returned."""
    c = ((c ^ b) - _rol(b, 14)) & _MASK
    a = ((a ^ c) - _rol(c, 11)) & _MASK
    b = ((b ^ a) - _rol(a, 25)) & _MASK
    c = ((c ^ b) - _rol(b, 16)) & _MASK
    a = ((a ^ c) - _rol(c, 4)) & _MASK
    b = ((b ^ a) - _rol(a, 14)) & _MASK
    c = ((c ^ b) - _rol(b, 24)) & _MASK
    return c


def jhash(data: bytes, initval: int) -> int:
    """``jhash(data, len(data), initval)``: the kernel's 32-bit hash of ``data``."""
    a = b = c = (JHASH_INITVAL + len(data) + initval) & _MASK
    rest = len(data)
    offset = 0
    while rest > 12:
        x, y, z = struct.unpack_from("<III", data, offset)
        a, b, c = _mix((a + x) & _MASK, (b + y) & _MASK, (c + z) & _MASK)
        offset += 12
        rest -= 12
    if rest == 0:
        return c
    x, y, z = struct.unpack("<III", data[offset:].ljust(12, b"\0"))
    return _final((a + x) & _MASK, (b + y) & _MASK, (c + z) & _MASK)
