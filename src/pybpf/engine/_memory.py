"""The memory model: every byte a program may touch belongs to a registered region.

Programs see real 64-bit host addresses, as in the kernel. A :class:`Region` is a native buffer
(a ctypes array, so its address never moves and a JIT can use it directly) with a name and a
writable flag. Engines never dereference an address themselves: they find the region that holds
``[address, address + size)`` and go through its buffer, so an address outside every region is
a clean :class:`OutOfBoundsError`, never a crash.

Regions shared by every run (map values, global data) live in an :class:`AddressSpace`; regions
private to one run (stack frames, context, packet) are handed to that run only.
"""

from __future__ import annotations

import bisect
import ctypes
import ctypes.util
import mmap
import sys
import threading
import weakref
from collections.abc import Iterable
from typing import final

__all__ = ["AddressSpace", "Region"]


@final
class Region:
    """A native buffer that programs may address.

    Args:
        size: its length in bytes (zero-filled).
        name: what it is, for messages ("stack", "map 'counts' value"...).
        writable: whether programs may store into it.
        data: initial contents (at most ``size`` bytes).
    """

    __slots__ = ("__weakref__", "_raw", "base", "buf", "end", "name", "size", "writable")

    def __init__(
        self, size: int, name: str, *, writable: bool = True, data: bytes = b"", low: bool = False
    ) -> None:
        if size < 0 or len(data) > size:
            raise ValueError(f"region '{name}': bad size {size} for {len(data)} bytes of data")
        # One spare byte keeps zero-sized regions addressable as distinct, empty ranges.
        self._raw = _low_buffer(size or 1, self) if low else (ctypes.c_ubyte * (size or 1))()
        self.name = name
        self.size = size
        self.writable = writable
        self.base: int = ctypes.addressof(self._raw)
        self.end: int = self.base + size
        self.buf = memoryview(self._raw).cast("B")[:size]
        self.buf[: len(data)] = data

    @classmethod
    def from_bytes(cls, data: bytes, name: str, *, writable: bool = True, low: bool = False) -> Region:
        """A region holding a copy of ``data``."""
        return cls(len(data), name, writable=writable, data=data, low=low)

    def contains(self, address: int, size: int) -> bool:
        """Whether ``[address, address + size)`` lies inside this region."""
        return self.base <= address and address + size <= self.end

    def zero(self) -> None:
        """Fill the region with zeros."""
        ctypes.memset(self.base, 0, self.size)

    def __repr__(self) -> str:
        return f"Region({self.name!r}, base=0x{self.base:x}, size={self.size})"


@final
class AddressSpace:
    """The regions shared by all runs of a runtime, searchable by address.

    Lookups take no lock: mutations replace the two sorted tuples at once, so a reader always
    sees a consistent snapshot. Regions never overlap because each owns its own native buffer.
    """

    def __init__(self, regions: Iterable[Region] = ()) -> None:
        self._lock = threading.Lock()
        self._snapshot: tuple[tuple[int, ...], tuple[Region, ...]] = ((), ())
        for region in regions:
            self.add(region)

    def add(self, region: Region) -> None:
        """Make ``region`` addressable by every run."""
        with self._lock:
            bases, regions = self._snapshot
            i = bisect.bisect_right(bases, region.base)
            self._snapshot = (
                bases[:i] + (region.base,) + bases[i:],
                regions[:i] + (region,) + regions[i:],
            )

    def remove(self, region: Region) -> None:
        """Stop ``region`` from being addressable; a no-op if it is not registered."""
        with self._lock:
            bases, regions = self._snapshot
            if region in regions:
                i = regions.index(region)
                self._snapshot = (bases[:i] + bases[i + 1 :], regions[:i] + regions[i + 1 :])

    def find(self, address: int, size: int) -> Region | None:
        """The region holding all of ``[address, address + size)``, or None."""
        bases, regions = self._snapshot
        i = bisect.bisect_right(bases, address) - 1
        if i >= 0 and address + size <= regions[i].end:
            return regions[i]
        return None

    def __len__(self) -> int:
        return len(self._snapshot[1])


# Packet data in the low 2 GiB. Program contexts such as ``struct __sk_buff`` hold packet
# pointers in 32-bit fields (``data``, ``data_end``); the kernel rewrites those loads, pybpf
# instead places packets where a 32-bit field can hold their real address (Linux's MAP_32BIT,
# which JITs use for the same reason on x86-64).
_MAP_32BIT = 0x40
_MAP_FAILED = ctypes.c_void_p(-1).value


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    lib = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    lib.mmap.restype = ctypes.c_void_p
    lib.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    lib.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    return lib


_LIBC = _libc()


class LowMemoryError(OSError):
    """No memory below 4 GiB could be mapped (not Linux x86-64, or the low space is full)."""


def _low_buffer(size: int, owner: object) -> ctypes.Array[ctypes.c_ubyte]:
    """A zeroed buffer whose address fits in 31 bits, unmapped when ``owner`` is collected."""
    if _LIBC is None:
        raise LowMemoryError("32-bit addressable memory needs Linux")
    length = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE * mmap.PAGESIZE
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_32BIT
    address = _LIBC.mmap(None, length, mmap.PROT_READ | mmap.PROT_WRITE, flags, -1, 0)
    if address in (None, _MAP_FAILED) or address + length > 1 << 32:
        raise LowMemoryError("could not map memory below 4 GiB")
    weakref.finalize(owner, _LIBC.munmap, address, length)
    return (ctypes.c_ubyte * size).from_address(address)
