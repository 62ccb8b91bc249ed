"""Errors of the verifier."""

from __future__ import annotations

from collections.abc import Sequence

from .._errors import PybpfError

__all__ = ["VerifierError"]


class VerifierError(PybpfError):
    """Raised by the verifier when it refuses a program at load.

    ``str()`` is the last line of the log, verbatim as the kernel would print it (for example
    ``R0 !read_ok``); ``log`` holds the whole log; ``pc`` the refused instruction, if any;
    ``program`` the name of the refused program when a loader set it (as libbpf's
    ``prog 'name': BPF program load failed`` does).
    """

    program: str | None = None

    def __init__(self, log: Sequence[str], *, pc: int | None = None) -> None:
        self.log = "\n".join(log)
        self.pc = pc
        super().__init__(log[-1] if log else "program refused")
