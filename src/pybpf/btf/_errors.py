"""Errors of the BTF layer."""

from __future__ import annotations

from .._errors import PybpfError

__all__ = ["BtfError", "BtfTypeError", "BtfValueError"]


class BtfError(PybpfError):
    """Raised by the BTF parsers, :class:`Spec` lookups and the value converters when BTF is
    malformed, or when a value does not fit the type it is converted through.

    The message is a lower-case fragment naming what is wrong and where, such as
    ``type [12]: member 'x' refers to missing type 99``; callers prefix it with their own context.
    """


class BtfTypeError(BtfError, TypeError):
    """Raised by :func:`from_python` when a Python value has the wrong type for its BTF type
    (a str for an int, an int for a struct). Also a ``TypeError``: it is the caller's misuse."""


class BtfValueError(BtfError, ValueError):
    """Raised by :func:`from_python` when a Python value has the right type but does not fit
    (out of range, no such member or enumerator, wrong length). Also a ``ValueError``."""
