"""Errors of loading and running programs that belong to no lower layer."""

from __future__ import annotations

from .._errors import PybpfError
from ..engine import BpfRuntimeError

__all__ = ["CompileError", "TestRunError"]


class CompileError(PybpfError):
    """Raised by :meth:`Runtime.load` when compiling a ``.c`` file fails.

    The message's first line is the first error; then come the command and its exit status,
    then the whole diagnostic. ``output`` holds the compiler's messages as printed,
    ``command`` the command that ran (empty when none could) and ``returncode`` its status.
    """

    def __init__(
        self, message: str, output: str = "", *, command: list[str] | None = None, returncode: int | None = None
    ) -> None:
        super().__init__(message)
        self.output = output
        self.command = command or []
        self.returncode = returncode


class TestRunError(BpfRuntimeError):
    """Raised by :meth:`Program.test_run` when the kernel would refuse the run's input.

    ``errno`` is the error the kernel's ``BPF_PROG_TEST_RUN`` returns (EINVAL for a packet
    shorter than an Ethernet header, data given to a syscall program, ...).
    """

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, message: str, errno: int) -> None:
        super().__init__(message)
        self.errno = errno
