"""Map helpers: lookup, update, delete, and the queue/stack operations."""

from __future__ import annotations

from ..engine import ExecContext
from ..engine._mapgen import NativeOp
from ..engine._native import mark_native, remember_map
from ._impl import implements, map_arg

ENOENT = 2
EOPNOTSUPP = 95


# Compiled code runs these three natively on native maps (pybpf.engine._mapgen), and calls
# them when it cannot; once one has found a map, compiled code reaches that map natively.


@mark_native(NativeOp.LOOKUP)
@implements("bpf_map_lookup_elem")
def map_lookup_elem(ctx: ExecContext, m: int, key: int, _3: int, _4: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_map_lookup_elem")
    remember_map(ctx.engine, ctx.visible, target)
    return target.lookup(ctx.read(key, target.key_size), ctx.cpu)  # type: ignore[no-any-return]


@mark_native(NativeOp.UPDATE)
@implements("bpf_map_update_elem")
def map_update_elem(ctx: ExecContext, m: int, key: int, value: int, flags: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_map_update_elem")
    remember_map(ctx.engine, ctx.visible, target)
    k, v = ctx.read(key, target.key_size), ctx.read(value, target.value_size)
    return target.update(k, v, flags, ctx.cpu)  # type: ignore[no-any-return]


@mark_native(NativeOp.DELETE)
@implements("bpf_map_delete_elem")
def map_delete_elem(ctx: ExecContext, m: int, key: int, _3: int, _4: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_map_delete_elem")
    remember_map(ctx.engine, ctx.visible, target)
    return target.delete(ctx.read(key, target.key_size))  # type: ignore[no-any-return]


@implements("bpf_map_push_elem")
def map_push_elem(ctx: ExecContext, m: int, value: int, flags: int, _4: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_map_push_elem")
    return target.push(ctx.read(value, target.value_size), flags)  # type: ignore[no-any-return]


def _take(ctx: ExecContext, m: int, value: int, name: str, remove: bool) -> int:
    target = map_arg(ctx, m, name)
    if hasattr(target, "contains"):  # a bloom filter tests the value it is given
        return -EOPNOTSUPP if remove else target.contains(ctx.read(value, target.value_size))
    got = target.pop(ctx.cpu) if remove else target.peek(ctx.cpu)
    if isinstance(got, int):
        if got == -ENOENT:  # empty: the kernel zeroes the caller's buffer (__queue_map_get)
            ctx.write(value, bytes(target.value_size))
        return got  # a negative errno
    ctx.write(value, got)
    return 0


@implements("bpf_map_pop_elem")
def map_pop_elem(ctx: ExecContext, m: int, value: int, _3: int, _4: int, _5: int) -> int:
    return _take(ctx, m, value, "bpf_map_pop_elem", remove=True)


@implements("bpf_map_peek_elem")
def map_peek_elem(ctx: ExecContext, m: int, value: int, _3: int, _4: int, _5: int) -> int:
    return _take(ctx, m, value, "bpf_map_peek_elem", remove=False)
