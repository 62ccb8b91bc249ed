"""Helpers about the running task and CPU, random numbers, and reading memory."""

from __future__ import annotations

from ..engine import BpfRuntimeError, ExecContext, OutOfBoundsError
from ..maps import SpinLock, spin_lock_at
from ._impl import host, implements

EFAULT = 14
ERANGE = 34
SPIN_LOCK_SIZE = 4  #: bytes of a ``struct bpf_spin_lock``
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
    # The destination is checked first, so a huge size fails before anything is allocated.
    target = ctx.region(dst, size, -1, "store")
    start = dst - target.base
    try:
        data = ctx.read(src, size)
    except OutOfBoundsError:
        target.buf[start : start + size] = bytes(size)
        return -EFAULT if _kernel_address(src) else -ERANGE
    target.buf[start : start + size] = data
    return 0


def _kernel_address(address: int) -> bool:
    """Whether x86-64 lets copy_from_kernel_nofault try ``address``: canonical, upper half."""
    return address & (2**64 - 1) >= KERNEL_HALF


def _lock_field(ctx: ExecContext, address: int, helper: str) -> SpinLock:
    """The lock of the ``bpf_spin_lock`` field at ``address``: exactly the lock field of an
    element of a map this run may see, else a clean fault (the verifier's rule)."""
    area = ctx.space.area_at(address, ctx.visible)
    owner = None if area is None else area.owner
    field = getattr(owner, "field_at", None)
    if field is None or field(address, SPIN_LOCK_SIZE) is None:
        raise BpfRuntimeError(f"{helper}: 0x{address:x} is not a bpf_spin_lock in a map value")
    return spin_lock_at(address)


@implements("bpf_spin_lock")
def spin_lock(ctx: ExecContext, lock: int, *_: int) -> int:
    held = _lock_field(ctx, lock, "bpf_spin_lock")
    if ctx.held:  # a second lock: the verifier refuses it, and it could deadlock (ABBA)
        raise BpfRuntimeError("bpf_spin_lock: the run already holds a bpf_spin_lock")
    held.acquire()
    ctx.held.append(held)
    return 0


@implements("bpf_spin_unlock")
def spin_unlock(ctx: ExecContext, lock: int, *_: int) -> int:
    held = _lock_field(ctx, lock, "bpf_spin_unlock")
    if held not in ctx.held:
        raise BpfRuntimeError("bpf_spin_unlock: the run does not hold this bpf_spin_lock")
    ctx.held.remove(held)
    held.release()
    return 0
