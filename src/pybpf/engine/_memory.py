"""The memory model: every byte a program may touch lies in a window of a registered area.

Programs see real 64-bit host addresses, as in the kernel. A :class:`Region` is a native buffer
(a ctypes array, so its address never moves and a JIT can use it directly) with a name, a
writable flag and an owner. Engines never dereference an address themselves: they find the
window that holds ``[address, address + size)`` and go through its buffer, so an address
outside every window is a clean :class:`OutOfBoundsError`, never a crash.

The interface engines (the interpreter, a JIT) and map types build on:

* an *area* (:class:`Area`) is what an :class:`AddressSpace` registers: a plain
  :class:`Region` is one window, all of it addressable; a :class:`SlotArea` is a buffer cut
  into equal slots (map elements), each exposing only the ranges its layout names (the value,
  or the parts of it around hidden fields such as ``bpf_timer`` and ``bpf_spin_lock``), and
  only while the slot is live. Stored keys, free slots and padding are never windows.
* an area's ``owner`` (a map, or None for memory every run may see) is what a
  :class:`Visibility` allows or refuses. The runtime computes one per program at load: the maps
  the program references and the inner maps those reach. A run checks it only when it leaves
  the window it used last, so the hot path stays one range comparison.
* regions private to one run (stack frames, context, packet, ring-buffer records it reserved)
  are handed to that run only and never registered.

Areas never overlap because each owns its own native buffer.
"""

from __future__ import annotations

import bisect
import ctypes
import mmap
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Protocol, final

__all__ = ["EVERYTHING", "AddressSpace", "Area", "Region", "SlotArea", "Visibility"]

#: Buffers at least this big come from an anonymous mapping, whose pages cost memory only once
#: touched (a big, mostly empty map costs what it holds).
LAZY_BYTES = 1 << 16


@final
class Region:
    """A native buffer that programs may address.

    Args:
        size: its length in bytes (zero-filled).
        name: what it is, for messages ("stack", "map 'counts' value"...).
        writable: whether programs may store into it.
        data: initial contents (at most ``size`` bytes).
        low: place it below 2 GiB (packets, whose addresses 32-bit context fields hold).
        owner: what :class:`Visibility` decides on (a map); None: any run may see it.
    """

    __slots__ = ("__weakref__", "_raw", "base", "buf", "end", "name", "owner", "size", "writable")

    def __init__(
        self,
        size: int,
        name: str,
        *,
        writable: bool = True,
        data: bytes = b"",
        low: bool = False,
        owner: object = None,
    ) -> None:
        if size < 0 or len(data) > size:
            raise ValueError(f"region '{name}': bad size {size} for {len(data)} bytes of data")
        self.name = name
        self.size = size
        self.writable = writable
        self.owner = owner
        self._raw: object  # what keeps the memory alive
        if low:  # the most frequent (packets, contexts: two per test run): pooled
            block = _low_block(size)
            self._raw = block
            self.base = block.address
            self.buf = block.view[:size]
            rest = size - len(data)  # a reused mapping holds an earlier region's bytes
            self.buf[len(data) :] = _ZEROS[:rest] if rest <= len(_ZEROS) else bytes(rest)
        else:
            # One spare byte keeps zero-sized regions addressable as distinct, empty ranges.
            raw = self._raw = _lazy_buffer(size) if size >= LAZY_BYTES else (ctypes.c_ubyte * (size or 1))()
            self.base = ctypes.addressof(raw)
            self.buf = memoryview(raw).cast("B")[:size]
        self.end: int = self.base + size
        self.buf[: len(data)] = data

    @classmethod
    def from_bytes(cls, data: bytes, name: str, *, writable: bool = True, low: bool = False) -> Region:
        """A region holding a copy of ``data``."""
        return cls(len(data), name, writable=writable, data=data, low=low)

    def view(self, offset: int, size: int, name: str | None = None) -> Region:
        """A window on ``[offset, offset + size)`` of this region, sharing its memory and owner."""
        window = Region.__new__(Region)
        window._raw = self  # keeps the memory alive as long as the window
        window.name = name or self.name
        window.size = size
        window.writable = self.writable
        window.owner = self.owner
        window.base = self.base + offset
        window.end = window.base + size
        window.buf = self.buf[offset : offset + size]
        return window

    def contains(self, address: int, size: int) -> bool:
        """Whether ``[address, address + size)`` lies inside this region."""
        return self.base <= address and address + size <= self.end

    def window(self, address: int, size: int) -> Region | None:
        """As an :class:`Area`: the whole region is one window."""
        return self if self.base <= address and address + size <= self.end else None

    def zero(self) -> None:
        """Fill the region with zeros."""
        ctypes.memset(self.base, 0, self.size)

    def __repr__(self) -> str:
        return f"Region({self.name!r}, base=0x{self.base:x}, size={self.size})"


