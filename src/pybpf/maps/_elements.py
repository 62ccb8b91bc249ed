"""Maps whose elements live in native memory: the common ground of arrays and hash maps.

Each element owns a fixed-size *slot* in a :class:`Region`: the key (hash maps only, as in the
kernel's ``htab_elem``), then one value per CPU, every part 8-byte aligned. Programs get real
addresses of values, and a slot is never handed to a new element while a freed one still
awaits its ``on_free_fields`` hook, so those addresses stay valid memory.

Programs address only the values of slots that hold or held an element, and of those only the
bytes around special fields (a :class:`SlotArea` per chunk): stored keys, padding, free slots and the hidden
``bpf_timer``/``bpf_spin_lock`` bytes are out of bounds. :meth:`ElementMap.field_slot` finds
the element a special-field pointer names, for the helpers that take one.
"""

from __future__ import annotations

import abc
import bisect
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import ClassVar

from ..engine import Region, SlotArea
from ..engine._mapgen import MapKind
from ..engine._native import NativeMapOps, native_map_ops
from ..engine._spin_lock import spin_lock_at
from ._base import Map, plain_ranges, round8
from ._errors import E2BIG, EINVAL, KeyNotExistError, MapError
from ._native import LINKS_SIZE, NativeIndex
from ._types import BPF_F_LOCK

__all__ = ["ElementMap"]

#: per-CPU values may not exceed the per-CPU allocator's unit (PCPU_MIN_UNIT_SIZE)
PERCPU_VALUE_MAX = 32768
#: a no-prealloc map grows by chunks of about this many bytes
CHUNK_BYTES = 4096
#: the most address space the slots of a native map allocated on demand (BPF_F_NO_PREALLOC)
#: may reserve in one mapping; a bigger one keeps the Python index and grows by chunks
NATIVE_ON_DEMAND_BYTES = 1 << 30
#: the size of a ``bpf_spin_lock``; any 4-byte special field is taken to be one
SPIN_LOCK_SIZE = 4
#: the slots a native hash map whose elements Python frees has beyond ``max_entries + 1``: an
#: element it took out keeps its slot until Python has freed its fields, and the hook doing
#: that (a timer callback it waits for) may itself add elements meanwhile
RETIRING_SPARE = 8

#: (copy index, bytes): the values an update writes, one per CPU copy it touches
Writes = Sequence[tuple[int, bytes]]


