"""Cgroup storage (``BPF_MAP_TYPE_CGROUP_STORAGE`` and ``PERCPU_CGROUP_STORAGE``): the value a
cgroup program has for the cgroup and attach type it runs for.

The kernel makes a map's values when a program using it attaches to a cgroup; user space can
then read and update them by ``struct bpf_cgroup_storage_key`` (a 16-byte key: cgroup id and
attach type) or by the cgroup id alone (an 8-byte key), but never create or delete one. pybpf
attaches no program to a cgroup, so a map holds no value user space can reach: lookups and
updates find none (ENOENT), deletes are EINVAL, a walk ends at once. ``BPF_PROG_TEST_RUN``,
as the kernel's, gives the program fresh zeroed storage for the length of one test run
(``bpf_get_local_storage``): :meth:`run_storage`.
"""

from __future__ import annotations

from typing import ClassVar, final

from ..engine import Region
from ._base import Map
from ._errors import E2BIG, EINVAL, ENOENT, MapError
from ._local_storage import VALUE_SIZE_MAX
from ._types import BPF_ANY, BPF_EXIST, BPF_F_ACCESS_MASK, BPF_F_LOCK, BPF_F_NUMA_NODE, MapType

__all__ = ["CgroupStorage", "CgroupStorageBase", "PerCpuCgroupStorage"]

KEY_SIZES = (8, 16)  #: a cgroup id, or struct bpf_cgroup_storage_key (id and attach type)
PCPU_MIN_UNIT_SIZE = 32 << 10  #: the largest per-CPU value


class CgroupStorageBase(Map):
    """What both cgroup storage types share: no user-visible values, run storage for programs."""

    _create_flags: ClassVar[int] = BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK
    _special_sizes: ClassVar[frozenset[int]] = frozenset({4})  # a bpf_spin_lock
    _max_value: ClassVar[int] = VALUE_SIZE_MAX

    def _check_attrs(self) -> None:
        """``cgroup_storage_map_alloc``: a key of 8 or 16 bytes, a value, max_entries 0."""
        if self.key_size not in KEY_SIZES:
            raise MapError("create", EINVAL, "key_size must be 8 (cgroup id) or 16 (struct bpf_cgroup_storage_key)")
        if self.value_size == 0:
            raise MapError("create", EINVAL, "value_size must not be 0")
        if self.value_size > self._max_value:
            raise MapError("create", E2BIG, f"value_size over {self._max_value}")
        if self.max_entries:
            raise MapError("create", EINVAL, "max_entries must be 0: the kernel makes one value per attachment")

    def run_storage(self, what: str) -> Region:
        """New zeroed storage for one run of a program (``bpf_cgroup_storage_alloc``): one
        value, or one per CPU (each rounded up to 8 bytes) for the per-CPU type."""
        size = -(-self.value_size // 8) * 8 * self.ncpus if self.percpu else self.value_size
        region = Region(size, f"map '{self.name}' {what}", writable=True, owner=self)
        self.space.add(region)
        return region

    def release_run_storage(self, region: Region) -> None:
        """The run is over: its storage goes."""
        self.space.remove(region)

    def storage_address(self, region: Region, cpu: int) -> int:
        """Where ``cpu``'s value of a run's storage is."""
        return region.base + (-(-self.value_size // 8) * 8 * cpu if self.percpu else 0)

    def _update_flags_error(self, flags: int) -> bool:
        return bool(flags & ~(BPF_F_LOCK | BPF_EXIST))

    def lookup_elem(self, key: bytes, flags: int = 0) -> bytes:
        """No attachment, no value (ENOENT)."""
        self._check_access("lookup", read=True)
        self._check_key("lookup", key)
        raise MapError("lookup", ENOENT, "no program of this map is attached to that cgroup")

    def update_elem(self, key: bytes, value: object, flags: int = 0) -> None:
        """Flags other than BPF_EXIST and BPF_F_LOCK are EINVAL; otherwise no value to update
        (ENOENT): user space cannot create one."""
        self._check_access("update", write=True)
        self._check_key("update", key)
        if self._update_flags_error(flags):
            raise MapError("update", EINVAL, f"flags 0x{flags:x}")
        raise MapError("update", ENOENT, "no program of this map is attached to that cgroup")

    def delete_elem(self, key: bytes) -> None:
        """Values go with their attachment, never by delete (EINVAL)."""
        self._check_access("delete", write=True)
        raise MapError("delete", EINVAL, "cgroup storage cannot be deleted")

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """No values to walk: the walk ends at once (None, the kernel's ENOENT)."""
        self._check_access("get next key", read=True)
        return None

    def keys(self) -> list[bytes]:
        """No values user space can reach."""
        return []


@final
class CgroupStorage(CgroupStorageBase):
    """``BPF_MAP_TYPE_CGROUP_STORAGE``: one value per attachment."""

    type: ClassVar[MapType] = MapType.CGROUP_STORAGE


@final
class PerCpuCgroupStorage(CgroupStorageBase):
    """``BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE``: one value per attachment and CPU."""

    type: ClassVar[MapType] = MapType.PERCPU_CGROUP_STORAGE
    percpu: ClassVar[bool] = True
    _special_sizes: ClassVar[frozenset[int]] = frozenset()
    _max_value: ClassVar[int] = min(VALUE_SIZE_MAX, PCPU_MIN_UNIT_SIZE)

    def _update_flags_error(self, flags: int) -> bool:
        return flags not in (BPF_ANY, BPF_EXIST)
