"""Maps whose values stand for kernel objects pybpf does not have: network devices, CPUs'
redirect queues, AF_XDP sockets, sockets and cgroups.

User space stores what the kernel's ``bpf()`` takes (an ifindex, a queue size, a file
descriptor) and pybpf keeps those bytes: the map creates, updates, deletes and iterates with
the kernel's checks and errnos, and programs use it through the helpers that take a map
(``bpf_redirect_map`` records where a packet went). Nothing stands behind a value, so nothing
is validated beyond what the kernel checks before it looks the object up.

Two shapes exist, as in the kernel: arrays (an index per slot, every index iterated) and
hashes (any u32 key, insertion order).
"""

from __future__ import annotations

from typing import ClassVar, final

from ._base import Map, index_of, next_index
from ._errors import E2BIG, EEXIST, EINVAL, ENOENT, ENOSPC, EOPNOTSUPP, KeyNotExistError, MapError
from ._types import (
    BPF_ANY,
    BPF_EXIST,
    BPF_F_NUMA_NODE,
    BPF_F_RDONLY,
    BPF_F_RDONLY_PROG,
    BPF_F_WRONLY,
    BPF_F_WRONLY_PROG,
    BPF_NOEXIST,
    MapType,
)

__all__ = [
    "CgroupArray",
    "CpuMap",
    "DevMap",
    "DevMapHash",
    "ObjectMapBase",
    "ReuseportSockArray",
    "SockHash",
    "SockMap",
    "XskMap",
]

EOVERFLOW = 75
#: the largest queue a CPU map entry may ask for (cpu_map_update_elem)
CPUMAP_QSIZE_MAX = 16384
_USER_FLAGS = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY
_ALL_ACCESS = _USER_FLAGS | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG


class ObjectMapBase(Map):
    """What the object maps share: u32 keys, byte values kept per key, and the kernel's
    per-type rules expressed as class attributes and a few hooks."""

    #: whether the keys are indices below max_entries (arrays) or any u32 (hashes)
    is_array: ClassVar[bool] = True
    #: the value sizes BPF_MAP_CREATE accepts
    value_sizes: ClassVar[frozenset[int]] = frozenset({4, 8})
    #: the errno of a lookup from user space (0: it returns the stored value)
    lookup_errno: ClassVar[int] = 0
    #: the errno of deleting an empty array slot (0: deleting it succeeds)
    delete_empty_errno: ClassVar[int] = 0
    #: the errno of deleting an index past the end of an array
    delete_range_errno: ClassVar[int] = EINVAL
    #: the update flags the map accepts beyond which it answers EINVAL
    max_update_flags: ClassVar[int] = BPF_EXIST
    #: whether BPF_NOEXIST is refused outright (device and CPU arrays always hold every index)
    refuses_noexist: ClassVar[bool] = False
    #: whether BPF_EXIST needs the key to be there (device hashes do not check)
    exist_needs_entry: ClassVar[bool] = True

    def _setup(self) -> None:
        self._values: dict[int, bytes] = {}

    def _check_attrs(self) -> None:
        if self.key_size != 4 or self.value_size not in self.value_sizes or self.max_entries == 0:
            sizes = " or ".join(str(s) for s in sorted(self.value_sizes))
            raise MapError("create", EINVAL, f"key_size must be 4, value_size {sizes}, max_entries non-zero")

    def _check_value_bytes(self, value: bytes) -> int:
        """The errno the kernel answers for this value before storing it (0 to store it; a
        value that empties the slot is handled by :meth:`_empties`)."""
        return 0

    def _empties(self, value: bytes) -> bool:
        """Whether storing ``value`` empties the slot instead (a device map's ifindex 0)."""
        return False

    def update(self, key: bytes, value: bytes, flags: int, cpu: int) -> int:
        """The program side of an update: the object maps programs may update (sockets) take
        it as user space's; the others refuse it as the verifier would let them."""
        return self._store(key, value, flags)

    def _store(self, key: bytes, value: bytes, flags: int) -> int:
        if flags > self.max_update_flags:
            return -EINVAL
        index = index_of(key)
        if self.is_array and index >= self.max_entries:
            return -E2BIG
        with self._lock:
            exists = index in self._values
            if flags == BPF_NOEXIST and (exists or self.refuses_noexist):
                return -EEXIST
            if flags == BPF_EXIST and not exists and self.exist_needs_entry and not self.refuses_noexist:
                return -ENOENT
            rc = self._check_value_bytes(value)
            if rc:
                return rc
            if self._empties(value):
                if not self.is_array:
                    return -EINVAL
                self._values.pop(index, None)
                return 0
            if not exists and not self.is_array and len(self._values) >= self.max_entries:
                return -E2BIG
            self._values[index] = value
        return 0

    def delete(self, key: bytes) -> int:
        """Empty the slot of ``key``."""
        index = index_of(key)
        if self.is_array and index >= self.max_entries:
            return -self.delete_range_errno
        with self._lock:
            found = self._values.pop(index, None)
        if found is None and (not self.is_array or self.delete_empty_errno):
            return -(self.delete_empty_errno or ENOENT)
        return 0

    def stored(self, index: int) -> bytes | None:
        """The bytes stored at ``index`` (for helpers such as ``bpf_redirect_map``), or None."""
        with self._lock:
            return self._values.get(index)

    # -- user side -----------------------------------------------------------------------

    def lookup_elem(self, key: bytes, flags: int = 0) -> bytes:
        """The stored value of ``key`` (or the kernel's errno for maps it does not return)."""
        self._check_access("lookup", read=True)
        key = self._check_key("lookup", key)
        if self.lookup_errno:
            raise MapError("lookup", self.lookup_errno)
        found = self.stored(index_of(key))
        if found is None:
            raise KeyNotExistError("lookup")
        return found

    def update_elem(self, key: bytes, value: object, flags: int = 0) -> None:
        """Store ``value`` (the ifindex, queue size or descriptor the kernel would take)."""
        self._check_access("update", write=True)
        self._raise_for("update", self._store(self._check_key("update", key), self._check_value("update", value), flags))

    def delete_elem(self, key: bytes) -> None:
        """Empty the slot of ``key``."""
        self._check_access("delete", write=True)
        self._raise_for("delete", self.delete(self._check_key("delete", key)))

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """Arrays: the next index; hashes: the next key in insertion order."""
        if self.is_array:
            return next_index(self._walk_from(key), self.max_entries)
        return self._next_of_keys(key)

    def keys(self) -> list[bytes]:
        """Arrays: every index; hashes: the stored keys."""
        self._check_access("keys", read=True)
        if self.is_array:
            return [i.to_bytes(4, "little") for i in range(self.max_entries)]
        with self._lock:
            return [i.to_bytes(self.key_size, "little") for i in self._values]


