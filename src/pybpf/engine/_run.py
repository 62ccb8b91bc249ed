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

from ..isa import Instruction
from ._budget import DEFAULT_MAX_INSTRUCTIONS, check_budget
from ._context import (
    MAY_GOTO_BUDGET,
    STACK_SIZE,
    ContextPool,
    ExecContext,
    PacketAbort,
    TailCall,
    Thrown,
    forget_windows,
)
from ._engine import EngineOptions, HelperFn
from ._errors import BpfRuntimeError
from ._memory import EVERYTHING, AddressSpace, Region, Visibility

__all__ = [
    "POISONED_RELOCATION",
    "Function",
    "FunctionEngine",
    "ProgramEngine",
    "call_nested",
    "unknown_helper",
    "unknown_kfunc",
    "unsupported",
]

#: A compiled subprogram: ``fn(ctx, r1, r2, r3, r4, r5, r10) -> r0``.
Function = Callable[..., int]


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


class FunctionEngine:
    """What every engine offers once its subprograms are functions: running them, nesting
    callbacks, tail calls into them, subprogram addresses. Subclasses set the attributes.

    Attributes:
        functions: the compiled subprograms by entry PC.
        code: the region whose addresses stand for subprograms (``lddw`` of a function
            yields ``code.base + 8 * pc``); never registered, so programs cannot touch it.
        visible: which shared regions runs of this program may address.
        max_instructions: the budget of one run, counted across subprogram calls.
        owner: what the engine runs for (the runtime's program), given back on faults as
            ``BpfRuntimeError.engine.owner``; opaque to the engine.
    """

    functions: dict[int, Function]
    code: Region
    visible: Visibility
    max_instructions: int
    owner: object
    _pool: ContextPool
    _counts: threading.local

    def function_at(self, address: int) -> int | None:
        """The entry PC whose address a ``lddw`` of a subprogram yields, or None."""
        pc, rem = divmod(address - self.code.base, 8)
        return pc if not rem and pc in self.functions else None

    def run(
        self,
        r1: int = 0,
        r2: int = 0,
        r3: int = 0,
        r4: int = 0,
        r5: int = 0,
        *,
        entry: int = 0,
        regions: Sequence[Region] = (),
        packet: Region | None = None,
        packet_head: int = 0,
        cpu: int = 0,
        runtime: Any = None,
        program: Any = None,
        window: Region | None = None,
    ) -> int:
        """Run from the subprogram at ``entry`` with a fresh, zeroed stack and return r0.

        ``regions`` are private to this run (context, packet); ``packet`` is the frame legacy
        packet loads read, from its MAC header, and ``packet_head`` the bytes of it before the
        program's packet start (14 where that is the network header). A legacy packet load
        past the packet ends the run with 0, as in the kernel. ``window``, a shared window the
        run will likely use first (as the lookup of its address would give it now), spares
        that lookup if the program may see it.

        Raises:
            BpfRuntimeError: the run faulted (see its subclasses); ``entry`` is not a subprogram.
        """
        fn = self.functions.get(entry)
        if fn is None:
            raise BpfRuntimeError(f"no subprogram starts at PC {entry}")
        # The hot path of every run: plain attribute stores, no calls but the program's.
        pool = self._pool
        ctx = pool.acquire()
        ctx.private, ctx.packet, ctx.packet_head, ctx.cpu = tuple(regions), packet, packet_head, cpu
        ctx.runtime, ctx.program, ctx.engine, ctx.visible = runtime, program, self, self.visible
        ctx.n, ctx.limit = 0, self.max_instructions
        ctx.may_goto_left = MAY_GOTO_BUDGET
        if window is not None and self.visible.allows(window.owner):
            ctx.recent[0] = ctx.first_window = window
        try:
            while True:
                try:
                    r0: int = fn(ctx, r1, r2, r3, r4, r5, ctx.top)
                    if ctx.held:  # released by the pool; the kernel's verifier refuses this
                        raise BpfRuntimeError("program exited holding a bpf_spin_lock")
                    return r0
                except TailCall as jump:
                    ctx.engine, ctx.visible = jump.engine, jump.engine.visible
                    forget_windows(ctx)  # the new program may see other maps
                    fn, r1, r2, r3, r4, r5 = jump.engine.entry_function(), jump.r1, 0, 0, 0, 0
        except PacketAbort:
            return 0
        except Thrown as thrown:
            return thrown.cookie
        except BpfRuntimeError as err:
            if err.engine is None:  # the innermost run knows which code faulted
                err.engine = ctx.engine
            raise
        finally:
            executed = self._counts.last = ctx.n
            pool.release(ctx)
            self._ran(executed)

    def _ran(self, executed: int) -> None:
        """Called after each run with its instruction count (``auto`` counts them)."""

    def entry_function(self) -> Function:
        """The main program (PC 0), for a tail call into this program."""
        return self.functions[0]

    def call_nested(self, ctx: ExecContext, entry: int, *args: int) -> int:
        """Call the subprogram at ``entry`` from a helper, in a new frame of the same run.

        This is how bpf_loop and bpf_for_each_map_elem run their callbacks: the callback may
        use the caller's stack through pointers, and counts towards the frame limit.

        Raises:
            BpfRuntimeError: ``entry`` is not a subprogram, or the frames are exhausted.
        """
        return call_nested(self.functions, ctx, entry, args)

    @property
    def last_instruction_count(self) -> int:
        """How many instructions the last run on this thread executed (0 before any run).

        Counted per basic block, so a run that faults is charged its whole faulting block.
        """
        count: int = getattr(self._counts, "last", 0)
        return count


