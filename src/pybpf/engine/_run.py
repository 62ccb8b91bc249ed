"""What every engine does around its compiled functions: set up a run's context, follow tail
calls, end the run on a legacy packet fault, and nest callbacks called from helpers.

Engines compile each subprogram into a *function* with one calling convention,
``fn(ctx, r1, r2, r3, r4, r5, r10) -> r0``, reading and updating the instruction count in
``ctx.n``. Because the interpreter's and the JIT's functions look the same from here, a tail
call may go from one engine to the other, and ``engine="auto"`` may switch a program from the
interpreter to compiled code between two runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from ._context import STACK_SIZE, ContextPool, ExecContext, PacketAbort, TailCall, forget_windows
from ._errors import BpfRuntimeError
from ._memory import Region, Visibility

__all__ = ["Function", "call_nested", "run_function", "unknown_helper"]

#: A compiled subprogram: ``fn(ctx, r1, r2, r3, r4, r5, r10) -> r0``.
Function = Callable[..., int]


def run_function(
    engine: Any,
    fn: Function,
    pool: ContextPool,
    counts: threading.local,
    args: tuple[int, int, int, int, int],
    *,
    max_instructions: int,
    visible: Visibility,
    regions: Sequence[Region],
    packet: Region | None,
    cpu: int,
    runtime: Any,
    program: Any,
) -> int:
    """Run ``fn`` of ``engine`` in a fresh context; see :meth:`Interpreter.run`."""
    ctx = pool.acquire()
    ctx.private, ctx.packet, ctx.cpu = tuple(regions), packet, cpu
    ctx.runtime, ctx.program, ctx.engine, ctx.visible = runtime, program, engine, visible
    ctx.n, ctx.limit = 0, max_instructions
    r1, r2, r3, r4, r5 = args
    try:
        while True:
            try:
                r0 = fn(ctx, r1, r2, r3, r4, r5, ctx.top)
                if ctx.held:  # released by the pool; the kernel's verifier refuses this
                    raise BpfRuntimeError("program exited holding a bpf_spin_lock")
                return r0
            except TailCall as jump:
                ctx.engine, ctx.visible = jump.engine, jump.engine.visible
                forget_windows(ctx)  # the new program may see other maps
                fn, r1, r2, r3, r4, r5 = jump.engine.entry_function(), jump.r1, 0, 0, 0, 0
    except PacketAbort:
        return 0
    finally:
        counts.last = ctx.n
        pool.release(ctx)


def call_nested(functions: dict[int, Function], ctx: ExecContext, entry: int, args: tuple[int, ...]) -> int:
    """Call the subprogram at ``entry`` in a new frame below the helper's caller; see
    :meth:`Interpreter.call_nested`."""
    fn = functions.get(entry)
    if fn is None:
        raise BpfRuntimeError(f"no subprogram starts at PC {entry}")
    fp = ctx.fp
    if fp < ctx.min_caller_fp:
        ctx.too_deep(entry)
    try:
        return fn(ctx, *args, fp - STACK_SIZE)
    finally:
        ctx.fp = fp


def unknown_helper(helper_id: int, pc: int) -> None:
    """Raise the error of a call (direct or ``callx``) of a helper the table does not hold."""
    raise BpfRuntimeError(f"unknown helper {helper_id} at PC {pc}", pc=pc)
