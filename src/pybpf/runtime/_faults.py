"""Run-time faults as a developer needs them: which program or callback, which timer, which
source line, and a traceback that starts in the developer's own code.

An engine raises a :class:`~pybpf.engine.BpfRuntimeError` that knows only the PC and the
engine whose code faulted. Before it leaves pybpf, :func:`locate` adds what the runtime knows
(the program, the callback and its timer, the line from BTF line info), in the message and as
attributes, and the public call that started the work re-raises it through :func:`trimmed`, so
the traceback shows the caller's frames and that call, not pybpf's machinery.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..engine import BpfRuntimeError

if TYPE_CHECKING:
    from ._program import Program

__all__ = ["locate", "trimmed"]

_AT_PC = re.compile(r" at PC (\d+)$")


def locate(err: BpfRuntimeError, program: Program, *, callback: str | None = None, timer: str | None = None) -> None:
    """Say where ``err`` happened: ``program`` started the run (``callback`` of ``timer`` when
    a timer fired). The first call wins: an error passes here once per layer it crosses.

    The message becomes ``program 'p': <what> (file.c:42) at PC n``, or for a callback
    ``callback 'cb' of timer m[k] (program 'p'): ...``.
    """
    if err.program is not None:
        return
    owner: Any = getattr(err.engine, "owner", None)
    faulting = owner if owner is not None else program  # a tail call's target faults in its own code
    err.program, err.callback, err.timer = faulting.name, callback, timer
    if err.pc is not None:
        err.source_line = faulting.source.location(err.pc)
    if callback is not None:
        who = f"callback '{callback}' of timer {timer} (program '{program.name}')"
    else:
        who = f"program '{faulting.name}'"
        if faulting is not program:
            who += f" (tail-called from '{program.name}')"
    message = str(err)
    match = _AT_PC.search(message)
    if match is not None and err.source_line is not None:
        message = f"{message[: match.start()]} ({err.source_line}){match.group(0)}"
    err.args = (f"{who}: {message}",)


def trimmed(err: BaseException) -> BaseException:
    """``err`` without the frames it crossed inside pybpf: re-raised with ``raise trimmed(err)
    from None`` at a public call, its traceback starts at that call."""
    return err.with_traceback(None)
