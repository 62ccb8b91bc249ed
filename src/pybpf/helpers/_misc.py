"""Helpers about the running task and CPU, random numbers, and reading memory."""

from __future__ import annotations

from ..engine import BpfRuntimeError, ExecContext, OutOfBoundsError
from ..engine._mapgen import NativeOp
from ..engine._native import mark_native
from ..maps import SpinLock, spin_lock_at
from ._impl import host, implements, map_arg

EFAULT = 14
EINVAL = 22
ERANGE = 34
SPIN_LOCK_SIZE = 4  #: bytes of a ``struct bpf_spin_lock``
KERNEL_HALF = 0xFFFF_8000_0000_0000  #: x86-64 (48-bit): where canonical kernel addresses start


@implements("bpf_get_prandom_u32")
def get_prandom_u32(ctx: ExecContext, *_: int) -> int:
    return host(ctx).prandom_u32()


@mark_native(NativeOp.CPU_ID)
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
        return -EFAULT if kernel_address(src) else -ERANGE
    target.buf[start : start + size] = data
    return 0


def kernel_address(address: int) -> bool:
    """Whether x86-64 lets copy_from_kernel_nofault try ``address``: canonical, upper half."""
    return address & (2**64 - 1) >= KERNEL_HALF


def _lock_field(ctx: ExecContext, address: int, helper: str) -> SpinLock:
    """The lock of the ``bpf_spin_lock`` field at ``address``: exactly the lock field of an
    element of a map this run may see, or of an allocated object, else a clean fault (the
    verifier's rule)."""
    area = ctx.space.area_at(address, ctx.visible)
    owner = None if area is None else area.owner
    field = getattr(owner, "field_at", None)
    in_map = field is not None and field(address, SPIN_LOCK_SIZE) is not None
    graphs = getattr(ctx.runtime, "graphs", None)  # a runtime may model no allocated objects
    if not in_map and (graphs is None or not graphs.is_object_lock(address)):
        raise BpfRuntimeError(f"{helper}: 0x{address:x} is not a bpf_spin_lock in a map value")
    return spin_lock_at(address)


@mark_native(NativeOp.LOCK)  # compiled code takes a map element's lock itself (engine._lockgen)
@implements("bpf_spin_lock")
def spin_lock(ctx: ExecContext, lock: int, *_: int) -> int:
    held = _lock_field(ctx, lock, "bpf_spin_lock")
    if ctx.held:  # a second lock: the verifier refuses it, and it could deadlock (ABBA)
        raise BpfRuntimeError("bpf_spin_lock: the run already holds a bpf_spin_lock")
    held.acquire()
    ctx.held.append(held)
    return 0


@mark_native(NativeOp.UNLOCK)
@implements("bpf_spin_unlock")
def spin_unlock(ctx: ExecContext, lock: int, *_: int) -> int:
    held = _lock_field(ctx, lock, "bpf_spin_unlock")
    if held not in ctx.held:
        raise BpfRuntimeError("bpf_spin_unlock: the run does not hold this bpf_spin_lock")
    ctx.held.remove(held)
    held.release()
    return 0


def _deliver(ctx: ExecContext, dst: int, size: int, data: bytes | None) -> int:
    """Store what a read found in dst: 0, or -EFAULT with dst zeroed when it found nothing."""
    ctx.write(dst, bytes(size) if data is None else data)
    return -EFAULT if data is None else 0


def _program_memory(ctx: ExecContext, address: int) -> bool:
    """Whether ``address`` is in memory the program may see (stack, maps, context, packet):
    kernel memory to the kernel, never the calling task's user memory."""
    try:
        ctx.region(address, 1, -1, "load")
    except OutOfBoundsError:
        return False
    return True


def _user_bytes(ctx: ExecContext, src: int, size: int) -> bytes | None:
    """``size`` bytes of the calling task's user memory at ``src`` (this process's), or None
    where the kernel's user copy faults: unmapped, or program memory (a kernel address)."""
    if _program_memory(ctx, src):
        return None
    return host(ctx).read_process_memory(src, size)


def _read_user(ctx: ExecContext, dst: int, size: int, src: int) -> int:
    """``copy_from_user_nofault``: the calling task's user memory, or -EFAULT with dst zeroed;
    a kernel address fails even for no bytes (x86-64's ``access_ok`` comes first)."""
    size &= 0xFFFF_FFFF
    if kernel_address(src) or _program_memory(ctx, src):
        return _deliver(ctx, dst, size, None)
    if not size:
        return 0
    return _deliver(ctx, dst, size, host(ctx).read_process_memory(src, size))


@implements("bpf_probe_read_user")
def probe_read_user(ctx: ExecContext, dst: int, size: int, src: int, _4: int, _5: int) -> int:
    return _read_user(ctx, dst, size, src)


