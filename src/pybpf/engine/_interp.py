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
from ._context import ContextPool, ExecContext
from ._engine import HelperTable
from ._memory import EVERYTHING, AddressSpace, Region, Visibility
from ._run import Function, FunctionEngine, unknown_helper, unsupported

__all__ = ["Interpreter"]


@final
class Interpreter(FunctionEngine):
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
        self.code = Region.from_bytes(encode(self.insns), f"{name} code", writable=False)
        self.source = generate(self.insns, self.helpers.keys(), self.code.base, self.kfuncs.keys())
        namespace = self._namespace()
        # The source is ours, generated from validated instructions: nothing of the program
        # reaches it but numbers.
        exec(compile(self.source, f"<bpf {name}>", "exec"), namespace)  # noqa: S102
        self.functions: dict[int, Function] = {pc: namespace[f"f_{pc}"] for pc in subprogram_entries(self.insns)}
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
            unknown_helper=unknown_helper,
            unsupported=unsupported,
        )
        return ns

    def _callx(self, ctx: ExecContext, target: int, pc: int, *args: int) -> int:
        fn = self.helpers.get(target)
        if fn is None:
            unknown_helper(target, pc)
        return fn(ctx, *args)  # type: ignore[misc]
