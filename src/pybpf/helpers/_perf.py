"""Perf output and stack ids: samples into a perf event array, call chains into a stack map."""

from __future__ import annotations

from ..engine import ExecContext
from ._impl import implements, map_arg

EINVAL = 22
BPF_F_CTXLEN_MASK = 0xFFFFF << 32  #: skb/xdp programs: packet bytes to append to the sample
SKB_DATA, SKB_DATA_END = 76, 80


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
        raw = ctx.read(context, 84)
        start = int.from_bytes(raw[SKB_DATA : SKB_DATA + 4], "little")
        end = int.from_bytes(raw[SKB_DATA_END : SKB_DATA_END + 4], "little")
        if packet_bytes > end - start:
            return -14  # EFAULT: the packet is shorter
        sample += ctx.read(start, packet_bytes)
    return events.output(flags & ~BPF_F_CTXLEN_MASK, ctx.cpu, sample)  # type: ignore[no-any-return]


@implements("bpf_get_stackid")
def get_stackid(ctx: ExecContext, context: int, m: int, flags: int, _4: int, _5: int) -> int:
    """The id of the program's call chain: the frame pointers of its active frames, innermost
    first (the same chain for the same path, as a kernel stack is)."""
    stacks = map_arg(ctx, m, "bpf_get_stackid")
    if not hasattr(stacks, "store"):
        return -EINVAL
    program = ctx.program
    base = getattr(program, "engine", None)
    code = getattr(base, "_code", None)
    origin = code.base if code is not None else 0
    frames = tuple(range(ctx.fp, ctx.top + 1, 512))
    ips = tuple(origin + (frame - ctx.fp) for frame in frames)
    return stacks.store(ips, flags)  # type: ignore[no-any-return]