@final
class DevMap(ObjectMapBase):
    """``BPF_MAP_TYPE_DEVMAP``: ``bpf_redirect_map`` targets by index; the value is an ifindex
    (and optionally a program fd). Storing ifindex 0 empties the slot."""

    type: ClassVar[MapType] = MapType.DEVMAP
    _create_flags: ClassVar[int] = _ALL_ACCESS
    refuses_noexist = True

    def _check_value_bytes(self, value: bytes) -> int:
        if index_of(value[:4]) == 0 and len(value) == 8 and int.from_bytes(value[4:], "little", signed=True) > 0:
            return -EINVAL  # a program for no device
        return 0

    def _empties(self, value: bytes) -> bool:
        return index_of(value[:4]) == 0


@final
class DevMapHash(ObjectMapBase):
    """``BPF_MAP_TYPE_DEVMAP_HASH``: redirect targets keyed by any u32 (usually the ifindex)."""

    type: ClassVar[MapType] = MapType.DEVMAP_HASH
    _create_flags: ClassVar[int] = _ALL_ACCESS
    is_array = False
    exist_needs_entry = False

    def _empties(self, value: bytes) -> bool:
        return index_of(value[:4]) == 0  # no device 0: the kernel's lookup fails (EINVAL)


@final
class CpuMap(ObjectMapBase):
    """``BPF_MAP_TYPE_CPUMAP``: redirect targets by CPU; the value is a queue size (and
    optionally a program fd). A queue size of 0 empties the slot."""

    type: ClassVar[MapType] = MapType.CPUMAP
    _create_flags: ClassVar[int] = BPF_F_NUMA_NODE
    refuses_noexist = True

    def _check_value_bytes(self, value: bytes) -> int:
        return -EOVERFLOW if index_of(value[:4]) > CPUMAP_QSIZE_MAX else 0

    def _empties(self, value: bytes) -> bool:
        return index_of(value[:4]) == 0


@final
class XskMap(ObjectMapBase):
    """``BPF_MAP_TYPE_XSKMAP``: AF_XDP sockets by queue index; user space cannot read it."""

    type: ClassVar[MapType] = MapType.XSKMAP
    _create_flags: ClassVar[int] = _USER_FLAGS
    value_sizes = frozenset({4})
    lookup_errno = EOPNOTSUPP


@final
class SockMap(ObjectMapBase):
    """``BPF_MAP_TYPE_SOCKMAP``: sockets by index; a lookup from user space gives the socket
    cookie, which needs an 8-byte value (ENOSPC otherwise)."""

    type: ClassVar[MapType] = MapType.SOCKMAP
    _create_flags: ClassVar[int] = _ALL_ACCESS
    delete_empty_errno = EINVAL

    def lookup_elem(self, key: bytes, flags: int = 0) -> bytes:
        """The socket's cookie (pybpf keeps the stored value in its place)."""
        if self.value_size != 8:
            self._check_access("lookup", read=True)
            raise MapError("lookup", ENOSPC, "socket cookies need an 8-byte value")
        return super().lookup_elem(key, flags)


@final
class SockHash(ObjectMapBase):
    """``BPF_MAP_TYPE_SOCKHASH``: sockets by any key."""

    type: ClassVar[MapType] = MapType.SOCKHASH
    _create_flags: ClassVar[int] = _ALL_ACCESS
    is_array = False

    def _check_attrs(self) -> None:
        if self.key_size == 0 or self.value_size not in self.value_sizes or self.max_entries == 0:
            raise MapError("create", EINVAL, "key_size and max_entries must not be 0, value_size must be 4 or 8")


@final
class ReuseportSockArray(ObjectMapBase):
    """``BPF_MAP_TYPE_REUSEPORT_SOCKARRAY``: the sockets of a SO_REUSEPORT group by index."""

    type: ClassVar[MapType] = MapType.REUSEPORT_SOCKARRAY
    _create_flags: ClassVar[int] = _USER_FLAGS
    delete_empty_errno = ENOENT


@final
class CgroupArray(ObjectMapBase):
    """``BPF_MAP_TYPE_CGROUP_ARRAY``: cgroups by index, for ``bpf_skb_under_cgroup`` and
    ``bpf_current_task_under_cgroup``. Like every fd array it takes only BPF_ANY and cannot be
    read from user space."""

    type: ClassVar[MapType] = MapType.CGROUP_ARRAY
    _create_flags: ClassVar[int] = _USER_FLAGS
    value_sizes = frozenset({4})
    lookup_errno = EOPNOTSUPP
    max_update_flags = BPF_ANY
    delete_empty_errno = ENOENT
    delete_range_errno = E2BIG
