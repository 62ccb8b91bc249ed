"""What every engine offers: run a loaded program from one of its entry points."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypedDict, final

from ._budget import DEFAULT_MAX_INSTRUCTIONS
from ._context import ExecContext
from ._memory import AddressSpace, Region, Visibility

__all__ = ["DEFAULT_MAX_INSTRUCTIONS", "Engine", "EngineOptions", "HelperFn", "HelperTable"]

#: A helper implementation: called with the run's context and r1-r5, returns r0.
HelperFn = Callable[[ExecContext, int, int, int, int, int], int]
#: Helper implementations by id. Engines take one as a parameter, so the same engine serves
#: Linux's helper set and the conformance suite's own.
HelperTable = Mapping[int, HelperFn]


@final
class EngineOptions(TypedDict, total=False):
    """The keyword arguments every engine takes (:class:`Interpreter`, ``Jit``,
    :func:`create_engine`), all optional, declared once so the engines cannot drift apart.

    Keys:
        helpers: helper implementations by id (see :data:`HelperTable`); none by default.
        space: the shared regions (maps, global data); a private empty one by default.
        visible: which of them runs of this program may address (the runtime computes it at
            load from the maps the program references); all of them by default.
        max_instructions: the budget of one run (see :mod:`pybpf.engine._budget` for how it
            is counted); :data:`DEFAULT_MAX_INSTRUCTIONS` by default.
        name: used in messages and in tracebacks of generated code; ``"prog"`` by default.
        kfuncs: kfunc implementations by the immediate of their calls; none by default.
        owner: what the engine runs for (the runtime's program), given back on faults as
            ``BpfRuntimeError.engine.owner``; opaque to the engine.
    """

    helpers: HelperTable | None
    space: AddressSpace | None
    visible: Visibility
    max_instructions: int
    name: str
    kfuncs: HelperTable | None
    owner: object


class Engine(Protocol):
    """An executor of one validated program (the interpreter, the JIT).

    Every engine charges the instruction budget by the one rule of ``_budget.py``, in the
    run's ``ExecContext``, so a budget means the same whichever engine runs the program, and
    sets ``BpfRuntimeError.engine`` to itself on a fault in its code. Every engine follows the
    region model of :mod:`pybpf.engine._memory`: its runs address only their active stack
    frames, their private regions and the areas of the shared address space that
    :attr:`visible` allows, and a tail call into an engine switches to its visibility.
    """

    #: which shared areas runs of this program may address (computed once, at load)
    visible: Visibility
    #: what the engine runs for (the runtime's program), given back on faults as
    #: ``BpfRuntimeError.engine.owner``; opaque to the engine
    owner: object

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
    ) -> int:
        """Run from the subprogram at ``entry`` with fresh stack and return r0 (unsigned)."""
        ...

    def function_at(self, address: int) -> int | None:
        """The entry PC whose address a ``lddw`` of a subprogram yields, or None."""
        ...
