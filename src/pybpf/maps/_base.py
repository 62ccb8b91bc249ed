"""The :class:`Map` base class: identity, creation checks, access rules and lifetime.

Each map family (``_array.py``, ``_hash.py``...) derives from it. A map has two faces:

* the program side (``lookup``, ``update``, ``delete``...), called by helper implementations
  with raw bytes, returns what the kernel's helpers return: an address, 0, or a negative errno.
  It never raises for an errno case, because programs see failures as return values;
* the user side (``lookup_elem``, ``update_elem``...), called from Python like the bpf()
  syscall, raises :class:`MapError` with the same errno.

Operations a family lacks fail as the kernel fails them (``_unsupported``), so every map answers
every call.
"""

from __future__ import annotations

import abc
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import ClassVar

from ..engine import AddressSpace, Area, Region
from ._errors import (
    EBADF,
    EBUSY,
    EEXIST,
    EINVAL,
    ENOENT,
    ENOMEM,
    ENOTSUPP,
    EOPNOTSUPP,
    EPERM,
    MapError,
    error_for,
)
from ._types import (
    BPF_EXIST,
    BPF_F_LOCK,
    BPF_F_RDONLY,
    BPF_F_RDONLY_PROG,
    BPF_F_WRONLY,
    BPF_F_WRONLY_PROG,
    BPF_NOEXIST,
    MapType,
)

__all__ = ["AdmitHook", "FreeFieldsHook", "Map", "map_at"]

#: ``on_free_fields(slot, region, offset)``: the special fields of the element in ``slot``,
#: whose value starts ``offset`` bytes into ``region``, are being freed.
FreeFieldsHook = Callable[[int, Region, int], None]

#: ``admit(map)``: called once a new map passed the kernel's checks and before it allocates
#: anything; raises (MapError ENOMEM) to refuse it, as a memory limit does.
AdmitHook = Callable[["Map"], None]

#: Programs build keys on their 512-byte stack, so hash keys cannot be longer (MAX_BPF_STACK).
KEY_SIZE_MAX = 512

_LIVE: weakref.WeakValueDictionary[int, Map] = weakref.WeakValueDictionary()


def map_at(address: int) -> Map | None:
    """The live map whose :attr:`Map.address` is ``address``, or None.

    Maps of maps use it to accept an inner map given by its address, as the kernel accepts one
    given by its file descriptor.
    """
    return _LIVE.get(address)


def round8(n: int) -> int:
    """``n`` rounded up to a multiple of 8: map values and ring-buffer records are 8-byte aligned."""
    return (n + 7) & ~7


def plain_ranges(fields: Sequence[tuple[int, int]], size: int) -> tuple[tuple[int, int], ...]:
    """The ``[start, end)`` ranges of a ``size``-byte value outside its special ``fields``
    (sorted ``(offset, size)`` pairs): the bytes that copies write and programs address."""
    ranges, start = [], 0
    for offset, field_size in fields:
        ranges.append((start, offset))
        start = offset + field_size
    ranges.append((start, size))
    return tuple((s, e) for s, e in ranges if s < e)


def index_of(key: bytes) -> int:
    """The array index a 4-byte key holds (little-endian, as programs store it)."""
    return int.from_bytes(key, "little")


def next_index(key: bytes | None, max_entries: int) -> bytes | None:
    """The array key after ``key``: 0 for None or an index out of range, None after the last."""
    index = -1 if key is None else index_of(key)
    if index >= max_entries:
        index = -1
    if index + 1 >= max_entries:
        return None
    return (index + 1).to_bytes(4, "little")


def next_key_in(keys: Sequence[bytes], key: bytes | None) -> bytes | None:
    """The key after ``key`` in ``keys``: the first one when ``key`` is None or absent (as the
    kernel restarts a hash walk whose key was deleted), None after the last."""
    if key is not None and key in keys:
        position = keys.index(key) + 1
        return keys[position] if position < len(keys) else None
    return keys[0] if keys else None


def hash_flags_error(flags: int, has_spin_lock: bool) -> int:
    """-EINVAL for update flags a hash map refuses before looking at the key: unknown bits,
    BPF_NOEXIST with BPF_EXIST, BPF_F_LOCK without a ``bpf_spin_lock`` in the value; else 0."""
    if (flags & ~BPF_F_LOCK) > BPF_EXIST or (flags & BPF_F_LOCK and not has_spin_lock):
        return -EINVAL
    return 0


def exists_error(exists: bool, flags: int) -> int:
    """The kernel's ``check_flags``: -EEXIST for BPF_NOEXIST on a present key, -ENOENT for
    BPF_EXIST on a missing one, else 0."""
    if exists and (flags & 3) == BPF_NOEXIST:
        return -EEXIST
    if not exists and (flags & 3) == BPF_EXIST:
        return -ENOENT
    return 0


