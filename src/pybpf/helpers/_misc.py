"""Helpers about the running task and CPU, random numbers, and reading memory."""

from __future__ import annotations

from ..engine import ExecContext, OutOfBoundsError
from ..maps import spin_lock_at
from ._impl import host, implements

EFAULT = 14
ERANGE = 34
KERNEL_HALF = 0xFFFF_8000_0000_0000  #: x86-64 (48-bit): where canonical kernel addresses start


@implements("bpf_get_prandom_u32")
def get_prandom_u32(ctx: ExecContext, *_: int) -> int:
    return host(ctx).prandom_u32()


@implements("bpf_get_smp_processor_id")
def get_smp_processor_id(ctx: ExecContext, *_: int) -> int:
    return ctx.cpu


@implements("bpf_get_current_pid_tgid")
def get_current_pid_tgid(ctx: ExecContext, *_: int) -> int:
    return host(ctx).pid_tgid()


@implements("bpf_probe_read_kernel")
def probe_read_kernel(ctx: ExecContext, dst: int, size: int, src: int, _4: int, _5: int) -> int:
    """Only program memory exists here: a read elsewhere zero-fills dst and fails, as in the kernel.

    The error is the kernel's on x86-64 (``copy_from_kernel_nofault``): -ERANGE for an address
    it refuses to try (user space, NULL included, and non-canonical addresses), -EFAULT for a
    kernel address that is not mapped.
    """
    size &= 0xFFFF_FFFF
    try:
        data = ctx.read(src, size)
    except OutOfBoundsError:
        ctx.write(dst, bytes(size))
        return -EFAULT if _kernel_address(src) else -ERANGE
    ctx.write(dst, data)
    return 0


def _kernel_address(address: int) -> bool:
    """Whether x86-64 lets copy_from_kernel_nofault try ``address``: canonical, upper half."""
    return address & (2**64 - 1) >= KERNEL_HALF


@implements("bpf_spin_lock")
def spin_lock(ctx: ExecContext, lock: int, *_: int) -> int:
    ctx.read(lock, 4)  # the lock word must be program memory
    spin_lock_at(lock).acquire()
    return 0


@implements("bpf_spin_unlock")
def spin_unlock(ctx: ExecContext, lock: int, *_: int) -> int:
    ctx.read(lock, 4)
    held = spin_lock_at(lock)
    if held.locked():
        held.release()
    return 0
