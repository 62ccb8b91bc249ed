"""The ``bpf_timer`` helpers and the kfuncs of the timer family (``bpf_wq_*``,
``bpf_timer_cancel_async``): thin calls into the runtime's timer table, which holds the state
machine and knows the release's rules (``pybpf.timers``)."""

from __future__ import annotations

from typing import Any

from ..engine import ExecContext
from ..engine._mapgen import NativeOp
from ..engine._native import mark_native
from ._impl import host, implements, map_arg, no_lock_held
from ._kfunc_impl import implements_kfunc

EINVAL = 22


def _timers(ctx: ExecContext, helper: str) -> Any:
    """The timer table, for a run that holds no spin lock (the table's lock comes first in the
    lock order, so it may not be taken under one)."""
    no_lock_held(ctx, helper)
    return host(ctx).timers


# Compiled code calls the four natively while a timer desk is bound to its run (see
# pybpf.timers._desk); each call that reaches Python offers the run the desk afterwards.


@mark_native(NativeOp.TIMER_INIT)
@implements("bpf_timer_init")
def timer_init(ctx: ExecContext, timer: int, m: int, flags: int, _4: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_timer_init")
    table = _timers(ctx, "bpf_timer_init")
    rc: int = table.init(ctx, timer, target, flags)
    table.offer_desk(ctx)
    return rc


@mark_native(NativeOp.TIMER_SET_CALLBACK)
@implements("bpf_timer_set_callback")
def timer_set_callback(ctx: ExecContext, timer: int, callback: int, _3: int, _4: int, _5: int) -> int:
    table = _timers(ctx, "bpf_timer_set_callback")
    rc: int = table.set_callback(ctx, timer, callback)
    table.offer_desk(ctx)
    return rc


@mark_native(NativeOp.TIMER_START)  # a callback re-arming its own timer (pybpf.timers._native), or the desk
@implements("bpf_timer_start")
def timer_start(ctx: ExecContext, timer: int, nsecs: int, flags: int, _4: int, _5: int) -> int:
    table = _timers(ctx, "bpf_timer_start")
    rc: int = table.start(ctx, timer, nsecs, flags)
    table.offer_desk(ctx)
    return rc


@mark_native(NativeOp.TIMER_CANCEL)
@implements("bpf_timer_cancel")
def timer_cancel(ctx: ExecContext, timer: int, _2: int, _3: int, _4: int, _5: int) -> int:
    table = _timers(ctx, "bpf_timer_cancel")
    rc: int = table.cancel(ctx, timer)
    table.offer_desk(ctx)
    return rc


@implements_kfunc("bpf_timer_cancel_async")
def timer_cancel_async(ctx: ExecContext, timer: int, _2: int, _3: int, _4: int, _5: int) -> int:
    return _timers(ctx, "bpf_timer_cancel_async").cancel_async(ctx, timer)  # type: ignore[no-any-return]


@implements_kfunc("bpf_wq_init")
def wq_init(ctx: ExecContext, wq: int, m: int, flags: int, _4: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_wq_init")
    return _timers(ctx, "bpf_wq_init").wq_init(ctx, wq, target, flags & 0xFFFF_FFFF)  # type: ignore[no-any-return]


@implements_kfunc("bpf_wq_set_callback_impl", "bpf_wq_set_callback")
def wq_set_callback(ctx: ExecContext, wq: int, callback: int, flags: int, _aux: int, _5: int) -> int:
    """Both names: the 7.0 one has no ``aux`` argument, which the verifier supplies anyway."""
    if flags & 0xFFFF_FFFF:
        return -EINVAL
    return _timers(ctx, "bpf_wq_set_callback").set_callback(ctx, wq, callback, "wq")  # type: ignore[no-any-return]


@implements_kfunc("bpf_wq_start")
def wq_start(ctx: ExecContext, wq: int, flags: int, _3: int, _4: int, _5: int) -> int:
    return _timers(ctx, "bpf_wq_start").wq_start(ctx, wq, flags & 0xFFFF_FFFF)  # type: ignore[no-any-return]
