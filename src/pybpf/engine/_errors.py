"""Errors raised while a program runs."""

from __future__ import annotations

from .._errors import PybpfError

__all__ = ["BpfRuntimeError", "InstructionLimitError", "OutOfBoundsError"]


class BpfRuntimeError(PybpfError):
    """Raised by an engine when a run faults (bad access, call too deep, unknown helper...).

    Programs never see these: a fault ends the run and reaches the host that started it. The
    runtime says where before the error reaches the caller; the attributes hold the same facts:

    - ``pc``: the slot index of the faulting instruction, when known;
    - ``program``: the program whose code faulted (a tail call's target, if it got that far);
    - ``callback``: the callback's name when a timer callback faulted, else None;
    - ``timer``: the timer whose callback faulted, as ``map[key]``, else None;
    - ``source_line``: ``file.c:42`` from the program's BTF line info, when it has some.
    """

    def __init__(self, message: str, *, pc: int | None = None) -> None:
        super().__init__(message)
        self.pc = pc
        self.program: str | None = None
        self.callback: str | None = None
        self.timer: str | None = None
        self.source_line: str | None = None
        #: the engine whose code faulted (set by the engine; the runtime maps it to a program)
        self.engine: object = None


class OutOfBoundsError(BpfRuntimeError):
    """Raised by an engine when a load or store touches memory outside every region it may use.

    ``operation`` is "load", "store" or "atomic"; ``address`` and ``size`` describe the access.
    A store into a read-only region (``.rodata``) is refused the same way, naming the region.
    """

    def __init__(
        self, operation: str, pc: int, address: int, size: int, *, region: str | None = None
    ) -> None:
        address &= 0xFFFFFFFFFFFFFFFF
        where = f"read-only region '{region}'" if region else "out-of-bounds memory"
        super().__init__(f"{operation} of {size} bytes at 0x{address:x} in {where} at PC {pc}", pc=pc)
        self.operation = operation
        self.address = address
        self.size = size


class InstructionLimitError(BpfRuntimeError):
    """Raised by an engine when a run executes more instructions than its budget allows.

    Verified programs always terminate; the budget protects the host from unverified code
    (conformance vectors, assembled programs) that loops forever.
    """

    def __init__(self, pc: int, limit: int) -> None:
        super().__init__(f"instruction limit of {limit} exceeded at PC {pc}", pc=pc)
        self.limit = limit
