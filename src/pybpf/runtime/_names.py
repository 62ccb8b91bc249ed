"""The KeyError of a misspelt name: what was asked, where, what exists, and the likely fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["missing"]


def missing(kind: str, name: object, names: Iterable[str], where: str) -> KeyError:
    """``KeyError("no program 'hearbeat' in object 'watchdog' (did you mean 'heartbeat'?
    programs: heartbeat, reset)")`` for ``obj.programs["hearbeat"]``."""
    known = sorted(names)
    close = difflib.get_close_matches(str(name), known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    listed = ", ".join(known) if known else "none"
    return KeyError(f"no {kind} {name!r} in {where} ({hint}{kind}s: {listed})")
