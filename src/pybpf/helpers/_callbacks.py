"""Helpers that call back into the program: ``bpf_loop``, ``bpf_for_each_map_elem`` and
``bpf_user_ringbuf_drain``, and ``bpf_tail_call``, which replaces it.
"""

from __future__ import annotations

from ..engine import BpfRuntimeError, ExecContext, Region
from ..engine._context import MAX_TAIL_CALLS, TailCall
from ._dynptr import BPF_DYNPTR_TYPE_LOCAL, DYNPTR_SIZE, write_dynptr
from ._impl import implements, map_arg

EINVAL = 22
E2BIG = 7
ENOENT = 2
MAX_LOOPS = 1 << 23  #: bpf_loop's limit on nr_loops (BPF_MAX_LOOPS)


def _callback_entry(ctx: ExecContext, address: int, helper: str) -> int:
    entry = ctx.engine.function_at(address)
    if entry is None:
        raise BpfRuntimeError(f"{helper}: 0x{address:x} is not a subprogram of this program")
    return entry  # type: ignore[no-any-return]


@implements("bpf_loop")
def loop(ctx: ExecContext, nr_loops: int, callback: int, cb_ctx: int, flags: int, _5: int) -> int:
    if flags:
        return -EINVAL
    nr_loops &= 0xFFFF_FFFF
    if nr_loops > MAX_LOOPS:
        # With flags 0 the kernel's verifier inlines bpf_loop (inline_bpf_loop), whose
        # "r0 = -E2BIG" is a 32-bit move: programs see 0xfffffff9, not -7 in 64 bits. (The
        # kernel inlines only when it knows flags is 0, which is how programs pass it.)
        return -E2BIG & 0xFFFF_FFFF
    entry = _callback_entry(ctx, callback, "bpf_loop")
    for i in range(nr_loops):
        if ctx.engine.call_nested(ctx, entry, i, cb_ctx, 0, 0, 0):
            return i + 1
    return nr_loops


@implements("bpf_for_each_map_elem")
def for_each_map_elem(ctx: ExecContext, m: int, callback: int, cb_ctx: int, flags: int, _5: int) -> int:
    if flags:
        return -EINVAL
    target = map_arg(ctx, m, "bpf_for_each_map_elem")
    entry = _callback_entry(ctx, callback, "bpf_for_each_map_elem")
    # The callback gets a pointer to the key: the key lives in a region of its own, readable
    # by this run only while the callback runs.
    key_region = Region(target.key_size, "for_each key", writable=False)
    saved = ctx.private
    ctx.private = saved + (key_region,)
    count = 0
    try:
        for key, value in target.walk(ctx.cpu):
            key_region.buf[:] = key
            count += 1
            if ctx.engine.call_nested(ctx, entry, m, key_region.base, value, cb_ctx, 0):
                break
    finally:
        ctx.private = saved
    return count


@implements("bpf_user_ringbuf_drain")
def user_ringbuf_drain(ctx: ExecContext, m: int, callback: int, cb_ctx: int, flags: int, _5: int) -> int:
    ring = map_arg(ctx, m, "bpf_user_ringbuf_drain")
    entry = _callback_entry(ctx, callback, "bpf_user_ringbuf_drain")
    # Each sample goes to the callback as a local dynptr, in a region of its own, over a
    # window of the ring that holds that sample only.
    holder = Region(DYNPTR_SIZE, "user ringbuf dynptr")
    saved = ctx.private

    def visit(address: int, size: int) -> int:
        ctx.private = (*saved, holder, ring.sample_window(address, size))
        write_dynptr(ctx, holder.base, address, size, 0, BPF_DYNPTR_TYPE_LOCAL, False)
        try:
            return int(ctx.engine.call_nested(ctx, entry, holder.base, cb_ctx, 0, 0, 0))
        finally:
            ctx.private = saved

    return ring.drain(flags, visit)  # type: ignore[no-any-return]


@implements("bpf_tail_call")
def tail_call(ctx: ExecContext, prog_ctx: int, m: int, index: int, _4: int, _5: int) -> int:
    target = map_arg(ctx, m, "bpf_tail_call")
    program = target.lookup_program(index & 0xFFFF_FFFF)
    if program is None or ctx.tail_calls >= MAX_TAIL_CALLS:
        return -ENOENT  # the kernel falls through to the next instruction
    ctx.tail_calls += 1
    raise TailCall(program.engine, prog_ctx)
