"""Time helpers: every clock reads the runtime's clock, so a virtual clock rules them all."""

from __future__ import annotations

from ..engine import ExecContext
from ..engine._mapgen import NativeOp
from ..engine._native import mark_native
from ._host import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_TAI
from ._impl import host, implements


@mark_native(NativeOp.KTIME)  # the native timer lane's clock, in its callbacks
@implements("bpf_ktime_get_ns")
def ktime_get_ns(ctx: ExecContext, *_: int) -> int:
    return host(ctx).now_ns(CLOCK_MONOTONIC)


@mark_native(NativeOp.KTIME)  # the native timer lane's clock, in its callbacks
@implements("bpf_ktime_get_coarse_ns")
def ktime_get_coarse_ns(ctx: ExecContext, *_: int) -> int:
    return host(ctx).now_ns(CLOCK_MONOTONIC)


@mark_native(NativeOp.KTIME)  # the native timer lane's clock, in its callbacks
@implements("bpf_ktime_get_boot_ns")
def ktime_get_boot_ns(ctx: ExecContext, *_: int) -> int:
    return host(ctx).now_ns(CLOCK_BOOTTIME)


@implements("bpf_ktime_get_tai_ns")
def ktime_get_tai_ns(ctx: ExecContext, *_: int) -> int:
    return host(ctx).now_ns(CLOCK_TAI)
