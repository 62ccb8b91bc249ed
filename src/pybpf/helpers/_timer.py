"""The ``bpf_timer`` helpers: thin calls into the runtime's timer table, which holds the state
machine (``pybpf.timers``)."""

from __future__ import annotations

from ..engine import ExecContext
from ._impl import host, implements, map_arg


@implements("bpf_timer_init")
def timer_init(ctx: ExecContext, timer: int, m: int, flags: int, _4: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_timer_init")
    return host(ctx).timers.init(ctx, timer, target, flags)  # type: ignore[no-any-return]


@implements("bpf_timer_set_callback")
def timer_set_callback(ctx: ExecContext, timer: int, callback: int, _3: int, _4: int, _5: int) -> int:
    return host(ctx).timers.set_callback(ctx, timer, callback)  # type: ignore[no-any-return]


@implements("bpf_timer_start")
def timer_start(ctx: ExecContext, timer: int, nsecs: int, flags: int, _4: int, _5: int) -> int:
    return host(ctx).timers.start(ctx, timer, nsecs, flags)  # type: ignore[no-any-return]


@implements("bpf_timer_cancel")
def timer_cancel(ctx: ExecContext, timer: int, _2: int, _3: int, _4: int, _5: int) -> int:
    return host(ctx).timers.cancel(ctx, timer)  # type: ignore[no-any-return]