POISONED_RELOCATION = 0xBAD2310  #: the helper id libbpf (and pybpf) writes over an unresolved CO-RE relocation


class ProgramEngine(FunctionEngine):
    """A single-tier engine built from one program (the interpreter, the JIT): it holds the
    program, its helper tables and its address space, taken from :class:`EngineOptions`.

    Attributes:
        insns: the program.
        helpers: helper implementations by id.
        kfuncs: kfunc implementations by the immediate of their calls.
        space: the shared regions runs may address (as :attr:`visible` allows).
        name: the program's name, for messages.
    """

    insns: tuple[Instruction, ...]
    helpers: dict[int, HelperFn]
    kfuncs: dict[int, HelperFn]
    space: AddressSpace
    name: str

    def _configure(self, insns: Sequence[Instruction], options: EngineOptions) -> None:
        """Take the program and the options, filling in their defaults.

        Raises:
            TypeError: an option :class:`EngineOptions` does not name, or a budget that is not
                an int.
            ValueError: a budget below 1.
        """
        unknown = options.keys() - EngineOptions.__optional_keys__
        if unknown:
            raise TypeError(f"unexpected engine option '{min(unknown)}'")
        self.owner = options.get("owner")
        self.insns = tuple(insns)
        self.helpers = dict(options.get("helpers") or {})
        self.kfuncs = dict(options.get("kfuncs") or {})
        space = options.get("space")
        self.space = space if space is not None else AddressSpace()
        self.visible = options.get("visible", EVERYTHING)
        self.max_instructions = check_budget(options.get("max_instructions", DEFAULT_MAX_INSTRUCTIONS))
        self.name = options.get("name", "prog")
        self._pool = ContextPool(self.space)
        self._counts = threading.local()


def unknown_helper(helper_id: int, pc: int) -> None:
    """Raise the error of a call (direct or ``callx``) of a helper the table does not hold:
    the call of a poisoned CO-RE relocation says so, since no helper is missing there."""
    if helper_id == POISONED_RELOCATION:
        raise BpfRuntimeError(f"CO-RE relocation poisoned (unresolved on the target BTF) at PC {pc}", pc=pc)
    raise BpfRuntimeError(f"unknown helper {helper_id} at PC {pc}", pc=pc)


def unknown_kfunc(kfunc_id: int, pc: int) -> None:
    """Raise the error of a call of a kfunc the table does not hold."""
    unsupported(f"call of kfunc {kfunc_id}", pc)


def unsupported(what: str, pc: int) -> None:
    """Raise the error of something the engines do not implement, reached at ``pc``."""
    raise BpfRuntimeError(f"{what} is not supported at PC {pc}", pc=pc)
