"""Hash maps (``BPF_MAP_TYPE_HASH``) and per-CPU hash maps (``BPF_MAP_TYPE_PERCPU_HASH``).

As in the kernel's ``htab_map_update_elem``, updating an existing key makes a new element and
frees the old one, so the old element's special fields are freed (its timer stops) and the new
one starts with zeroed fields. Two updates keep the element instead: BPF_F_LOCK on an existing
key copies in place under the spin lock (its timer keeps running), and per-CPU maps always
update in place. Preallocated maps allocate all slots at creation; with BPF_F_NO_PREALLOC slots
come in chunks as elements arrive. Either way a freed slot is reused only after its fields were
freed, so a pointer a program got from a lookup stays valid memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar, final

from ..engine._mapgen import FALLBACK, MapKind
from ..engine._native import native_map_ops
from ._base import KEY_SIZE_MAX, exists_error, hash_flags_error
from ._elements import ElementMap, Writes
from ._errors import E2BIG, EINVAL, ENOENT, KeyNotExistError, MapError
from ._types import (
    BPF_F_ACCESS_MASK,
    BPF_F_LOCK,
    BPF_F_NO_PREALLOC,
    BPF_F_NUMA_NODE,
    BPF_F_RDONLY,
    BPF_F_WRONLY,
    BPF_F_ZERO_SEED,
    MapType,
)
from ._walk import WalkOrder

__all__ = ["MAX_HASH_ENTRIES", "HashBase", "HashMap", "PerCpuHashMap"]

#: The most entries a hash map may have: the kernel rounds max_entries up to a power of 2 of
#: 16-byte buckets, and refuses (E2BIG) a bucket array over 4 GiB, so 2^27 is the last size
#: it accepts (checked on Linux 6.18, for hash, per-CPU hash and LRU maps alike).
MAX_HASH_ENTRIES = 1 << 27


class HashBase(ElementMap):
    """What every hash map shares; LRU maps change only what happens when it is full."""

    _stores_keys: ClassVar[bool] = True
    _create_flags: ClassVar[int] = (
        BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED
    )

    def _setup(self) -> None:
        #: keys in insertion order (LRU maps: least recently used first), each with its slot
        self._elements = self._new_index()
        #: the walk order of get_next_key and bpf_for_each_map_elem, made by the first walk and
        #: kept from then on, so that walking (and deleting while walking) costs linear time
        self._walk: WalkOrder | None = None
        super()._setup()
        #: the syscall-side lookup and update of a native map that is not per-CPU, one
        #: generated built-in call each (see lookup_elem); None where Python does it all
        self._user_get: Callable[[bytes], bytes | int] | None = None
        self._user_put: Callable[[bytes, bytes, int], int] | None = None
        ops = native_map_ops()
        if self._native is not None and ops is not None and not self.percpu:
            if not self.flags & BPF_F_WRONLY:
                self._user_get = ops.user_get(self._native.address)
            if not self.flags & BPF_F_RDONLY:
                self._user_put = ops.user_put(self._native.address)

    def lookup_elem(self, key: bytes, flags: int = 0) -> bytes | list[bytes]:
        """As :meth:`ElementMap.lookup_elem`; a native map's plain lookup is one native call,
        which leaves anything unusual (a closed map, a key of the wrong size) to it."""
        get = self._user_get
        if get is not None and type(key) is bytes and not flags:
            found = get(key)
            if type(found) is bytes:
                return found
            if found == -ENOENT:
                raise KeyNotExistError("lookup")
        return super().lookup_elem(key, flags)

    def update_elem(self, key: bytes, value: object, flags: int = 0) -> None:
        """As :meth:`ElementMap.update_elem`; a native map's update of bytes is one native
        call, as :meth:`lookup_elem`."""
        put = self._user_put
        if put is not None and type(key) is bytes and type(value) is bytes and type(flags) is int and not self.frozen:
            rc = put(key, value, flags)
            if rc != FALLBACK:
                self._raise_for("update", self._settle(rc))
                return
        super().update_elem(key, value, flags)

    @staticmethod
    def _new_index() -> dict[bytes, int]:
        return {}

    def _check_attrs(self) -> None:
        if self.key_size == 0 or self.max_entries == 0:
            raise MapError("create", EINVAL, "key_size and max_entries must not be 0")
        if self.key_size > KEY_SIZE_MAX:
            raise MapError("create", E2BIG, f"keys are limited to {KEY_SIZE_MAX} bytes")
        if self.max_entries > MAX_HASH_ENTRIES:
            raise MapError(
                "create", E2BIG, f"hash maps are limited to {MAX_HASH_ENTRIES} entries"
            )
        self._check_value_size()

    def _preallocated(self) -> int:
        # One spare slot: replacing an element in a full map needs the new one before the old
        # one goes (the kernel keeps per-CPU "extra" elements for the same reason).
        return 0 if self.flags & BPF_F_NO_PREALLOC else self.max_entries + 1

    def _find(self, key: bytes) -> int | None:
        if self._native is not None:
            return self._native.find(key)
        return self._elements.get(key)

    def _live_slots(self) -> Iterable[int]:
        if self._native is not None:
            return self._native.slots()
        with self._lock:
            return list(self._elements.values())

    def lookup(self, key: bytes, cpu: int) -> int:
        """The address of ``key``'s value (``cpu``'s copy for per-CPU maps), or 0; LRU maps
        mark ``key`` used."""
        if self._native is not None:
            return self._native.lookup(key, cpu)
        return super().lookup(key, cpu)

    def element_key(self, slot: int) -> bytes:
        """The key stored at the start of ``slot``."""
        region, offset = self._slots.locate(slot)
        return bytes(region.buf[offset : offset + self.key_size])

    # -- hooks for LRU maps --------------------------------------------------------------

    def _used(self, key: bytes) -> None:
        """Note that ``key`` was just used (the map lock is held); plain hash maps keep no order."""

    def _victim(self) -> int | None:
        """Unlink the element to evict for a new one in a full map and return its slot (the map
        lock is held); plain hash maps never evict, so a full map refuses new keys."""
        return None

    # -- the operations ------------------------------------------------------------------

    def _update(self, key: bytes, writes: Writes, flags: int) -> int:
        native = self._native
        if native is not None:
            rc = native.update(key, writes, flags, self._stride)
            while rc == FALLBACK:  # BPF_F_LOCK on a present key whose lock someone holds
                slot = native.find(key)
                if slot is None:  # gone meanwhile: a new element then
                    rc = native.update(key, writes, flags, self._stride)
                else:
                    rc = exists_error(True, flags)
                    if not rc:
                        self._write_copies(slot, writes, True)
            return self._settle(rc)
        rc = hash_flags_error(flags, self._lock_offset is not None)
        if rc:
            return rc
        retired: list[int] = []
        with self._lock:
            old = self._elements.get(key)
            rc = exists_error(old is not None, flags)
            if rc:
                return rc
            if old is not None and (flags & BPF_F_LOCK or self.percpu):
                self._write_copies(old, writes, bool(flags & BPF_F_LOCK))
                self._used(key)
                return 0
            if old is None and len(self._elements) >= self.max_entries:
                victim = self._victim()
                if victim is None:
                    return -E2BIG
                retired.append(victim)
            slot = self._slots.alloc()
            self._zero(slot)
            region, offset = self._slots.locate(slot)
            region.buf[offset : offset + self.key_size] = key
            self._write_copies(slot, writes, False)
            self._elements[key] = slot
            if old is None and self._walk is not None:
                self._walk.add(key)
            self._used(key)
            if old is not None:
                retired.append(old)
        self._retire(retired)
        return 0

    def _write_copies(self, slot: int, writes: Writes, locked: bool) -> None:
        for copy, data in writes:
            self._write(slot, copy, data, locked)

    def _settle(self, rc: int) -> int:
        """What a native update returned, once the element it took out (if it says so, see
        :meth:`NativeIndex.update`) is retired: 0 or a negative errno."""
        if rc > 0:
            self._retire([rc - 1])
            return 0
        return rc

    def _retire(self, slots: list[int]) -> None:
        """Free the fields of unlinked elements, then let their slots be reused.

        The hook runs without the map lock, so it may wait for a timer callback that itself
        uses this map.
        """
        for slot in slots:
            self._free_fields(slot)
        if self._native is not None:
            for slot in slots:
                self._native.release(slot)
            return
        with self._lock:
            for slot in slots:
                self._slots.release(slot)

    def _unlink(self, key: bytes) -> int | None:
        if self._native is not None:
            return self._native.unlink(key)
        with self._lock:
            return self._elements.pop(key, None)

    def delete(self, key: bytes) -> int:
        """Remove ``key`` and free its element: 0 or -ENOENT."""
        if self._native is not None and not self._frees_in_python:
            return self._native.delete(key)
        slot = self._unlink(key)
        if slot is None:
            return -ENOENT
        self._retire([slot])
        return 0

    def delete_elem(self, key: bytes) -> None:
        """Remove ``key``, freeing its special fields."""
        self._check_access("delete", write=True)
        self._raise_for("delete", self.delete(self._check_key("delete", key)))

    def lookup_and_delete_elem(self, key: bytes) -> bytes | list[bytes]:
        """Remove ``key`` and return its value as :meth:`lookup_elem` would."""
        self._check_access("lookup and delete", read=True, write=True)
        slot = self._unlink(self._check_key("lookup and delete", key))
        if slot is None:
            raise KeyNotExistError("lookup and delete")
        values = self._values(slot)
        self._retire([slot])
        return values

    def _walk_order(self) -> WalkOrder:
        """The walk order, made on first use (the map lock is held)."""
        if self._walk is None:
            self._walk = WalkOrder(self._elements)
        return self._walk

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """The key after ``key`` in walk order (the first if ``key`` is None or gone), in
        amortised constant time even while keys come and go."""
        self._check_access("get next key", read=True)
        if key is not None:
            key = self._check_key("get next key", key)
        if self._native is not None:
            slot = self._native.next_slot(key)
            return None if slot is None else self.element_key(slot)
        with self._lock:
            return self._walk_order().after(key)

    def _walk_keys(self) -> Iterator[bytes]:
        if self._native is not None:
            return iter(self.keys())
        with self._lock:
            keys = self._walk_order().live_keys()
        return iter(keys)

    def keys(self) -> list[bytes]:
        """Every key, in insertion order (LRU maps: least recently used first)."""
        self._check_access("keys", read=True)
        if self._native is not None:
            return [self.element_key(slot) for slot in self._native.slots()]
        with self._lock:
            return list(self._elements)


@final
class HashMap(HashBase):
    """``BPF_MAP_TYPE_HASH``: may hold a ``bpf_timer`` and a ``bpf_spin_lock`` per value."""

    type: ClassVar[MapType] = MapType.HASH
    _native_kind: ClassVar[int | None] = 0
    _special_sizes: ClassVar[frozenset[int]] = frozenset({4, 16})


@final
class PerCpuHashMap(HashBase):
    """``BPF_MAP_TYPE_PERCPU_HASH``: one value per CPU; a new key from a program gets zeros on
    the other CPUs."""

    type: ClassVar[MapType] = MapType.PERCPU_HASH
    percpu: ClassVar[bool] = True
    _native_kind: ClassVar[int | None] = MapKind.PERCPU
