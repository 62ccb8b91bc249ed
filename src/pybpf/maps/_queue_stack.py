"""Queue (``BPF_MAP_TYPE_QUEUE``, FIFO) and stack (``BPF_MAP_TYPE_STACK``, LIFO) maps.

They have no keys. Programs use ``bpf_map_push_elem``/``pop_elem``/``peek_elem``; user space
uses the syscall's mapping of the same operations: update pushes, lookup peeks, lookup-and-delete
pops, each with an empty key. A full map refuses a push with E2BIG unless it carries BPF_EXIST,
which drops the oldest value to make room (``queue_stack_map_push_elem``). Values are handed out
as copies, so they need no native memory.
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar, final

from ._base import Map
from ._errors import E2BIG, EINVAL, ENOENT, MapError, error_for
from ._types import BPF_EXIST, BPF_F_ACCESS_MASK, BPF_F_NUMA_NODE, BPF_NOEXIST, MapType

__all__ = ["QueueMap", "QueueStackBase", "StackMap"]


class QueueStackBase(Map):
    """A bounded sequence of values; subclasses say which end pops."""

    _create_flags: ClassVar[int] = BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK
    _unsupported: ClassVar[int] = EINVAL
    #: whether the newest value pops first
    _lifo: ClassVar[bool]

    def _setup(self) -> None:
        self._values: deque[bytes] = deque()  # oldest on the left

    def _check_attrs(self) -> None:
        if self.key_size != 0:
            raise MapError("create", EINVAL, f"key_size must be 0, got {self.key_size}")
        if self.value_size == 0 or self.max_entries == 0:
            raise MapError("create", EINVAL, "value_size and max_entries must not be 0")

    # -- program side --------------------------------------------------------------------

    def push(self, value: bytes, flags: int) -> int:
        """``bpf_map_push_elem``: 0, -E2BIG when full (unless BPF_EXIST), -EINVAL for bad flags."""
        if flags & BPF_NOEXIST or flags > BPF_EXIST:
            return -EINVAL
        with self._lock:
            if len(self._values) >= self.max_entries:
                if not flags & BPF_EXIST:
                    return -E2BIG
                self._values.popleft()
            self._values.append(bytes(value))
        return 0

    def _take(self, remove: bool) -> bytes | int:
        with self._lock:
            if not self._values:
                return -ENOENT
            if remove:
                return self._values.pop() if self._lifo else self._values.popleft()
            return self._values[-1] if self._lifo else self._values[0]

    def pop(self, cpu: int = 0) -> bytes | int:
        """``bpf_map_pop_elem``: the next value, removed, or -ENOENT when empty.

        ``cpu`` is accepted so helpers call every map alike; these maps are shared by all CPUs.
        """
        return self._take(remove=True)

    def peek(self, cpu: int = 0) -> bytes | int:
        """``bpf_map_peek_elem``: the next value, left in place, or -ENOENT when empty."""
        return self._take(remove=False)

    # -- user side -----------------------------------------------------------------------

    def update_elem(self, key: bytes, value: object, flags: int = 0) -> None:
        """Push ``value`` (``key`` must be empty)."""
        self._check_access("push", write=True)
        self._check_key("push", key)
        self._raise_for("push", self.push(self._check_value("push", value), flags))

    def _user_take(self, operation: str, key: bytes, remove: bool) -> bytes:
        self._check_key(operation, key)
        got = self._take(remove)
        if isinstance(got, int):
            raise error_for(operation, -got)
        return got

    def lookup_elem(self, key: bytes, flags: int = 0) -> bytes:
        """Peek at the next value (``key`` must be empty)."""
        self._check_access("peek", read=True)
        if flags:
            raise MapError("peek", EINVAL, f"invalid flags 0x{flags:x}")
        return self._user_take("peek", key, remove=False)

    def lookup_and_delete_elem(self, key: bytes) -> bytes:
        """Pop the next value (``key`` must be empty)."""
        self._check_access("pop", read=True, write=True)
        return self._user_take("pop", key, remove=True)


@final
class QueueMap(QueueStackBase):
    """``BPF_MAP_TYPE_QUEUE``: values pop oldest first."""

    type: ClassVar[MapType] = MapType.QUEUE
    _lifo: ClassVar[bool] = False


@final
class StackMap(QueueStackBase):
    """``BPF_MAP_TYPE_STACK``: values pop newest first."""

    type: ClassVar[MapType] = MapType.STACK
    _lifo: ClassVar[bool] = True
