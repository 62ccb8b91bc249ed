"""Helpers of fentry/fexit programs about the traced function: its address, arguments, return
value; and socket cookies."""

from __future__ import annotations

import zlib

from ..engine import ExecContext
from ._impl import host, implements

EINVAL = 22
EOPNOTSUPP = 95
#: where pybpf places the functions its hooks stand for (the kernel text's usual start)
KERNEL_TEXT = 0xFFFF_FFFF_8100_0000


@implements("bpf_get_func_ip")
def get_func_ip(ctx: ExecContext, *_: int) -> int:
    """A stable address per hook name, inside the kernel text range."""
    program = ctx.program
    hook = getattr(program, "hook", "") if program is not None else ""
    return KERNEL_TEXT + (zlib.crc32(hook.encode()) & 0xFF_FFF0)


def _arg_count(ctx: ExecContext, context: int) -> int:
    return int.from_bytes(ctx.read(context - 8, 8), "little")


@implements("bpf_get_func_arg_cnt")
def get_func_arg_cnt(ctx: ExecContext, context: int, *_: int) -> int:
    return _arg_count(ctx, context)


@implements("bpf_get_func_arg")
def get_func_arg(ctx: ExecContext, context: int, n: int, value: int, _4: int, _5: int) -> int:
    n &= 0xFFFF_FFFF
    if n >= _arg_count(ctx, context):
        ctx.write(value, bytes(8))
        return -EINVAL
    ctx.write(value, ctx.read(context + 8 * n, 8))
    return 0


@implements("bpf_get_func_ret")
def get_func_ret(ctx: ExecContext, context: int, value: int, *_: int) -> int:
    """The value after the arguments: there only for exit hooks."""
    program = ctx.program
    if program is None or not getattr(program, "is_exit_hook", False):
        return -EOPNOTSUPP
    ctx.write(value, ctx.read(context + 8 * _arg_count(ctx, context), 8))
    return 0


@implements("bpf_get_socket_cookie")
def get_socket_cookie(ctx: ExecContext, socket: int, *_: int) -> int:
    """0 for no socket; else the socket's number in order of first sight, from 1."""
    return host(ctx).socket_cookie(socket) if socket else 0
