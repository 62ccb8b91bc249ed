"""Stack trace maps (``BPF_MAP_TYPE_STACK_TRACE``): ``bpf_get_stackid`` stores a call stack and
returns its id; user space reads the stack (an array of u64 instruction pointers) by id.

pybpf has no kernel stack to walk: the stack a program sees is the program's own call chain
(the address of each frame's call instruction, innermost first), which is the same for the same
call site, so ids repeat exactly as they do in the kernel for a repeated path.
"""

from __future__ import annotations

from typing import ClassVar, final

from ._base import Map, index_of
from ._errors import EEXIST, EFAULT, EINVAL, ENOENT, KeyNotExistError, MapError
from ._types import BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_WRONLY, MapType

__all__ = [
    "BPF_F_FAST_STACK_CMP",
    "BPF_F_REUSE_STACKID",
    "BPF_F_SKIP_FIELD_MASK",
    "BPF_F_STACK_BUILD_ID",
    "BPF_F_USER_STACK",
    "StackTraceMap",
]

BPF_F_STACK_BUILD_ID = 1 << 5  #: creation flag: store build ids and offsets instead of ips
BPF_F_SKIP_FIELD_MASK = 0xFF  #: bpf_get_stackid flags: how many frames to skip
BPF_F_USER_STACK = 1 << 8  #: bpf_get_stackid flags: the user-space stack
BPF_F_FAST_STACK_CMP = 1 << 9  #: bpf_get_stackid flags: compare stacks by hash only
BPF_F_REUSE_STACKID = 1 << 10  #: bpf_get_stackid flags: replace a colliding stack
MAX_STACK_DEPTH = 127  #: sysctl_perf_event_max_stack's default


@final
class StackTraceMap(Map):
    """``BPF_MAP_TYPE_STACK_TRACE``: stacks by id (their hash modulo max_entries)."""

    type: ClassVar[MapType] = MapType.STACK_TRACE
    _create_flags: ClassVar[int] = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_STACK_BUILD_ID
    _unsupported: ClassVar[int] = EINVAL

    def _setup(self) -> None:
        self._stacks: dict[int, tuple[int, ...]] = {}

    def _check_attrs(self) -> None:
        """``stack_map_alloc``: a u32 key and a value holding 1 to 127 u64s."""
        depth, rest = divmod(self.value_size, 8)
        if self.max_entries == 0 or self.key_size != 4 or depth == 0 or rest or depth > MAX_STACK_DEPTH:
            raise MapError("create", EINVAL, "key_size must be 4 and value_size a multiple of 8 up to 1016")

    def store(self, ips: tuple[int, ...], flags: int) -> int:
        """``bpf_get_stackid``: the id of ``ips`` (stored, cut to the value size), or a negative
        errno: -EFAULT for an empty stack, -EEXIST when another stack holds the id and
        BPF_F_REUSE_STACKID is not given."""
        if flags & ~(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_FAST_STACK_CMP | BPF_F_REUSE_STACKID):
            return -EINVAL
        ips = ips[flags & BPF_F_SKIP_FIELD_MASK :][: self.value_size // 8]
        if not ips:
            return -EFAULT
        stack_id = hash(ips) % self.max_entries
        with self._lock:
            held = self._stacks.get(stack_id)
            if held is not None and held != ips and not flags & BPF_F_REUSE_STACKID:
                return -EEXIST
            self._stacks[stack_id] = ips
        return stack_id

    def lookup_elem(self, key: bytes, flags: int = 0) -> bytes:
        """The stack of id ``key``, zero-padded to the value size."""
        self._check_access("lookup", read=True)
        stack = self._stacks.get(index_of(self._check_key("lookup", key)))
        if stack is None:
            raise KeyNotExistError("lookup")
        return b"".join(ip.to_bytes(8, "little") for ip in stack).ljust(self.value_size, b"\0")

    def delete(self, key: bytes) -> int:
        """Forget a stack id: 0, -EINVAL past the end, -ENOENT when empty."""
        index = index_of(key)
        if index >= self.max_entries:
            return -EINVAL
        with self._lock:
            return 0 if self._stacks.pop(index, None) is not None else -ENOENT

    def delete_elem(self, key: bytes) -> None:
        """Forget the stack of id ``key``."""
        self._check_access("delete", write=True)
        self._raise_for("delete", self.delete(self._check_key("delete", key)))

    def get_next_key(self, key: bytes | None) -> bytes | None:
        """The next id that holds a stack."""
        self._check_access("get next key", read=True)
        start = -1 if key is None else index_of(self._check_key("get next key", key))
        if start >= self.max_entries:
            start = -1
        with self._lock:
            later = [i for i in self._stacks if i > start]
        return min(later).to_bytes(4, "little") if later else None