def _ignore_release(obj: object) -> None:
    """The default ``on_hold`` and ``on_release``: nothing else counts references."""


def _ignore_freed_fields(slot: int, region: Region, offset: int) -> None:
    """The default :attr:`Map.on_free_fields`: until a timer layer is attached, nothing owns
    the special fields, so freeing them only zeroes their bytes."""


#: the bytes behind a map's address: room for the kernel's structure of any map type (6.18's
#: ``struct bpf_htab``, the largest programs may read, is 832 bytes)
KERNEL_STRUCT_BYTES = 1024


class Map(abc.ABC):
    """A BPF map: a key/value store shared by programs and user space.

    Args:
        name: the map's name, for messages.
        key_size: bytes per key.
        value_size: bytes per value (per CPU for per-CPU maps).
        max_entries: capacity (the ring size for ring buffers).
        flags: ``BPF_F_*`` creation flags.
        space: where the map registers the memory programs may address.
        ncpus: the virtual CPUs of the runtime; per-CPU maps keep one value per CPU.
        special_fields: ``(offset, size)`` of the fields inside a value that the kernel treats
            specially: a 16-byte ``bpf_timer`` or a 4-byte ``bpf_spin_lock``. User space reads
            them as zeros and no update copies over them.
        admit: an :data:`AdmitHook`, which charges the map before its memory exists.
        owned_fields: ``(offset, size)`` of the fields that own an object but that programs
            load and store (8-byte kptrs): user space reads them as zeros, no update copies
            over them, and freeing an element calls :attr:`on_free_fields` for them.

    Raises:
        MapError: if the kernel would refuse to create the map (EINVAL, E2BIG, EOPNOTSUPP...).

    Attributes:
        address: the unique pointer programs get for this map (``lddw`` of a map).
        on_free_fields: a :data:`FreeFieldsHook` called whenever an element's special fields
            are freed (update, delete, eviction, :meth:`free_fields`, :meth:`close`); the timer
            layer sets it to cancel the element's timer. It runs without the map lock held and
            before the element's slot can be reused; the bytes are zeroed after it returns.
    """

    #: the UAPI map type
    type: ClassVar[MapType]
    #: whether each element holds one value per CPU
    percpu: ClassVar[bool] = False
    #: whether values are Python objects (maps, programs) rather than bytes
    holds_objects: ClassVar[bool] = False
    #: the creation flags this family accepts; any other bit is EINVAL
    _create_flags: ClassVar[int] = 0
    #: the special-field sizes this family accepts; others are EOPNOTSUPP, as in map_check_btf
    _special_sizes: ClassVar[frozenset[int]] = frozenset()
    #: the errno of operations this family does not have
    _unsupported: ClassVar[int] = ENOTSUPP

    def __init__(
        self,
        name: str,
        key_size: int,
        value_size: int,
        max_entries: int,
        flags: int = 0,
        *,
        space: AddressSpace,
        ncpus: int = 2,
        special_fields: Sequence[tuple[int, int]] = (),
        admit: AdmitHook | None = None,
        owned_fields: Sequence[tuple[int, int]] = (),
    ) -> None:
        self.name = name
        self.key_size = key_size
        self.value_size = value_size
        self.max_entries = max_entries
        self.flags = flags
        self.ncpus = ncpus
        self.special_fields: tuple[tuple[int, int], ...] = tuple(sorted(special_fields))
        self.owned_fields: tuple[tuple[int, int], ...] = tuple(sorted(owned_fields))
        self.space = space
        self.on_free_fields: FreeFieldsHook = _ignore_freed_fields
        #: the slots whose special fields may hold state, if whoever owns that state knows them
        #: (the timer layer does): freeing every element's fields then costs time for those
        #: only, not for every element of a big map. None: every element.
        self.fields_in_use: Callable[[], Iterable[int]] | None = None
        #: called, without the map's lock, with each object (inner map, program) a map of maps
        #: or program array starts holding (``on_hold``) or stops holding (``on_release``): the
        #: runtime counts these references and frees what nothing holds any more
        self.on_hold: Callable[[object], None] = _ignore_release
        self.on_release: Callable[[object], None] = _ignore_release
        self.frozen = False
        self.closed = False
        self._check_create()
        if admit is not None:
            admit(self)
        self._lock = threading.Lock()
        self._regions: list[Region] = []
        self._areas: list[Area] = []
        # A buffer of our own: its address is unique while we live, and once the runtime
        # exposes it (:meth:`expose_kernel_struct`), programs may read the kernel's structure of
        # the map there, as they may read ``struct bpf_map`` in the kernel.
        self._handle = Region(KERNEL_STRUCT_BYTES, f"map '{name}'", writable=False, owner=self)
        self.address: int = self._handle.base
        _LIVE[self.address] = self
        self._setup()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} '{self.name}' key {self.key_size}B value {self.value_size}B"
            f" max_entries {self.max_entries}>"
        )

    # -- creation ------------------------------------------------------------------------

    def _check_create(self) -> None:
        """Refuse what BPF_MAP_CREATE refuses, in the kernel's order: flags, sizes, fields."""
        if self.ncpus < 1:
            raise MapError("create", EINVAL, f"ncpus must be at least 1, got {self.ncpus}")
        if self.flags & ~self._create_flags:
            raise MapError(
                "create", EINVAL, f"flags 0x{self.flags:x} not allowed for this map type"
            )
        if (self.flags & BPF_F_RDONLY and self.flags & BPF_F_WRONLY) or (
            self.flags & BPF_F_RDONLY_PROG and self.flags & BPF_F_WRONLY_PROG
        ):
            raise MapError("create", EINVAL, "read-only and write-only flags together")
        self._check_attrs()
        self._check_special_fields()

    @abc.abstractmethod
    def _check_attrs(self) -> None:
        """Refuse the sizes (and flag combinations) this family's ``map_alloc_check`` refuses."""

    def _setup(self) -> None:
        """Allocate the family's state, once the attributes passed the creation checks."""

    def _check_special_fields(self) -> None:
        end = 0
        for offset, size in self.special_fields:
            if size not in self._special_sizes:
                raise MapError(
                    "create",
                    EOPNOTSUPP,
                    f"{self.type.name.lower()} maps cannot hold a {size}-byte special field",
                )
            if offset < end or offset + size > self.value_size:
                raise MapError(
                    "create",
                    EINVAL,
                    f"special field at offset {offset} overlaps or leaves the value",
                )
            end = offset + size

    def _add_region(self, size: int, what: str) -> Region:
        """A new native buffer owned by this map; programs reach it only through the areas
        the map registers with :meth:`_register`."""
        try:
            region = Region(
                size,
                f"map '{self.name}' {what}",
                writable=not self.flags & BPF_F_RDONLY_PROG,
                owner=self,
            )
        except MemoryError:
            raise MapError("create", ENOMEM, f"cannot allocate {size} bytes") from None
        self._regions.append(region)
        return region

    def _register(self, area: Area) -> None:
        """Make ``area`` addressable by the programs that may see this map."""
        self.space.add(area)
        self._areas.append(area)

    def expose_kernel_struct(self, image: bytes) -> None:
        """Lay ``image`` (the kernel's structure of this map, ``struct bpf_array`` and the like,
        as the runtime's target BTF lays it out) at :attr:`address`, read-only for the programs
        that may see this map.

        Raises:
            ValueError: ``image`` is larger than :data:`KERNEL_STRUCT_BYTES`.
        """
        if len(image) > KERNEL_STRUCT_BYTES:
            raise ValueError(f"map '{self.name}': a kernel structure of {len(image)} bytes does not fit")
        self._handle.buf[: len(image)] = image
        self._register(self._handle)

    def regions(self) -> list[Region]:
        """The regions this map registered in its address space."""
        return list(self._regions)

    # -- user-side checks ----------------------------------------------------------------

    def _check_access(self, operation: str, *, read: bool = False, write: bool = False) -> None:
        """Refuse a syscall-side operation as the kernel refuses it on a closed, read-only,
        write-only or frozen map."""
        if self.closed:
            raise MapError(operation, EBADF)
        if write and self.flags & BPF_F_RDONLY:
            raise MapError(operation, EPERM, "map is read-only")
        if write and self.frozen:
            raise MapError(operation, EPERM, "map is frozen")
        if read and self.flags & BPF_F_WRONLY:
            raise MapError(operation, EPERM, "map is write-only")

    def _check_bytes(self, operation: str, what: str, data: object, size: int) -> bytes:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise MapError(operation, EINVAL, f"{what} must be bytes, got {type(data).__name__}")
        if len(data) != size:
            raise MapError(operation, EINVAL, f"{what} must be {size} bytes, got {len(data)}")
        return bytes(data)

    def _check_key(self, operation: str, key: object) -> bytes:
        """``key`` as bytes, refused unless it has exactly ``key_size`` bytes."""
        return self._check_bytes(operation, "key", key, self.key_size)

    def _check_value(self, operation: str, value: object) -> bytes:
        """``value`` as bytes, refused unless it has exactly ``value_size`` bytes."""
        return self._check_bytes(operation, "value", value, self.value_size)

    @staticmethod
    def _raise_for(operation: str, rc: int) -> None:
        """Turn a program-side result into the user-side exception, if it is an errno."""
        if rc < 0:
            raise error_for(operation, -rc)

    # -- program side: what helpers call -------------------------------------------------

    def lookup(self, key: bytes, cpu: int) -> int:
        """``bpf_map_lookup_elem``: the address of the value (``cpu``'s copy), or 0 if missing."""
        return 0

    def walk(self, cpu: int) -> Iterator[tuple[bytes, int]]:
        """What ``bpf_for_each_map_elem`` visits: each element's key and the address of its
        value (``cpu``'s copy). Arrays and hash maps visit each element once in linear time
        (:meth:`pybpf.maps.ElementMap.walk`); a map that does not say otherwise is walked
        with :meth:`get_next_key` and :meth:`lookup`.

        Raises:
            MapError: the map cannot be walked (the verifier refuses such a walk at load).
        """
        key = self.get_next_key(None)
        while key is not None:
            value = self.lookup(key, cpu)
            if value:
                yield key, value
            key = self.get_next_key(key)

    def update(self, key: bytes, value: bytes, flags: int, cpu: int) -> int:
        """``bpf_map_update_elem`` from a program running on ``cpu``: 0 or a negative errno."""
        return -self._unsupported

    def delete(self, key: bytes) -> int:
        """``bpf_map_delete_elem``: 0 or a negative errno."""
        return -self._unsupported

    # -- user side: what the bpf() syscall offers ----------------------------------------

    def lookup_elem(self, key: bytes, flags: int = 0) -> object:
        """BPF_MAP_LOOKUP_ELEM: the value of ``key``.

        Raises:
            KeyNotExistError: if ``key`` is missing.
            MapError: for any other failure.
        """
        self._check_access("lookup", read=True)
        raise MapError("lookup", self._unsupported)

    def update_elem(self, key: bytes, value: object, flags: int = 0) -> None:
        """BPF_MAP_UPDATE_ELEM: set ``key`` to ``value`` under ``BPF_ANY``/``NOEXIST``/``EXIST``.

        Raises:
            MapError: with the errno the kernel returns (EEXIST, ENOENT, E2BIG, EINVAL...).
        """
        self._check_access("update", write=True)
        raise MapError("update", self._unsupported)

    def delete_elem(self, key: bytes) -> None:
        """BPF_MAP_DELETE_ELEM: remove ``key``.

        Raises:
            KeyNotExistError: if ``key`` is missing.
            MapError: for any other failure.
        """
        self._check_access("delete", write=True)
        raise MapError("delete", self._unsupported)

    def lookup_and_delete_elem(self, key: bytes) -> object:
        """BPF_MAP_LOOKUP_AND_DELETE_ELEM: remove ``key`` and return its value.

        Raises:
            KeyNotExistError: if ``key`` is missing.
            MapError: for any other failure.
        """
        self._check_access("lookup and delete", read=True, write=True)
        raise MapError("lookup and delete", self._unsupported)

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """BPF_MAP_GET_NEXT_KEY: the key after ``key`` (the first for None), None after the last."""
        self._check_access("get next key", read=True)
        raise MapError("get next key", self._unsupported)

    def _walk_from(self, key: bytes | None) -> bytes | None:
        """What every walkable map's :meth:`get_next_key` checks first (read access, then the
        key's size): ``key`` checked, or None to start the walk."""
        self._check_access("get next key", read=True)
        return None if key is None else self._check_key("get next key", key)

    def _next_of_keys(self, key: bytes | None) -> bytes | None:
        """:meth:`get_next_key` for maps whose :meth:`keys` keep an order: the key after
        ``key`` in it (the first if ``key`` is None or gone)."""
        key = self._walk_from(key)
        return next_key_in(self.keys(), key)

    def keys(self) -> list[bytes]:
        """Every key, in :meth:`get_next_key` order (a snapshot)."""
        found: list[bytes] = []
        key = self.get_next_key(None)
        while key is not None:
            found.append(key)
            key = self.get_next_key(key)
        return found

    # -- lifetime ------------------------------------------------------------------------

    def freeze(self) -> None:
        """BPF_MAP_FREEZE: user space may no longer write the map (programs still may).

        Raises:
            MapError: ENOTSUPP if values hold special fields, EBUSY if already frozen.
        """
        self._check_access("freeze")
        if self.special_fields:
            raise MapError("freeze", ENOTSUPP, "map values hold special fields")
        with self._lock:
            if self.frozen:
                raise MapError("freeze", EBUSY, "map is already frozen")
            self.frozen = True

    def free_fields(self) -> None:
        """Free the special fields of every element, as the kernel does when the last user
        reference goes (``map_release_uref``): timers stop, the elements stay."""

    def close(self) -> None:
        """Free the map: free every element's special fields and stop programs from reaching
        its memory. Closing twice is harmless."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
        self.free_fields()
        for area in self._areas:
            self.space.remove(area)
        self._areas.clear()
        self._regions.clear()
