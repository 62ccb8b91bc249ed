"""The reference engine: the program translated to Python source once, then run by CPython."""

from __future__ import annotations

import operator
import threading
from collections.abc import Sequence
from typing import Any, final

from ..isa import Instruction, encode, subprogram_entries, validate
from ._alu import RUNTIME_FUNCTIONS
from ._budget import DEFAULT_MAX_INSTRUCTIONS, check_budget
from ._codegen import generate
from ._context import (
    MAY_GOTO_BUDGET,
    STACK_SIZE,
    ContextPool,
    ExecContext,
    PacketAbort,
    TailCall,
    forget_windows,
)
from ._engine import HelperTable
from ._errors import BpfRuntimeError
from ._memory import EVERYTHING, AddressSpace, Region, Visibility

__all__ = ["Interpreter"]


@final
class Interpreter:
    """Runs a program on CPython, checking every memory access against its regions.

    Args:
        insns: the program; it is validated here (:func:`pybpf.isa.validate`).
        helpers: helper implementations by id (see :data:`HelperTable`).
        space: the shared regions (maps, global data); a private empty one by default.
        visible: which of them runs of this program may address (the runtime computes it at
            load from the maps the program references); all of them by default.
        max_instructions: the budget of one run (see :mod:`pybpf.engine._budget` for how it
            is counted).
        name: used in tracebacks of the generated code.
        kfuncs: kfunc implementations by the immediate of their calls.
        owner: what the engine runs for (the runtime's program), given back on faults as
            ``BpfRuntimeError.engine.owner``; opaque to the engine.

    Raises:
        InstructionError: the program is malformed.
    """

    def __init__(
        self,
        insns: Sequence[Instruction],
        *,
        helpers: HelperTable | None = None,
        space: AddressSpace | None = None,
        visible: Visibility = EVERYTHING,
        max_instructions: int = DEFAULT_MAX_INSTRUCTIONS,
        name: str = "prog",
        kfuncs: HelperTable | None = None,
        owner: object = None,
    ) -> None:
        validate(insns)
        self.owner = owner
        self.insns = tuple(insns)
        self.helpers = dict(helpers or {})
        self.kfuncs = dict(kfuncs or {})
        self.space = space if space is not None else AddressSpace()
        self.visible = visible
        self.max_instructions = check_budget(max_instructions)
        # The bytecode itself is the target of subprogram addresses, as a JIT image is in
        # the kernel; it is never registered, so programs cannot read or write it.
        self._code = Region.from_bytes(encode(self.insns), f"{name} code", writable=False)
        self.source = generate(self.insns, self.helpers.keys(), self._code.base, self.kfuncs.keys())
        namespace = self._namespace()
        # The source is ours, generated from validated instructions: nothing of the program
        # reaches it but numbers.
        exec(compile(self.source, f"<bpf {name}>", "exec"), namespace)  # noqa: S102
        self._functions = {pc: namespace[f"f_{pc}"] for pc in subprogram_entries(self.insns)}
        self._pool = ContextPool(self.space)
        self._counts = threading.local()

    def _namespace(self) -> dict[str, Any]:
        ns: dict[str, Any] = dict(RUNTIME_FUNCTIONS)
        ns.update({f"H{id_}": fn for id_, fn in self.helpers.items()})
        ns.update({f"K{id_}": fn for id_, fn in self.kfuncs.items()})
        ns.update(
            add=operator.add,
            or_=operator.or_,
            and_=operator.and_,
            xor=operator.xor,
            second=lambda old, new: new,
            callx=self._callx,
            unknown_helper=_unknown_helper,
            unsupported=_unsupported,
        )
        return ns

    def _callx(self, ctx: ExecContext, target: int, pc: int, *args: int) -> int:
        fn = self.helpers.get(target)
        if fn is None:
            _unknown_helper(target, pc)
        return fn(ctx, *args)  # type: ignore[misc]

    def function_at(self, address: int) -> int | None:
        """The entry PC whose address a ``lddw`` of a subprogram yields, or None."""
        pc, rem = divmod(address - self._code.base, 8)
        return pc if not rem and pc in self._functions else None

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
        cpu: int = 0,
        runtime: Any = None,
        program: Any = None,
    ) -> int:
        """Run from the subprogram at ``entry`` with a fresh, zeroed stack and return r0.

        ``regions`` are private to this run (context, packet); ``packet`` is the one legacy
        packet loads read. A legacy packet load past the packet ends the run with 0, as in
        the kernel.

        Raises:
            BpfRuntimeError: the run faulted (see its subclasses); ``entry`` is not a subprogram.
        """
        fn = self._functions.get(entry)
        if fn is None:
            raise BpfRuntimeError(f"no subprogram starts at PC {entry}")
        ctx = self._pool.acquire()
        ctx.private, ctx.packet, ctx.cpu = tuple(regions), packet, cpu
        ctx.runtime, ctx.program, ctx.engine, ctx.visible = runtime, program, self, self.visible
        ctx.n, ctx.limit = 0, self.max_instructions
        ctx.may_goto_left = MAY_GOTO_BUDGET
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
        except BpfRuntimeError as err:
            if err.engine is None:  # the innermost run knows which code faulted
                err.engine = ctx.engine
            raise
        finally:
            self._counts.last = ctx.n
            self._pool.release(ctx)

    def entry_function(self) -> Any:
        """The compiled main program (PC 0), for a tail call into this program."""
        return self._functions[0]

    def call_nested(self, ctx: ExecContext, entry: int, *args: int) -> int:
        """Call the subprogram at ``entry`` from a helper, in a new frame of the same run.

        This is how bpf_loop and bpf_for_each_map_elem run their callbacks: the callback may
        use the caller's stack through pointers, and counts towards the frame limit.

        Raises:
            BpfRuntimeError: ``entry`` is not a subprogram, or the frames are exhausted.
        """
        fn = self._functions.get(entry)
        if fn is None:
            raise BpfRuntimeError(f"no subprogram starts at PC {entry}")
        fp = ctx.fp
        if fp < ctx.min_caller_fp:
            ctx.too_deep(entry)
        try:
            return fn(ctx, *args, fp - STACK_SIZE)  # type: ignore[no-any-return]
        finally:
            ctx.fp = fp

    @property
    def last_instruction_count(self) -> int:
        """How many instructions the last run on this thread executed (0 before any run).

        Counted per basic block, so a run that faults is charged its whole faulting block.
        """
        count: int = getattr(self._counts, "last", 0)
        return count


POISONED_RELOCATION = 0xBAD2310  #: the helper id libbpf (and pybpf) writes over an unresolved CO-RE relocation


def _unknown_helper(helper_id: int, pc: int) -> None:
    if helper_id == POISONED_RELOCATION:
        raise BpfRuntimeError(f"CO-RE relocation poisoned (unresolved on the target BTF) at PC {pc}", pc=pc)
    raise BpfRuntimeError(f"unknown helper {helper_id} at PC {pc}", pc=pc)


def _unsupported(what: str, pc: int) -> None:
    raise BpfRuntimeError(f"{what} is not supported at PC {pc}", pc=pc)
