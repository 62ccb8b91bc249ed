"""The ``bpf_timer`` helpers: thin calls into the runtime's timer table, which holds the state
machine (``pybpf.timers``)."""

from __future__ import annotations

from typing import Any

from ..engine import ExecContext
from ._impl import host, implements, map_arg, no_lock_held


def _timers(ctx: ExecContext, helper: str) -> Any:
    """The timer table, for a run that holds no spin lock (the table's lock comes first in the
    lock order, so it may not be taken under one)."""
    no_lock_held(ctx, helper)
    return host(ctx).timers


@implements("bpf_timer_init")
def timer_init(ctx: ExecContext, timer: int, m: int, flags: int, _4: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_timer_init")
    return _timers(ctx, "bpf_timer_init").init(ctx, timer, target, flags)  # type: ignore[no-any-return]


@implements("bpf_timer_set_callback")
def timer_set_callback(ctx: ExecContext, timer: int, callback: int, _3: int, _4: int, _5: int) -> int:
    return _timers(ctx, "bpf_timer_set_callback").set_callback(ctx, timer, callback)  # type: ignore[no-any-return]


@implements("bpf_timer_start")
def timer_start(ctx: ExecContext, timer: int, nsecs: int, flags: int, _4: int, _5: int) -> int:
    return _timers(ctx, "bpf_timer_start").start(ctx, timer, nsecs, flags)  # type: ignore[no-any-return]


@implements("bpf_timer_cancel")
def timer_cancel(ctx: ExecContext, timer: int, _2: int, _3: int, _4: int, _5: int) -> int:
    return _timers(ctx, "bpf_timer_cancel").cancel(ctx, timer)  # type: ignore[no-any-return]
