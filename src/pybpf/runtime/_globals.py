"""``obj.globals``: the non-static global variables of an object, typed by BTF, live.

Each variable lives in the value of its section's global-data map (``.data``, ``.bss``,
``.rodata``...). Reading converts the current bytes through the variable's BTF type; writing
converts back and stores in place, so programs see the change at once. ``.rodata`` is frozen
after load: writes then fail with EPERM, as ``bpf_map_update_elem`` on a frozen map does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, final

from ..btf import Datasec, Linkage, Spec, Var, from_python, to_python
from ..maps import EPERM, Map, MapError
from ._names import missing

__all__ = ["GlobalVar", "Globals", "global_vars"]


@dataclass(frozen=True)
class GlobalVar:
    """Where a global lives: its map, offset, size and BTF type."""

    name: str
    map: Map
    offset: int
    size: int
    type_id: int
    readonly: bool


def global_vars(btf: Spec, data_maps: Mapping[str, tuple[Map, int, bool]]) -> dict[str, GlobalVar]:
    """The non-static variables of the data sections, by name.

    ``data_maps`` maps a section name to (its map, its DATASEC type id, whether it is read-only).
    """
    found: dict[str, GlobalVar] = {}
    for m, datasec_id, readonly in data_maps.values():
        sec = btf.type_by_id(datasec_id)
        if not isinstance(sec, Datasec):
            continue
        for info in sec.vars:
            var = btf.type_by_id(info.type)
            if isinstance(var, Var) and var.linkage == Linkage.GLOBAL:
                found[var.name] = GlobalVar(var.name, m, info.offset, info.size, var.type, readonly)
    return found


@final
class Globals(Mapping[str, Any]):
    """The globals of one object; see the module docstring."""

    def __init__(self, btf: Spec | None, variables: dict[str, GlobalVar]) -> None:
        self._btf = btf
        self._vars = variables
        self.frozen = False

    def _raw(self, var: GlobalVar) -> memoryview:
        address = var.map.lookup(b"\0\0\0\0", 0)
        region = next(r for r in var.map.regions() if r.contains(address, var.size))
        start = address - region.base + var.offset
        return region.buf[start : start + var.size]

    def _var(self, name: str) -> GlobalVar:
        try:
            return self._vars[name]
        except (KeyError, TypeError):
            raise missing("global", name, self._vars, "the object") from None

    def __getitem__(self, name: str) -> Any:
        var = self._var(name)
        assert self._btf is not None
        return to_python(self._btf, var.type_id, bytes(self._raw(var)))

    def __setitem__(self, name: str, value: Any) -> None:
        """Set a global; programs see it at once.

        Raises:
            KeyError: there is no such global.
            MapError: the global is in ``.rodata`` and the object is loaded (EPERM).
            TypeError, ValueError: the value has the wrong type or does not fit the variable's
                type (both also :class:`~pybpf.BtfError`).
        """
        var = self._var(name)
        if var.readonly and self.frozen:
            raise MapError("update", EPERM, f"global '{name}' is in read-only data, frozen after load")
        assert self._btf is not None
        self._raw(var)[:] = from_python(self._btf, var.type_id, value, what=f"global '{name}'")

    def __iter__(self) -> Iterator[str]:
        return iter(self._vars)

    def __len__(self) -> int:
        return len(self._vars)

    def __repr__(self) -> str:
        return f"Globals({dict(self)!r})"