class _Slots:
    """Slots of one size in chunks of native memory, handed out under the owner's lock.

    Fresh slots go first and freed slots are reused oldest-first, so a freed slot is reused
    as late as possible; a chunk is added only when neither is left, which bounds memory by
    the peak number of live (and still-retiring) elements.
    """

    def __init__(
        self,
        owner: Map,
        slot_size: int,
        initial: int,
        chunk: int,
        layout: tuple[tuple[int, int], ...],
        track_live: bool,
    ) -> None:
        self._owner = owner
        self.size = slot_size
        self._layout = layout
        #: whether slots count as elements only once handed out (hash maps), else always (arrays)
        self._track = track_live
        #: the areas by base address, for finding the slot of a pointer in logarithmic time
        self._area_bases: list[int] = []
        self._areas_by_base: list[SlotArea] = []
        self._chunk = chunk
        self._starts: list[int] = []  # first slot of each region, ascending
        self._regions: list[Region] = []
        self._free: deque[int] = deque()
        self._next = 0  # the first never-used slot
        self._tracker: Callable[[int], bool] | None = None  #: a native index's used(), once it tracks them
        self._total = 0
        if initial:
            self._grow(initial)

    def _grow(self, count: int) -> None:
        region = self._owner._add_region(count * self.size, "values")
        area = SlotArea(region, self.size, self._total, self._layout, self.used if self._track else None)
        self._owner._register(area)
        self._regions.append(region)
        at = bisect.bisect(self._area_bases, region.base)
        self._area_bases.insert(at, region.base)
        self._areas_by_base.insert(at, area)
        self._starts.append(self._total)
        self._total += count

    def alloc(self) -> int:
        """A slot for a new element (its bytes are whatever its last element left)."""
        if self._next == self._total and not self._free:
            self._grow(self._chunk)
        if self._next < self._total:
            self._next += 1
            return self._next - 1
        return self._free.popleft()

    def release(self, slot: int) -> None:
        """Give back a slot whose element is gone and whose fields are freed."""
        self._free.append(slot)

    def track(self, used: Callable[[int], bool]) -> None:
        """Let ``used`` (a native index's) decide which slots were handed out."""
        self._tracker = used
        for area in self._areas_by_base:
            area.live = used

    def count_used(self) -> int:
        """How many slots hold or held an element: they come first (slots are handed out in
        order before any is reused), so a search finds the end when a native index tracks them."""
        if not self._track:
            return self._total
        used = self._tracker
        if used is None:
            return self._next
        lo, hi = 0, self._total
        while lo < hi:
            mid = (lo + hi) // 2
            if used(mid):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def only_region(self) -> Region | None:
        """The region of every slot, if there is just one (a preallocated map)."""
        return self._regions[0] if len(self._regions) == 1 else None

    def used(self, slot: int) -> bool:
        """Whether ``slot`` was ever handed out. A slot never used is no element's memory, so
        programs cannot address it; a freed one stays addressable, as a deleted element stays
        valid memory in the kernel for programs that still hold a pointer to it (RCU), until
        a new element reuses it."""
        return slot < self._next

    def locate(self, slot: int) -> tuple[Region, int]:
        """The region holding ``slot`` and the slot's offset in it."""
        if len(self._regions) == 1:  # preallocated: no search
            return self._regions[0], slot * self.size
        i = bisect.bisect_right(self._starts, slot) - 1
        return self._regions[i], (slot - self._starts[i]) * self.size

    def slot_at(self, address: int) -> int | None:
        """The used slot holding ``address``, or None."""
        at = bisect.bisect(self._area_bases, address) - 1
        found = self._areas_by_base[at].locate(address) if at >= 0 else None
        return None if found is None else found[0]


