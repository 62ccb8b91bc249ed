"""What one loaded program may reach at run time, decided once at load.

This is the run-time half of containment (the verifier is the load-time half, and unverified
loads have only this one): the maps whose memory the program's runs may address, and the
helpers its calls, direct or through ``callx``, may reach.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from .. import maps
from ..engine import HelperFn, Visibility
from ..helpers import BY_ID
from ..verifier import license_is_gpl_compatible

__all__ = ["program_helpers", "program_visibility"]


def program_visibility(used: Sequence[maps.Map]) -> Visibility:
    """The memory a program referencing the maps ``used`` may address: their values, and the
    values of the inner maps those of them that are maps of maps hold at the time of the access.

    Tail-call targets need nothing here: a tail call runs the target under its own visibility.
    """
    outers = tuple(m for m in used if m.type in (maps.MapType.ARRAY_OF_MAPS, maps.MapType.HASH_OF_MAPS))
    if not outers:
        return Visibility(used)

    def reach(owner: object) -> bool:
        return any(owner in outer.held() for outer in outers)  # type: ignore[attr-defined]

    return Visibility(used, reach)


def program_helpers(table: Mapping[int, HelperFn], offered: Collection[int], license: str) -> dict[int, HelperFn]:
    """The helper table one program runs with: those ``offered`` to it, less the GPL-only ones
    for a program whose license is not GPL-compatible. A call of anything else, direct or
    ``callx``, fails at run time as a call of an unknown helper."""
    gpl = license_is_gpl_compatible(license)
    return {
        id_: fn
        for id_, fn in table.items()
        if id_ in offered and (gpl or not BY_ID[id_].gpl_only)
    }
