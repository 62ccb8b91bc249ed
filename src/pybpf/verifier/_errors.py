"""Errors of the verifier."""

from __future__ import annotations

import errno as _errno
from collections.abc import Sequence

from .._errors import PybpfError

__all__ = ["STATISTICS_PREFIXES", "VerifierError"]

#: The lines the kernel ends a log with, after its verdict: the processed-instruction count
#: (always) and, at log level 4, the verification time and the stack depths.
STATISTICS_PREFIXES = ("processed ", "verification time ", "stack depth ")


class VerifierError(PybpfError):
    """Raised by the verifier when it refuses a program at load.

    ``str()`` is the verdict, verbatim as the kernel would print it (for example
    ``R0 !read_ok``): the last line of the log before its statistics lines. ``log`` holds the
    whole log as the kernel writes it at log level 1 (what libbpf prints on a failed load);
    ``verbose_log`` the log at the level ``bpftool -d`` asks for (subprogram starts, verification
    time and stack depths too), when the verifier built one, else the same as ``log``.
    ``errno`` is what ``bpf(BPF_PROG_LOAD)`` would fail with (EINVAL, or E2BIG and EACCES for
    the call-chain limits); ``pc`` the refused instruction, if any; ``program`` the name of the
    refused program when a loader set it (as libbpf's ``prog 'name': BPF program load failed``
    does).
    """

    program: str | None = None

    def __init__(self, log: Sequence[str], *, pc: int | None = None, errno: int = _errno.EINVAL) -> None:
        self.log = "\n".join(log)
        self.verbose_log = self.log
        self.pc = pc
        self.errno = errno
        verdict = [line for line in log if not line.startswith(STATISTICS_PREFIXES)]
        super().__init__(verdict[-1] if verdict else "program refused")