class ElementMap(Map):
    """Arrays and hash maps: elements in native slots, with special-field-aware copies.

    Besides the :class:`Map` operations it offers what the timer layer needs to find an
    element from a pointer into its value: :meth:`slot_of`, :meth:`value_address` and
    :meth:`element_key`.
    """

    #: whether slots begin with a copy of the key (hash maps: the timer callback's key)
    _stores_keys: ClassVar[bool] = False
    #: the :class:`~pybpf.engine._mapgen.MapKind` bits of a family the native code runs, or
    #: None for one it does not
    _native_kind: ClassVar[int | None] = None

    def _setup(self) -> None:
        ops = native_map_ops() if self._runs_natively() else None
        self._key_area = round8(self.key_size) if self._stores_keys else 0
        if ops is not None and self._stores_keys:
            self._key_area += LINKS_SIZE  # the native index's links, beside the key they index
        self._stride = round8(self.value_size)
        self._copies = self.ncpus if self.percpu else 1
        self._gaps = plain_ranges(self.special_fields, self.value_size)
        self._lock_offset = next((o for o, s in self.special_fields if s == SPIN_LOCK_SIZE), None)
        slot_size = self._key_area + self._copies * self._stride
        initial = self._preallocated()
        if ops is not None and not initial:
            if (self.max_entries + 1) * slot_size <= NATIVE_ON_DEMAND_BYTES:
                # Allocated on demand in the kernel: here one region of every slot, which
                # costs memory only where elements land (pages untouched cost nothing).
                initial = self.max_entries + 1
            else:
                ops = None
                self._key_area -= LINKS_SIZE if self._stores_keys else 0
                slot_size -= LINKS_SIZE if self._stores_keys else 0
        if ops is not None and self._stores_keys and self._frees_in_python:
            initial += RETIRING_SPARE
        chunk = max(1, min(self.max_entries + 1, CHUNK_BYTES // slot_size))
        layout = tuple(
            (self._key_area + copy * self._stride + start, self._key_area + copy * self._stride + end)
            for copy in range(self._copies)
            for start, end in self._gaps
        )
        self._slots = _Slots(self, slot_size, initial, chunk, layout, self._stores_keys)
        self._native = None if ops is None else self._native_index(ops, initial)

    def _runs_natively(self) -> bool:
        """Whether the map may be native: its family runs natively. Values with special
        fields are copied around them natively (:attr:`MapKind.HOLES`); freeing an element
        whose fields need Python stays Python's (:attr:`MapKind.RELEASE`). A map allocated on
        demand is native when all its slots fit :data:`NATIVE_ON_DEMAND_BYTES` (see
        :meth:`_setup`)."""
        return self._native_kind is not None

    @property
    def _frees_in_python(self) -> bool:
        """Whether freeing an element's fields does more than forget its bytes: a timer to
        cancel, a kptr to drop, a graph head to empty (a spin lock needs nothing)."""
        return bool(self.owned_fields) or any(size != SPIN_LOCK_SIZE for _, size in self.special_fields)

    def _native_index(self, ops: NativeMapOps, total: int) -> NativeIndex:
        region = self._slots.only_region()
        assert region is not None and self._native_kind is not None
        sizes = (
            self.key_size, self.value_size, self._slots.size, self._key_area, self._stride, self._copies,
            self.max_entries,
        )
        kind = self._native_kind
        if self.special_fields or self.owned_fields:
            kind |= MapKind.HOLES | (MapKind.RELEASE if self._frees_in_python else 0)
        lock = -1 if self._lock_offset is None else self._lock_offset
        gaps = plain_ranges(self.special_fields + self.owned_fields, self.value_size)
        native = NativeIndex(ops, self.name, kind, region, total, sizes, lock, gaps)
        if self._stores_keys:
            self._slots.track(native.used)
        return native

    def timer_layout(self) -> tuple[int, int, int, int] | None:
        """Where the native timer helpers (``pybpf.timers._desk``) may look for fields: the
        address of slot 0, the slot size, the value's offset in a slot and how many slots hold
        or held an element, while all slots are in one region (None otherwise)."""
        region = self._slots.only_region()
        if region is None or self.percpu:
            return None
        return region.base, self._slots.size, self._key_area, self._slots.count_used()

    @property
    def native_descriptor(self) -> int:
        """The address of the map's native descriptor, 0 if the map is not native."""
        return 0 if self._native is None else self._native.address

    def _check_value_size(self) -> None:
        """Refuse empty values and, for per-CPU maps, values too big for the per-CPU allocator."""
        if self.value_size == 0:
            raise MapError("create", EINVAL, "value_size must not be 0")
        if self.percpu and round8(self.value_size) > PERCPU_VALUE_MAX:
            raise MapError(
                "create", E2BIG, f"per-CPU values are limited to {PERCPU_VALUE_MAX} bytes"
            )

    @abc.abstractmethod
    def _preallocated(self) -> int:
        """How many slots to allocate up front."""

    @abc.abstractmethod
    def _find(self, key: bytes) -> int | None:
        """The slot of ``key``'s element, or None; never marks an LRU element used."""

    @abc.abstractmethod
    def _update(self, key: bytes, writes: Writes, flags: int) -> int:
        """Set ``key``'s values for the copies in ``writes``: 0 or a negative errno."""

    @abc.abstractmethod
    def _live_slots(self) -> Iterable[int]:
        """The slots of every element (a snapshot)."""

    @abc.abstractmethod
    def element_key(self, slot: int) -> bytes:
        """The key of the element in ``slot`` (for timer callbacks, which receive it)."""

    def _walk_keys(self) -> Iterator[bytes]:
        """The keys a walk visits, in get_next_key order, as they are when it begins (arrays
        and hash maps say it without a snapshot of :meth:`keys`)."""
        return iter(self.keys())

    def walk(self, cpu: int) -> Iterator[tuple[bytes, int]]:
        """What ``bpf_for_each_map_elem`` visits: each element's key and the address of its
        value (``cpu``'s copy for per-CPU maps), each element once, in linear time.

        As in the kernel's walk, which saves its place before each callback, the callback may
        delete the element it is given (the walk goes on from there) or others: an element
        deleted before the walk reaches it is not visited. An element added during the walk is
        not visited either (the kernel visits it only if its bucket is still ahead). Reading
        elements here does not mark LRU elements used.
        """
        for key in self._walk_keys():
            slot = self._find(key)
            if slot is not None:
                yield key, self.value_address(slot, cpu)

    # -- element memory ------------------------------------------------------------------

    def _value_at(self, slot: int, copy: int) -> tuple[Region, int]:
        region, offset = self._slots.locate(slot)
        return region, offset + self._key_area + copy * self._stride

    def value_address(self, slot: int, cpu: int = 0) -> int:
        """The address of the value in ``slot`` (``cpu``'s copy for per-CPU maps)."""
        region, offset = self._value_at(slot, cpu if self.percpu else 0)
        return region.base + offset

    def slot_of(self, address: int) -> int | None:
        """The live slot whose memory holds ``address`` (a pointer into a value), or None."""
        return self._slots.slot_at(address)

    def field_at(self, address: int, size: int) -> tuple[int, Region] | None:
        """The slot of the element whose special field of ``size`` bytes starts exactly at
        ``address``, and the region holding that field's hidden bytes; None unless ``address``
        is such a field of a slot that holds or held an element (a deleted element's memory
        stays valid, as in the kernel, whose helpers accept it). This is how the timer and
        spin lock helpers tell a real field from a forged pointer."""
        slot = self._slots.slot_at(address)
        if slot is None:
            return None
        region, offset = self._value_at(slot, 0)
        if (address - region.base - offset, size) not in self.special_fields:
            return None
        return slot, region

    def _write(self, slot: int, copy: int, data: bytes, locked: bool) -> None:
        """Copy ``data`` into a value around its special fields (``copy_map_value``), under the
        element's spin lock for BPF_F_LOCK (``copy_map_value_locked``)."""
        region, offset = self._value_at(slot, copy)
        if locked:
            assert self._lock_offset is not None
            with spin_lock_at(region.base + offset + self._lock_offset):
                self._copy_gaps(region, offset, data)
        else:
            self._copy_gaps(region, offset, data)

    def _copy_gaps(self, region: Region, offset: int, data: bytes) -> None:
        buf = region.buf
        kept = [(start, bytes(buf[offset + start : offset + start + size])) for start, size in self.owned_fields]
        for start, end in self._gaps:
            buf[offset + start : offset + end] = data[start:end]
        for start, old in kept:  # a kptr is no one's to overwrite: freeing the fields drops it
            buf[offset + start : offset + start + len(old)] = old

    def _read(self, slot: int, copy: int, locked: bool) -> bytes:
        """A value as user space sees it: special fields read as zeros."""
        region, offset = self._value_at(slot, copy)
        if locked:
            assert self._lock_offset is not None
            with spin_lock_at(region.base + offset + self._lock_offset):
                raw = bytes(region.buf[offset : offset + self.value_size])
        else:
            raw = bytes(region.buf[offset : offset + self.value_size])
        if not self.special_fields and not self.owned_fields:
            return raw
        masked = bytearray(raw)
        for field_offset, size in self.special_fields + self.owned_fields:
            masked[field_offset : field_offset + size] = bytes(size)
        return bytes(masked)

    def _zero(self, slot: int) -> None:
        """Zero a whole slot: a new element starts with zeroed values and special fields."""
        region, offset = self._slots.locate(slot)
        region.buf[offset : offset + self._slots.size] = bytes(self._slots.size)

    def _free_fields(self, slot: int) -> None:
        """Free the special fields of one element: tell the hook, then zero them. A spin
        lock is no one's to free (``bpf_obj_free_fields`` leaves it): a run may hold it."""
        if not self.special_fields and not self.owned_fields:
            return
        region, offset = self._value_at(slot, 0)
        self.on_free_fields(slot, region, offset)
        for field_offset, size in self.special_fields + self.owned_fields:
            if size == SPIN_LOCK_SIZE and field_offset == self._lock_offset:
                continue
            start = offset + field_offset
            region.buf[start : start + size] = bytes(size)

    def close(self) -> None:
        """Close the map; compiled helper calls on it go back to Python, which refuses them."""
        if self._native is not None:
            self._native.close()
        super().close()

    def free_fields(self) -> None:
        """Free the special fields of every element; the elements and their data stay."""
        if not self.special_fields and not self.owned_fields:
            return  # nothing to free: skip walking every element of a big map
        slots = self._live_slots() if self.fields_in_use is None else self.fields_in_use()
        for slot in slots:
            self._free_fields(slot)

    # -- program side --------------------------------------------------------------------

    def lookup(self, key: bytes, cpu: int) -> int:
        """The address of ``key``'s value (``cpu``'s copy for per-CPU maps), or 0."""
        slot = self._find(key)
        return 0 if slot is None else self.value_address(slot, cpu)

    def update(self, key: bytes, value: bytes, flags: int, cpu: int) -> int:
        """Set ``key`` to ``value``; a per-CPU map changes only ``cpu``'s copy."""
        return self._update(key, [(cpu if self.percpu else 0, value)], flags)

    # -- user side -----------------------------------------------------------------------

    def _lock_flag(self, operation: str, flags: int) -> bool:
        """Whether a user-side lookup asks for BPF_F_LOCK, refusing flags it cannot honour."""
        if flags & ~BPF_F_LOCK:
            raise MapError(operation, EINVAL, f"invalid flags 0x{flags:x}")
        if flags and self._lock_offset is None:
            raise MapError(operation, EINVAL, "BPF_F_LOCK on a value without a bpf_spin_lock")
        return bool(flags)

    def _values(self, slot: int, locked: bool = False) -> bytes | list[bytes]:
        """What a user-side read returns: one value, or the list of per-CPU values."""
        if not self.percpu:
            return self._read(slot, 0, locked)
        return [self._read(slot, copy, locked) for copy in range(self._copies)]

    def _user_writes(self, operation: str, value: object) -> Writes:
        """The copies a user-side update writes: every CPU's for per-CPU maps, given one value
        for all or a list with one per CPU."""
        if not self.percpu:
            return [(0, self._check_value(operation, value))]
        if isinstance(value, (list, tuple)):
            if len(value) != self.ncpus:
                raise MapError(
                    operation, EINVAL, f"need {self.ncpus} per-CPU values, got {len(value)}"
                )
            return [(cpu, self._check_value(operation, v)) for cpu, v in enumerate(value)]
        data = self._check_value(operation, value)
        return [(cpu, data) for cpu in range(self.ncpus)]

    def lookup_elem(self, key: bytes, flags: int = 0) -> bytes | list[bytes]:
        """The value of ``key`` with special fields as zeros (a list of ``ncpus`` values for
        per-CPU maps); ``BPF_F_LOCK`` copies it under the element's spin lock."""
        self._check_access("lookup", read=True)
        key = self._check_key("lookup", key)
        locked = self._lock_flag("lookup", flags)
        slot = self._find(key)
        if slot is None:
            raise KeyNotExistError("lookup")
        return self._values(slot, locked)

    def update_elem(self, key: bytes, value: object, flags: int = 0) -> None:
        """Set ``key`` to ``value`` (per-CPU maps: one value for every CPU, or a list)."""
        self._check_access("update", write=True)
        key = self._check_key("update", key)
        self._raise_for("update", self._update(key, self._user_writes("update", value), flags))
