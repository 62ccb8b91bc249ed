"""Errors of the ELF layer."""

from __future__ import annotations

from .._errors import PybpfError

__all__ = ["ElfError"]


class ElfError(PybpfError):
    """Raised by :func:`load_collection` when an object file is malformed or uses what pybpf
    does not support.

    The message is a lower-case fragment that says what is wrong and where, each layer adding
    its prefix: ``section 'kprobe/x': relocation 3: symbol 'foo' is not a map or function``.
    """
