"""The reference engine: the program translated to Python source once, then run by CPython."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any, Unpack, final

from ..isa import Instruction, encode, subprogram_entries, validate
from ._alu import RUNTIME_FUNCTIONS
from ._codegen import generate
from ._context import ExecContext
from ._engine import EngineOptions
from ._memory import Region
from ._run import Function, ProgramEngine, unknown_helper, unsupported

__all__ = ["Interpreter"]


@final
class Interpreter(ProgramEngine):
    """Runs a program on CPython, checking every memory access against its regions.

    Args:
        insns: the program; it is validated here (:func:`pybpf.isa.validate`).
        options: see :class:`EngineOptions`.

    Raises:
        InstructionError: the program is malformed.
    """

    def __init__(self, insns: Sequence[Instruction], **options: Unpack[EngineOptions]) -> None:
        validate(insns)
        self._configure(insns, options)
        name = self.name
        # The bytecode itself is the target of subprogram addresses, as a JIT image is in
        # the kernel; it is never registered, so programs cannot read or write it.
        self.code = Region.from_bytes(encode(self.insns), f"{name} code", writable=False)
        self.source = generate(self.insns, self.helpers.keys(), self.code.base, self.kfuncs.keys())
        namespace = self._namespace()
        # The source is ours, generated from validated instructions: nothing of the program
        # reaches it but numbers.
        exec(compile(self.source, f"<bpf {name}>", "exec"), namespace)  # noqa: S102
        self.functions: dict[int, Function] = {pc: namespace[f"f_{pc}"] for pc in subprogram_entries(self.insns)}

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
