"""The sysctl helpers of cgroup_sysctl programs, on the sysctl a run names (``Program.run``):
its path below ``/proc/sys``, its current value as a read gives it, and for a write the value
being written, which the program may read and replace (the kernel's ``bpf_sysctl_*`` in
kernel/bpf/cgroup.c, with their errnos and NUL handling).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from ..engine import BpfRuntimeError, ExecContext
from ._impl import implements

__all__ = ["SysctlAccess", "accessing"]

EINVAL = 22
E2BIG = 7
BPF_F_SYSCTL_BASE_NAME = 1
PAGE_SIZE = 4096


@dataclass
class SysctlAccess:
    """One access to a sysctl: ``name`` is its path (``net/ipv4/tcp_mem``), ``current`` the
    value a read gives, ``new`` the value a write brings (None for a read)."""

    name: str
    current: bytes
    new: bytes | None


#: the access each running cgroup_sysctl context stands for, by the context's address
_ACCESSES: dict[int, SysctlAccess] = {}


@contextlib.contextmanager
def accessing(ctx_address: int, access: SysctlAccess) -> Iterator[None]:
    """Let the helpers find ``access`` behind the context at ``ctx_address`` while a run lasts."""
    _ACCESSES[ctx_address] = access
    try:
        yield
    finally:
        del _ACCESSES[ctx_address]


def _access(ctx: ExecContext, address: int, helper: str) -> SysctlAccess:
    access = _ACCESSES.get(address)
    if access is None:
        raise BpfRuntimeError(f"{helper}: 0x{address:x} is not the context of a sysctl access")
    return access


def _copy_string(ctx: ExecContext, buf: int, size: int, text: bytes) -> int:
    """``strscpy``: the string and a NUL; -E2BIG with as much as fits when it does not."""
    if size == 0:
        return -E2BIG
    if len(text) < size:
        ctx.write(buf, text + b"\0")
        return len(text)
    ctx.write(buf, text[: size - 1] + b"\0")
    return -E2BIG


@implements("bpf_sysctl_get_name")
def sysctl_get_name(ctx: ExecContext, sysctl: int, buf: int, size: int, flags: int, _5: int) -> int:
    access = _access(ctx, sysctl, "bpf_sysctl_get_name")
    name = access.name.encode()
    if flags & BPF_F_SYSCTL_BASE_NAME:
        name = name.rsplit(b"/", 1)[-1]
    return _copy_string(ctx, buf, size, name)


def _copy_value(ctx: ExecContext, buf: int, size: int, value: bytes | None) -> int:
    """``copy_sysctl_value``: the value zero-padded and its length, or -E2BIG with as much as
    fits and a NUL last; -EINVAL (buffer zeroed) for no value."""
    if size == 0:
        return -E2BIG
    if not value:
        ctx.write(buf, bytes(size))
        return -EINVAL
    if size > len(value):
        ctx.write(buf, value.ljust(size, b"\0"))
        return len(value)
    ctx.write(buf, value[: size - 1] + b"\0")
    return -E2BIG


@implements("bpf_sysctl_get_current_value")
def sysctl_get_current_value(ctx: ExecContext, sysctl: int, buf: int, size: int, *_: int) -> int:
    return _copy_value(ctx, buf, size, _access(ctx, sysctl, "bpf_sysctl_get_current_value").current)


@implements("bpf_sysctl_get_new_value")
def sysctl_get_new_value(ctx: ExecContext, sysctl: int, buf: int, size: int, *_: int) -> int:
    access = _access(ctx, sysctl, "bpf_sysctl_get_new_value")
    if access.new is None:
        if size:
            ctx.write(buf, bytes(size))
        return -EINVAL
    return _copy_value(ctx, buf, size, access.new)


@implements("bpf_sysctl_set_new_value")
def sysctl_set_new_value(ctx: ExecContext, sysctl: int, buf: int, size: int, *_: int) -> int:
    access = _access(ctx, sysctl, "bpf_sysctl_set_new_value")
    if access.new is None or not size or size > PAGE_SIZE - 1:
        return -EINVAL
    access.new = ctx.read(buf, size)
    return 0
