"""Errors of the instruction-set layer."""

from __future__ import annotations

from .._errors import PybpfError

__all__ = ["AsmError", "InstructionError"]


class InstructionError(PybpfError):
    """Raised by :func:`decode` and :func:`validate` when an instruction or program is malformed.

    ``pc`` is the slot index of the offending instruction, or None when the problem is the
    program as a whole (its size, or being empty).
    """

    def __init__(self, message: str, *, pc: int | None = None) -> None:
        super().__init__(message)
        self.pc = pc


class AsmError(PybpfError):
    """Raised by :func:`assemble` when its input is not a valid program.

    ``line`` is the 1-based line number of the offending source line, when there is one.
    """

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line