class Area(Protocol):
    """What an :class:`AddressSpace` holds: a range of addresses and the windows inside it."""

    base: int
    end: int
    owner: object

    def window(self, address: int, size: int) -> Region | None:
        """The window holding all of ``[address, address + size)``, or None."""
        ...


#: ``[start, end)`` byte ranges of a slot that programs may address, ascending
Layout = tuple[tuple[int, int], ...]


@final
class SlotArea:
    """A region cut into equal slots (map elements) of which programs see only some bytes.

    Args:
        region: the native memory.
        slot_size: bytes per slot.
        first_slot: the number of the slot at the start of ``region``.
        layout: the windows of every slot, relative to the slot's start.
        live: whether a slot holds an element now; None: every slot always does (arrays).

    A window is one range of the layout in one live slot: an access that spans two ranges
    (reaching into a hidden field between them) or leaves the slot is refused.
    """

    __slots__ = ("base", "end", "first_slot", "layout", "live", "owner", "region", "slot_size")

    def __init__(
        self,
        region: Region,
        slot_size: int,
        first_slot: int,
        layout: Layout,
        live: Callable[[int], bool] | None = None,
    ) -> None:
        self.region = region
        self.base = region.base
        self.end = region.end
        self.owner = region.owner
        self.slot_size = slot_size
        self.first_slot = first_slot
        self.layout = layout
        self.live = live

    def locate(self, address: int) -> tuple[int, int] | None:
        """(slot number, offset in the slot) of ``address``, or None outside a live slot."""
        offset = address - self.base
        if not 0 <= offset < self.region.size:
            return None
        index, within = divmod(offset, self.slot_size)
        slot = self.first_slot + index
        if self.live is not None and not self.live(slot):
            return None
        return slot, within

    def window(self, address: int, size: int) -> Region | None:
        """The layout range of a live slot holding ``[address, address + size)``, or None."""
        found = self.locate(address)
        if found is None:
            return None
        slot, within = found
        for start, end in self.layout:
            if start <= within and within + size <= end:
                return self.region.view((slot - self.first_slot) * self.slot_size + start, end - start)
        return None


@final
class Visibility:
    """Which owners' areas one program may address, decided at load.

    Args:
        owners: the owners (maps) the program references.
        reach: owners reached through them (inner maps of a referenced map of maps), asked
            only when an access leaves the run's last window.
        everything: allow every area (engines run outside a runtime, the conformance suite).
    """

    __slots__ = ("everything", "owners", "reach")

    def __init__(
        self,
        owners: Iterable[object] = (),
        reach: Callable[[object], bool] | None = None,
        *,
        everything: bool = False,
    ) -> None:
        self.owners = frozenset(owners)
        self.reach = reach
        self.everything = everything

    def allows(self, owner: object) -> bool:
        """Whether a run of the program may address memory owned by ``owner``."""
        if owner is None or self.everything or owner in self.owners:
            return True
        return self.reach is not None and self.reach(owner)


#: the visibility of an engine given no other: every registered area
EVERYTHING = Visibility(everything=True)


