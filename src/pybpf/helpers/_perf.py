"""Perf output and stack ids: samples into a perf event array, call chains into a stack map."""

from __future__ import annotations

from ..engine import BpfRuntimeError, ExecContext
from ._impl import host, implements, map_arg
from ._packet import packet_bounds

EINVAL = 22
BPF_F_SKIP_FIELD_MASK = 0xFF
BPF_F_USER_STACK = 1 << 8
BPF_F_USER_BUILD_ID = 1 << 11
BPF_F_CTXLEN_MASK = 0xFFFFF << 32  #: skb/xdp programs: packet bytes to append to the sample
EFAULT = 14


@implements("bpf_perf_event_output")
def perf_event_output(ctx: ExecContext, context: int, m: int, flags: int, data: int, size: int) -> int:
    """Append ``size`` bytes (and, for packet programs, the first ``flags >> 32`` bytes of the
    packet) to the sample ring the flags name."""
    events = map_arg(ctx, m, "bpf_perf_event_output")
    if not hasattr(events, "output"):
        return -EINVAL
    sample = ctx.read(data, size) if size else b""
    packet_bytes = (flags & BPF_F_CTXLEN_MASK) >> 32
    if packet_bytes:
        start, end = packet_bounds(ctx, context)
        if packet_bytes > end - start:
            return -EFAULT  # the packet is shorter
        sample += ctx.read(start, packet_bytes)
    return events.output(flags & ~BPF_F_CTXLEN_MASK, ctx.cpu, sample)  # type: ignore[no-any-return]


def _call_chain(ctx: ExecContext) -> tuple[int, ...]:
    """The program's call chain as a stack of addresses, innermost first: one per active frame,
    placed in the program's code (the same chain for the same path, as a kernel stack is)."""
    code = getattr(getattr(ctx.program, "engine", None), "code", None)
    origin = code.base if code is not None else 0
    return tuple(origin + (frame - ctx.fp) for frame in range(ctx.fp, ctx.top + 1, 512))


@implements("bpf_get_stackid")
def get_stackid(ctx: ExecContext, context: int, m: int, flags: int, _4: int, _5: int) -> int:
    """The id of the program's call chain in a stack trace map."""
    stacks = map_arg(ctx, m, "bpf_get_stackid")
    if not hasattr(stacks, "store"):
        return -EINVAL
    return stacks.store(_call_chain(ctx), flags)  # type: ignore[no-any-return]


def _copy_stack(ctx: ExecContext, buf: int, size: int, flags: int) -> int:
    """``bpf_get_stack``: as many addresses as fit, the rest of buf zeroed; the bytes copied."""
    size &= 0xFFFF_FFFF
    if flags & ~(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_USER_BUILD_ID) or size % 8 or flags & BPF_F_USER_BUILD_ID:
        if size:
            ctx.write(buf, bytes(size))
        return -EINVAL
    ips = _call_chain(ctx)[flags & BPF_F_SKIP_FIELD_MASK :][: size // 8]
    data = b"".join(ip.to_bytes(8, "little") for ip in ips)
    ctx.write(buf, data.ljust(size, b"\0"))
    return len(data)


@implements("bpf_get_stack")
def get_stack(ctx: ExecContext, context: int, buf: int, size: int, flags: int, _5: int) -> int:
    return _copy_stack(ctx, buf, size, flags)


@implements("bpf_get_task_stack")
def get_task_stack(ctx: ExecContext, task: int, buf: int, size: int, flags: int, _5: int) -> int:
    """The current task's stack is the program's; any other task has none (0 bytes)."""
    if task == host(ctx).task_address():
        return _copy_stack(ctx, buf, size, flags)
    size &= 0xFFFF_FFFF
    if size:
        ctx.write(buf, bytes(size))
    return 0


@implements("bpf_get_attach_cookie")
def get_attach_cookie(ctx: ExecContext, *_: int) -> int:
    return 0


BPF_F_INDEX_MASK = 0xFFFF_FFFF  #: perf_event_read's flags: the slot, or BPF_F_CURRENT_CPU
BPF_F_CURRENT_CPU = BPF_F_INDEX_MASK
E2BIG, ENOENT = 7, 2
PERF_EVENT_VALUE_SIZE = 24  #: sizeof(struct bpf_perf_event_value)


def _read_counter(ctx: ExecContext, m: int, flags: int, helper: str) -> int:
    """The kernel's checks before reading a perf event array slot's counter: 0 when a slot
    holds an event. Its counter pybpf cannot read: a run that gets that far fails."""
    events = map_arg(ctx, m, helper)
    if flags & ~BPF_F_INDEX_MASK:
        return -EINVAL
    index = ctx.cpu if flags == BPF_F_CURRENT_CPU else flags
    if index >= events.max_entries:
        return -E2BIG
    if not hasattr(events, "stored") or events.stored(index) is None:
        return -ENOENT
    raise BpfRuntimeError(f"{helper}: pybpf's perf event array slots hold output rings, not counters it can read")


@implements("bpf_perf_event_read")
def perf_event_read(ctx: ExecContext, m: int, flags: int, *_: int) -> int:
    return _read_counter(ctx, m, flags, "bpf_perf_event_read")


@implements("bpf_perf_event_read_value")
def perf_event_read_value(ctx: ExecContext, m: int, flags: int, buf: int, size: int, _5: int) -> int:
    """As bpf_perf_event_read, into a ``struct bpf_perf_event_value`` (zeroed on failure)."""
    size &= 0xFFFF_FFFF
    rc = -EINVAL if size != PERF_EVENT_VALUE_SIZE else _read_counter(ctx, m, flags, "bpf_perf_event_read_value")
    ctx.write(buf, bytes(size))
    return rc