@implements("bpf_probe_read")
def probe_read(ctx: ExecContext, dst: int, size: int, src: int, _4: int, _5: int) -> int:
    """The old helper reads kernel memory for a kernel address (program memory is one) and
    user memory below the kernel half (x86-64's TASK_SIZE test)."""
    if kernel_address(src) or _program_memory(ctx, src):
        return probe_read_kernel(ctx, dst, size, src, 0, 0)
    return _read_user(ctx, dst, size, src)


def _read_str(ctx: ExecContext, dst: int, size: int, src: int, error: int, user: bool = False) -> int:
    """Copy a string of at most ``size - 1`` bytes and a NUL; its length with the NUL, or
    ``error`` with dst zeroed when the source cannot be read before the NUL. ``user``: from
    the calling task's user memory (``strncpy_from_user_nofault``), else program memory."""
    size &= 0xFFFF_FFFF
    if size == 0:
        return 0
    out = bytearray()
    while len(out) < size - 1:
        byte = _user_bytes(ctx, src + len(out), 1) if user else _program_byte(ctx, src + len(out))
        if byte is None:
            ctx.write(dst, bytes(size))
            return error
        if byte == b"\0":
            break
        out += byte
    ctx.write(dst, bytes(out) + b"\0")
    return len(out) + 1


def _program_byte(ctx: ExecContext, address: int) -> bytes | None:
    try:
        return ctx.read(address, 1)
    except OutOfBoundsError:
        return None


@implements("bpf_probe_read_user_str")
def probe_read_user_str(ctx: ExecContext, dst: int, size: int, src: int, _4: int, _5: int) -> int:
    return _read_str(ctx, dst, size, src, -EFAULT, user=True)


@implements("bpf_probe_read_kernel_str")
def probe_read_kernel_str(ctx: ExecContext, dst: int, size: int, src: int, _4: int, _5: int) -> int:
    return _read_str(ctx, dst, size, src, -EFAULT if kernel_address(src) else -ERANGE)


@implements("bpf_probe_read_str")
def probe_read_str(ctx: ExecContext, dst: int, size: int, src: int, _4: int, _5: int) -> int:
    """Kernel memory for a kernel address (program memory is one), user memory below."""
    user = not (kernel_address(src) or _program_memory(ctx, src))
    return _read_str(ctx, dst, size, src, -EFAULT, user=user)


@implements("bpf_strncmp")
def strncmp(ctx: ExecContext, s1: int, s1_size: int, s2: int, _4: int, _5: int) -> int:
    """Compare like the kernel's strncmp over s1_size bytes: <0, 0 or >0."""
    a = ctx.read(s1, s1_size & 0xFFFF_FFFF)
    for i, x in enumerate(a):
        y = ctx.read(s2 + i, 1)[0]
        if x != y:
            return 1 if x > y else 2**64 - 1  # the sign only, as lib/string.c answers
        if x == 0:
            break
    return 0


@implements("bpf_map_lookup_percpu_elem")
def map_lookup_percpu_elem(ctx: ExecContext, m: int, key: int, cpu: int, _4: int, _5: int) -> int:
    """NULL for a CPU the runtime does not have, as for one the kernel does not."""
    target = map_arg(ctx, m, "bpf_map_lookup_percpu_elem")
    if not target.percpu or cpu >= target.ncpus:
        return 0
    return target.lookup(ctx.read(key, target.key_size), cpu)  # type: ignore[no-any-return]


def _copy_from_user(ctx: ExecContext, dst: int, size: int, src: int) -> int:
    """``copy_from_user``: the calling process's memory (the task that runs the program), or
    -EFAULT with dst zeroed. Program memory (stack, maps, context) is kernel memory to the
    kernel, so it is not user memory here either."""
    if not size & 0xFFFF_FFFF:  # copy_from_user copies nothing without asking access_ok
        return 0
    return _read_user(ctx, dst, size, src)


@implements("bpf_copy_from_user")
def copy_from_user(ctx: ExecContext, dst: int, size: int, src: int, _4: int, _5: int) -> int:
    """A sleepable program's read of user memory."""
    return _copy_from_user(ctx, dst, size, src)


@implements("bpf_copy_from_user_task")
def copy_from_user_task(ctx: ExecContext, dst: int, size: int, src: int, task: int, flags: int) -> int:
    """The same read in a task's memory (pybpf's tasks are all this process): -EINVAL for
    flags."""
    if flags:
        return -EINVAL
    return _copy_from_user(ctx, dst, size, src)


@implements("bpf_this_cpu_ptr")
def this_cpu_ptr(ctx: ExecContext, variable: int, *_: int) -> int:
    """The running CPU's copy of a per-CPU ``__ksym`` variable."""
    return variable + ctx.cpu * host(ctx).percpu_stride(variable)


@implements("bpf_per_cpu_ptr")
def per_cpu_ptr(ctx: ExecContext, variable: int, cpu: int, *_: int) -> int:
    """The variable's copy on ``cpu``, or NULL past the runtime's CPUs."""
    cpu &= 0xFFFF_FFFF
    return variable + cpu * host(ctx).percpu_stride(variable) if cpu < host(ctx).ncpus else 0