@final
class AddressSpace:
    """The areas shared by all runs of a runtime, searchable by address.

    Lookups take no lock: mutations replace the two sorted tuples at once, so a reader always
    sees a consistent snapshot.
    """

    def __init__(self, areas: Iterable[Area] = ()) -> None:
        self._lock = threading.Lock()
        self._snapshot: tuple[tuple[int, ...], tuple[Area, ...]] = ((), ())
        for area in areas:
            self.add(area)

    def add(self, area: Area) -> None:
        """Make ``area`` addressable by every run its owner is visible to."""
        with self._lock:
            bases, areas = self._snapshot
            i = bisect.bisect_right(bases, area.base)
            self._snapshot = (bases[:i] + (area.base,) + bases[i:], areas[:i] + (area,) + areas[i:])

    def remove(self, area: Area) -> None:
        """Stop ``area`` from being addressable; a no-op if it is not registered."""
        with self._lock:
            bases, areas = self._snapshot
            for i, known in enumerate(areas):
                if known is area:
                    self._snapshot = (bases[:i] + bases[i + 1 :], areas[:i] + areas[i + 1 :])
                    return

    def area_at(self, address: int, visible: Visibility = EVERYTHING) -> Area | None:
        """The registered area whose range holds ``address`` and that ``visible`` allows."""
        bases, areas = self._snapshot
        i = bisect.bisect_right(bases, address) - 1
        if i < 0:
            return None
        area = areas[i]
        if address >= area.end or not visible.allows(area.owner):
            return None
        return area

    def find(self, address: int, size: int, visible: Visibility = EVERYTHING) -> Region | None:
        """The window holding all of ``[address, address + size)`` that ``visible`` allows."""
        area = self.area_at(address, visible)
        return None if area is None else area.window(address, size)

    def __len__(self) -> int:
        return len(self._snapshot[1])


# Packet data in the low 2 GiB. Program contexts such as ``struct __sk_buff`` hold packet
# pointers in 32-bit fields (``data``, ``data_end``); the kernel rewrites those loads, pybpf
# instead places packets where a 32-bit field can hold their real address (Linux's MAP_32BIT,
# which JITs use for the same reason on x86-64).
_MAP_32BIT = 0x40
_ZEROS = memoryview(bytes(1 << 16))  #: what a reused low mapping is cleared with


class LowMemoryError(OSError):
    """No memory below 4 GiB could be mapped (not Linux x86-64, or the low space is full)."""


def _lazy_buffer(size: int) -> ctypes.Array[ctypes.c_ubyte]:
    """A zeroed buffer from an anonymous mapping: untouched pages cost no memory.

    Raises:
        MemoryError: the host refuses the mapping.
    """
    try:
        mapping = mmap.mmap(-1, size)
    except OSError as err:
        raise MemoryError(f"cannot map {size} bytes: {err.strerror}") from None
    return (ctypes.c_ubyte * size).from_buffer(mapping)


#: Freed low mappings kept for reuse, by length, as (mapping, address, memoryview): a test run
#: of a packet program needs two of them, and a mapping per run would cost more than the run.
_LOW_FREE: dict[int, list[tuple[object, int, memoryview]]] = {}
#: Mappings kept per length at most; the rest are unmapped.
LOW_POOL_BLOCKS = 64


class _LowBlock:
    """One low mapping lent to a :class:`Region` (its ``_raw``), back in the pool when the
    region goes. Memoryviews of it keep the mapping alive but not the loan: one that outlives
    its region may see a later region's bytes, never unmapped memory."""

    __slots__ = ("address", "entry", "view")

    def __init__(self, entry: tuple[object, int, memoryview]) -> None:
        self.entry = entry
        self.address = entry[1]
        self.view = entry[2]

    def __del__(self) -> None:
        free = _LOW_FREE.setdefault(len(self.view), [])
        if len(free) < LOW_POOL_BLOCKS:
            free.append(self.entry)


def _low_block(size: int) -> _LowBlock:
    """A mapping of at least ``size`` bytes whose address fits in 31 bits (not cleared)."""
    length = max(1, (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE) * mmap.PAGESIZE
    try:
        return _LowBlock(_LOW_FREE.setdefault(length, []).pop())
    except IndexError:
        pass
    if not sys.platform.startswith("linux"):
        raise LowMemoryError("32-bit addressable memory needs Linux")
    try:
        mapping = mmap.mmap(-1, length, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_32BIT)
    except OSError as err:
        raise LowMemoryError(f"could not map memory below 4 GiB: {err.strerror}") from None
    pinned = ctypes.c_ubyte.from_buffer(mapping)  # holds the mapping open while it is lent
    address = ctypes.addressof(pinned)
    if address + length > 1 << 32:  # unmapped as it goes
        raise LowMemoryError("could not map memory below 4 GiB")
    return _LowBlock(((mapping, pinned), address, memoryview(mapping)))
