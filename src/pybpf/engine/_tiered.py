"""Choosing an engine: ``engine="auto"`` interprets first and compiles what runs hot.

Compiling costs tens of milliseconds per program, interpreting a few tens of nanoseconds per
instruction; a program is compiled once its runs have executed :data:`COMPILE_AFTER`
instructions, enough for compiled code to pay for itself. A program whose compiled code is
already cached (earlier in the process or on disk) costs about a millisecond to load, so it
switches after :data:`LOAD_CACHED_AFTER` instructions. The switch happens as the program is
next entered, so a program whose last run crosses the line is not compiled for nothing. A test
suite of many small programs therefore never compiles, and loads compiled code only for what
runs long enough to gain; loading an ``auto`` program costs what the interpreter's costs.

A program holding an instruction the JIT does not translate yet (:func:`._jit.compiles`)
is interpreted whatever the engine asked for, ``"jit"`` included: the one rule by which a
program's results never depend on how far the JIT has caught up with the interpreter.

Both tiers share the program's code region (so subprogram addresses taken before the switch
still name the same callbacks) and the function calling convention of :mod:`._run`, so the
switch may happen between any two runs, even while an earlier run of the program is nested
further up the same thread.
"""

from __future__ import annotations

import importlib
import os
import threading
import warnings
from collections.abc import Callable, Collection, Sequence
from typing import Any, Unpack, final

from ..isa import Instruction
from ._context import ExecContext
from ._engine import EngineOptions
from ._interp import Interpreter
from ._run import Function, FunctionEngine

__all__ = [
    "COMPILE_AFTER", "ENGINES", "LOAD_CACHED_AFTER", "Tiered", "create_engine", "engine_class", "jit_available",
    "native_listing",
]

#: Instructions a program executes, interpreted, before ``auto`` compiles it: about 50 ms of
#: interpreting, the cost of compiling a mid-sized program.
COMPILE_AFTER = 1_000_000
#: The same when its compiled code is cached: about the cost of loading it (a millisecond).
LOAD_CACHED_AFTER = 50_000
_NEVER = 1 << 62  #: a program that will not be compiled (done, or the JIT does not translate it)
#: The engine names :func:`create_engine` accepts.
ENGINES = ("auto", "interpreter", "jit")

_JIT: Any = None
_JIT_MISSING = False
_JIT_LOCK = threading.Lock()


def _jit_module() -> Any:
    """The JIT module, or None (with one warning per process) when llvmlite cannot load."""
    global _JIT, _JIT_MISSING
    with _JIT_LOCK:
        if _JIT is None and not _JIT_MISSING:
            try:
                jit = importlib.import_module(f"{__package__}._jit")
            except ImportError as err:
                _JIT_MISSING = True
                warnings.warn(
                    f"pybpf: the JIT needs llvmlite, which cannot be imported ({err}); "
                    "programs run on the interpreter and maps keep their index in Python",
                    RuntimeWarning,
                    stacklevel=4,
                )
            else:
                _JIT = jit
        return _JIT


def jit_available() -> bool:
    """Whether the JIT can run here (llvmlite imports)."""
    return _jit_module() is not None


def create_engine(
    kind: str, insns: Sequence[Instruction], *, in_frame: Collection[int] = frozenset(),
    **options: Unpack[EngineOptions],
) -> Any:
    """The engine ``kind`` names for a program (see :data:`ENGINES`), built with ``options``
    (see :class:`EngineOptions`).

    ``in_frame`` is what the verifier proved of the program's accesses to its own stack frame
    (``Facts.frame_accesses``), which compiled code uses to leave checks out (see
    :class:`._jit.Jit`); the interpreter checks every access whatever it is given.

    ``"auto"`` follows ``$PYBPF_ENGINE`` when it names an engine (how a test suite is run with
    one engine forced). Without llvmlite, ``"jit"`` and ``"auto"`` give the interpreter, and
    so does any engine for a program the JIT does not translate (see the module's rule).

    Raises:
        TypeError: ``max_instructions`` is not an int, or an unknown option.
        ValueError: an unknown engine name, or a budget below 1.
        InstructionError: the program is malformed.
    """
    if kind not in ENGINES:
        raise ValueError(f"unknown engine '{kind}' (auto, interpreter or jit)")
    if kind == "auto":
        forced = os.environ.get("PYBPF_ENGINE", "auto")
        kind = forced if forced in ENGINES else "auto"
    if kind == "interpreter" or _jit_module() is None:
        return Interpreter(insns, **options)
    if kind == "auto":
        return Tiered(insns, in_frame=in_frame, **options)
    if not _JIT.compiles(insns):
        return Interpreter(insns, **options)
    return _JIT.Jit(insns, in_frame=in_frame, **options)


def engine_class(kind: str) -> Any:
    """The class of a single-tier engine, ``"interpreter"`` or ``"jit"`` (the interpreter when
    llvmlite is missing), for callers that build engines themselves (the conformance runner).

    Raises:
        ValueError: another name.
    """
    if kind not in ("interpreter", "jit"):
        raise ValueError(f"unknown engine '{kind}' (interpreter or jit)")
    if kind == "jit" and _jit_module() is not None:
        return _JIT.Jit
    return Interpreter


