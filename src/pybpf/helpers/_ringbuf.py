"""Ring buffer helpers: records are reserved in the map's data region, written in place by the
program, then submitted or discarded."""

from __future__ import annotations

from ..engine import ExecContext
from ._impl import host, implements, map_arg


@implements("bpf_ringbuf_output")
def ringbuf_output(ctx: ExecContext, m: int, data: int, size: int, flags: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_ringbuf_output")
    return target.output(ctx.read(data, size), flags)  # type: ignore[no-any-return]


@implements("bpf_ringbuf_reserve")
def ringbuf_reserve(ctx: ExecContext, m: int, size: int, flags: int, _4: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_ringbuf_reserve")
    return target.reserve(size, flags)  # type: ignore[no-any-return]


def _ringbuf_of(ctx: ExecContext, record: int, helper: str):  # type: ignore[no-untyped-def]
    return map_arg(ctx, host(ctx).ringbuf_of(record), helper)


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
