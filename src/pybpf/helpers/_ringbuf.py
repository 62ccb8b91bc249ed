"""Ring buffer helpers: records are reserved in the map's data region, written in place by the
program, then submitted or discarded.

A reserved record is handed to the run that reserved it as a private window (its data, never
its header), and taken back when the run submits or discards it; a record the run leaves
reserved (only unverified code can) is discarded when the run ends, so it never blocks the ring.
"""

from __future__ import annotations

import functools

from ..engine import BpfRuntimeError, ExecContext
from ..engine._context import forget_windows
from ._dynptr import DYNPTR_MAX_SIZE, read_dynptr, write_dynptr
from ._impl import host, implements, map_arg


@implements("bpf_ringbuf_output")
def ringbuf_output(ctx: ExecContext, m: int, data: int, size: int, flags: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_ringbuf_output")
    return target.output(ctx.read(data, size), flags)  # type: ignore[no-any-return]


@implements("bpf_ringbuf_reserve")
def ringbuf_reserve(ctx: ExecContext, m: int, size: int, flags: int, _4: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_ringbuf_reserve")
    address: int = target.reserve(size, flags)
    if address:
        window = target.record(address)
        ctx.private += (window,)
        ctx.finalizers[window] = functools.partial(target.submit, address, True)
    return address


def _ringbuf_of(ctx: ExecContext, record: int, helper: str):  # type: ignore[no-untyped-def]
    """The ring buffer of a record this run reserved, which the run gives back now."""
    ring = map_arg(ctx, host(ctx).ringbuf_of(record), helper)
    mine = [r for r in ctx.private if r.base == record and r.owner is ring]
    if not mine:
        raise BpfRuntimeError(f"{helper}: 0x{record:x} is not a record this run reserved")
    ctx.private = tuple(r for r in ctx.private if r not in mine)
    ctx.finalizers.pop(mine[0], None)
    forget_windows(ctx)
    return ring


@implements("bpf_ringbuf_submit")
def ringbuf_submit(ctx: ExecContext, record: int, flags: int, _3: int, _4: int, _5: int) -> int:
    _ringbuf_of(ctx, record, "bpf_ringbuf_submit").submit(record, discard=False)
    return 0


@implements("bpf_ringbuf_discard")
def ringbuf_discard(ctx: ExecContext, record: int, flags: int, _3: int, _4: int, _5: int) -> int:
    _ringbuf_of(ctx, record, "bpf_ringbuf_discard").submit(record, discard=True)
    return 0


@implements("bpf_ringbuf_query")
def ringbuf_query(ctx: ExecContext, m: int, flags: int, _3: int, _4: int, _5: int) -> int:
    return map_arg(ctx, m, "bpf_ringbuf_query").query(flags)  # type: ignore[no-any-return]


BPF_DYNPTR_TYPE_RINGBUF = 2
EINVAL, E2BIG = 22, 7


@implements("bpf_ringbuf_reserve_dynptr")
def ringbuf_reserve_dynptr(ctx: ExecContext, m: int, size: int, flags: int, ptr: int, _5: int) -> int:
    """A record as a ring buffer dynptr, as ``bpf_ringbuf_reserve_dynptr``: on any failure the
    dynptr is made NULL, -EINVAL for flags or a full ring, -E2BIG past a dynptr's largest size."""
    map_arg(ctx, m, "bpf_ringbuf_reserve_dynptr")
    size &= 0xFFFF_FFFF
    error = -EINVAL if flags else -E2BIG if size > DYNPTR_MAX_SIZE else 0
    address = 0 if error else ringbuf_reserve(ctx, m, size, 0, 0, 0)
    write_dynptr(ctx, ptr, address, size, 0, BPF_DYNPTR_TYPE_RINGBUF, False)
    return error or (0 if address else -EINVAL)


def _submit_dynptr(ctx: ExecContext, ptr: int, discard: bool, helper: str) -> int:
    """Commit the record behind a ring buffer dynptr (nothing for a NULL one) and make it NULL."""
    record = read_dynptr(ctx, ptr)[0]
    if record:
        _ringbuf_of(ctx, record, helper).submit(record, discard=discard)
        write_dynptr(ctx, ptr, 0, 0, 0, 0, False)
    return 0


@implements("bpf_ringbuf_submit_dynptr")
def ringbuf_submit_dynptr(ctx: ExecContext, ptr: int, flags: int, *_: int) -> int:
    return _submit_dynptr(ctx, ptr, False, "bpf_ringbuf_submit_dynptr")


@implements("bpf_ringbuf_discard_dynptr")
def ringbuf_discard_dynptr(ctx: ExecContext, ptr: int, flags: int, *_: int) -> int:
    return _submit_dynptr(ctx, ptr, True, "bpf_ringbuf_discard_dynptr")