def native_listing(engine: Any) -> dict[int, list[str]] | None:
    """The native code of the program ``engine`` runs, by subprogram entry PC, as assembly
    lines; None when the program is interpreted (the interpreter asked for, llvmlite missing).
    An ``auto`` program not compiled yet is compiled now, as it would be once hot: its results
    do not depend on the engine."""
    if isinstance(engine, Tiered):
        engine.compile_now()
        return engine.compiled.listing()  # type: ignore[no-any-return]
    if _JIT is not None and isinstance(engine, _JIT.Jit):
        return engine.listing()  # type: ignore[no-any-return]
    return None


@final
class Tiered(FunctionEngine):
    """The ``auto`` engine: a program's :class:`Interpreter`, replaced by its compiled code
    once it has run :data:`COMPILE_AFTER` instructions (:data:`LOAD_CACHED_AFTER` if that code
    is cached).

    Loading costs what the interpreter's does: whether the JIT translates the program and
    whether its code is cached are asked only once it has run :data:`LOAD_CACHED_AFTER`
    instructions. Compiling waits for the program's next entry (a run, a tail call, a
    callback), so a program whose last run crosses the line is never compiled for nothing.

    Arguments are the :class:`Interpreter`'s, and ``in_frame`` for the compiled code (see
    :class:`._jit.Jit`).
    """

    def __init__(
        self, insns: Sequence[Instruction], *, in_frame: Collection[int] = frozenset(),
        **options: Unpack[EngineOptions],
    ) -> None:
        self.interpreter = interp = Interpreter(insns, **options)
        self.owner = interp.owner
        self.visible = interp.visible
        self.max_instructions = interp.max_instructions
        self.compiled: Any = None
        self.code = interp.code
        self.functions: dict[int, Function] = interp.functions
        self._pool = interp._pool
        self._counts = interp._counts
        self._work = 0
        self._next = min(LOAD_CACHED_AFTER, COMPILE_AFTER)  #: the work at which to look again
        self._looked = False  #: whether the JIT's translation and cache were asked (see _hot)
        self._lock = threading.Lock()
        self.in_frame = in_frame

    @property
    def native_maps(self) -> Any:
        """The compiled code's table of the maps its helper calls reach natively (see
        :mod:`._native`), None while the program is interpreted."""
        return None if self.compiled is None else self.compiled.native_maps

    @property
    def native_timers(self) -> bool:
        """Whether callbacks of this program may run in the native timer lane: once compiled,
        as for :attr:`._jit.Jit.native_timers` (the lane asks before every batch)."""
        compiled = self.compiled
        return compiled is not None and bool(compiled.native_timers)

    def callback_address(self, entry: int) -> int:
        """The compiled code's :meth:`._jit.Jit.callback_address` (once :attr:`native_timers`)."""
        return int(self.compiled.callback_address(entry))

    def timer_lane(self, ctx: ExecContext, hand_back: Callable[[], None] | None) -> int:
        """The compiled code's :meth:`._jit.Jit.timer_lane` (once :attr:`native_timers`)."""
        return int(self.compiled.timer_lane(ctx, hand_back))

    def raise_lane_fault(self, ctx: ExecContext) -> None:
        """The compiled code's :meth:`._jit.Jit.raise_lane_fault`."""
        self.compiled.raise_lane_fault(ctx)

    def compile_now(self) -> None:
        """Switch to compiled code now (if not done yet), whatever the program has run; a
        program the JIT does not translate stays interpreted."""
        with self._lock:
            if self.compiled is None and _JIT.compiles(self.interpreter.insns):
                interp = self.interpreter
                self.compiled = _JIT.Jit(
                    interp.insns, helpers=interp.helpers, space=interp.space, visible=self.visible,
                    max_instructions=self.max_instructions, kfuncs=interp.kfuncs, code=interp.code,
                    in_frame=self.in_frame,
                )
                self.functions = self.compiled.functions
            self._next = _NEVER

    def _ran(self, executed: int) -> None:
        # Unlocked: runs on other threads may lose a count, which only delays the switch.
        work = self._work = self._work + executed
        if work >= self._next:
            with self._lock:
                if work >= self._next:
                    self._next = self._hot(work)

    def _hot(self, work: int) -> int:
        """The program has run ``work`` instructions, past the last line drawn: draw the next
        one, or install :meth:`_switch` everywhere and draw none."""
        interp = self.interpreter
        if not self._looked:
            self._looked = True
            if not _JIT.compiles(interp.insns):
                return _NEVER
            if work < COMPILE_AFTER and not _JIT.is_cached(interp.insns, interp.helpers, self.in_frame):
                return COMPILE_AFTER
        self.functions = {pc: self._switch(pc) for pc in interp.functions}
        return _NEVER

    def _switch(self, entry: int) -> Function:
        """What stands for the subprogram at ``entry`` once the program is hot: entering it
        compiles the program, then runs the compiled subprogram."""

        def switch(ctx: ExecContext, *regs: int) -> int:
            self.compile_now()
            return self.functions[entry](ctx, *regs)

        return switch
