"""Errors of map operations, and the errno values programs see instead.

Programs get a negative errno back from a helper; Python callers get a :class:`MapError` that
carries the same errno, so both sides of a map fail with the kernel's numbers.
"""

from __future__ import annotations

from .._errors import PybpfError

__all__ = [
    "E2BIG",
    "EACCES",
    "EAGAIN",
    "EBADF",
    "EBUSY",
    "EDEADLK",
    "EEXIST",
    "EFAULT",
    "EINVAL",
    "ENOENT",
    "ENOMEM",
    "ENOSPC",
    "ENOTSUPP",
    "EOPNOTSUPP",
    "EPERM",
    "KeyNotExistError",
    "MapError",
    "errno_name",
]

# The Linux errno values map operations return (asm-generic/errno-base.h, errno.h).
EPERM = 1
ENOENT = 2
E2BIG = 7
EBADF = 9
EAGAIN = 11
ENOMEM = 12
EACCES = 13
EFAULT = 14
EBUSY = 16
EEXIST = 17
EINVAL = 22
ENOSPC = 28
EOVERFLOW = 75
EDEADLK = 35
EOPNOTSUPP = 95
#: the kernel-internal "operation not supported" (include/linux/errno.h), which the bpf()
#: syscall leaks to user space for ring-buffer lookups, lookup-and-delete on arrays, freeze...
ENOTSUPP = 524

_NAMES = {
    EPERM: "EPERM",
    ENOENT: "ENOENT",
    E2BIG: "E2BIG",
    EBADF: "EBADF",
    EAGAIN: "EAGAIN",
    ENOMEM: "ENOMEM",
    EACCES: "EACCES",
    EFAULT: "EFAULT",
    EBUSY: "EBUSY",
    EEXIST: "EEXIST",
    EINVAL: "EINVAL",
    ENOSPC: "ENOSPC",
    EOVERFLOW: "EOVERFLOW",
    EDEADLK: "EDEADLK",
    EOPNOTSUPP: "EOPNOTSUPP",
    ENOTSUPP: "ENOTSUPP",
}

# What an errno means for a map when the caller has nothing more precise to say.
_MEANINGS = {
    EPERM: "operation not permitted",
    ENOENT: "key does not exist",
    E2BIG: "map is full",
    EBADF: "map is closed",
    EAGAIN: "no space left in the ring buffer",
    ENOMEM: "out of memory",
    EBUSY: "map is busy",
    EEXIST: "key exists",
    EINVAL: "invalid argument",
    EOPNOTSUPP: "operation not supported",
    ENOTSUPP: "operation not supported",
}


def errno_name(errno: int) -> str:
    """The symbolic name of ``errno`` ("EEXIST"), or "errno N" for one maps never return."""
    return _NAMES.get(errno, f"errno {errno}")


class MapError(PybpfError):
    """Raised by a map operation called from Python when the kernel would fail it.

    ``errno`` is the positive errno the bpf() syscall would return and ``operation`` the
    operation that failed ("update", "lookup"...). The message reads
    ``"update: key exists (EEXIST)"``; outer layers prefix it with the map's name.
    """

    def __init__(self, operation: str, errno: int, detail: str | None = None) -> None:
        self.operation = operation
        self.errno = errno
        #: the message without its errno, for outer layers that add their own prefix
        self.reason = f"{operation}: {detail or _MEANINGS.get(errno, 'failed')}"
        self.message = f"{self.reason} ({errno_name(errno)})"
        super().__init__(self.message)

    def __str__(self) -> str:
        # KeyError (a base of KeyNotExistError) would print the message as a quoted repr.
        return self.message


class KeyNotExistError(MapError, KeyError):
    """Raised by a map operation called from Python when the key it needs is missing (ENOENT).

    It is also a :class:`KeyError`, so maps behave like Python mappings.
    """

    def __init__(self, operation: str, detail: str | None = None) -> None:
        super().__init__(operation, ENOENT, detail)


def error_for(operation: str, errno: int, detail: str | None = None) -> MapError:
    """The exception for a failed ``operation``: a :class:`KeyNotExistError` for ENOENT."""
    if errno == ENOENT:
        return KeyNotExistError(operation, detail)
    return MapError(operation, errno, detail)
