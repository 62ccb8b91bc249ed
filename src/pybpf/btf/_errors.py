"""Errors of the BTF layer."""

from __future__ import annotations

from .._errors import PybpfError

__all__ = ["BtfError"]


class BtfError(PybpfError):
    """Raised by the BTF parsers, :class:`Spec` lookups and the value converters when BTF is
    malformed, or when a value does not fit the type it is converted through.

    The message is a lower-case fragment naming what is wrong and where, such as
    ``type [12]: member 'x' refers to missing type 99``; callers prefix it with their own context.
    """
