"""The root of pybpf's exceptions, and the errors that belong to no single package.

Every package keeps its own errors in its ``_errors.py`` and derives them from
:class:`PybpfError`, so a caller can catch everything pybpf raises with one clause.
"""

from __future__ import annotations

__all__ = ["NotSupportedError", "PybpfError"]


class PybpfError(Exception):
    """The base class of every error pybpf raises on purpose.

    Anything else escaping from pybpf (``TypeError``, ``AttributeError``...) is a bug in pybpf,
    except for the plain ``KeyError`` contract of mappings.
    """


class NotSupportedError(PybpfError):
    """Raised by any layer when input asks for a feature that pybpf does not have (yet).

    Tests may skip on it: it says "not here", never "wrong".
    """
