"""Errors of the verifier."""

from __future__ import annotations

from collections.abc import Sequence

from .._errors import PybpfError

__all__ = ["VerifierError"]


class VerifierError(PybpfError):
    """Raised by the verifier when it refuses a program at load.

    ``str()`` is the kernel's message verbatim (the last line of the log before the
    statistics line, for example ``R0 !read_ok``); ``log`` holds the whole log; ``pc`` the
    refused instruction, if any; ``errno`` what the kernel's ``bpf()`` returns (EACCES or
    EINVAL mostly); ``program`` the name of the refused program when a loader set it (as
    libbpf's ``prog 'name': BPF program load failed`` does).
    """

    program: str | None = None

    def __init__(self, log: Sequence[str], *, pc: int | None = None, errno: int = 13) -> None:
        self.log = "\n".join(log)
        self.pc = pc
        self.errno = errno
        lines = [line for line in log if line and not line.startswith("processed ")]
        super().__init__(lines[-1] if lines else "program refused")
