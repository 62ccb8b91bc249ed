"""The runtime's object table: who holds each map, and when it is freed.

The kernel counts two kinds of references to a map. *User* references (file descriptors, pins)
keep its contents meaningful to user space: when the last one goes, the kernel frees the
special fields of every element, which cancels their timers (``map_release_uref``). *Program*
references keep its memory alive: the map is freed when neither kind is left. Handles and pins
here play the file descriptors' part.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import maps
from ..btf import Spec
from ..maps import EEXIST, ENOENT, ENOMEM, MapError
from ._program import Program

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["ObjectTable", "Pin", "map_charge"]


def map_charge(m: maps.Map) -> int:
    """The bytes a map charges against ``Runtime(memory_limit=...)``: its keys and values,
    8-byte aligned, one value per CPU for per-CPU maps (what the kernel's memlock counts)."""
    copies = m.ncpus if m.percpu else 1
    return m.max_entries * (-(-m.key_size // 8) * 8 + copies * -(-m.value_size // 8) * 8)


@dataclass(frozen=True)
class Pin:
    """A pinned map, with what is needed to open a typed handle on it again."""

    map: maps.Map
    btf: Spec | None
    key_type_id: int
    value_type_id: int


class ObjectTable:
    """Reference counts of the maps of one runtime, and its pins."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._lock = threading.RLock()
        self._users: dict[maps.Map, int] = {}
        self._programs: dict[maps.Map, int] = {}
        self.pins: dict[str, Pin] = {}

    def admit(self, m: maps.Map) -> None:
        """Charge a map being created, before it allocates (a :data:`pybpf.maps.AdmitHook`).

        Raises:
            MapError: the runtime's memory limit cannot hold it (ENOMEM).
        """
        if not self._runtime._charge(map_charge(m)):
            limit = self._runtime.memory_limit
            raise MapError("create", ENOMEM, f"map '{m.name}': memory limit of {limit} bytes reached")

    def add_map(self, m: maps.Map) -> None:
        """Track a new map (no references yet) that :meth:`admit` charged."""
        with self._lock:
            self._users.setdefault(m, 0)
            self._programs.setdefault(m, 0)
            self._runtime._maps_by_address[m.address] = m
        m.on_hold, m.on_release = self.holding, self.released

    def discard(self, m: maps.Map) -> None:
        """Free a map nothing references yet (a load that failed half-way)."""
        with self._lock:
            if self._users.get(m) or self._programs.get(m) or m not in self._users:
                return
        self._free(m)

    def users(self, m: maps.Map) -> int:
        """How many user references ``m`` has."""
        with self._lock:
            return self._users.get(m, 0)

    def acquire_map(self, m: maps.Map) -> None:
        """Take a user reference."""
        with self._lock:
            self._users[m] = self._users.get(m, 0) + 1

    def release_map(self, m: maps.Map) -> None:
        """Drop a user reference; the last one frees every element's special fields."""
        with self._lock:
            self._users[m] -= 1
            last = self._users[m] == 0
        if last:
            m.free_fields()
            if m.type == maps.MapType.PROG_ARRAY:  # the kernel clears program arrays too
                indexes = m.keys()  # a snapshot: deleting while iterating the map is not allowed
                for key in indexes:
                    m.delete_elem(key)
            self._maybe_free(m)

    def acquire_by_program(self, m: maps.Map) -> None:
        """A program that uses ``m`` was loaded."""
        with self._lock:
            self._programs[m] = self._programs.get(m, 0) + 1

    def release_by_program(self, m: maps.Map) -> None:
        """A program that used ``m`` was freed."""
        with self._lock:
            self._programs[m] -= 1
        self._maybe_free(m)

    def _maybe_free(self, m: maps.Map) -> None:
        """Free ``m`` if nothing holds it: no user, no program, no outer map (which holds its
        inner maps as the kernel's map-in-map does, by a reference that is not a user one)."""
        with self._lock:
            if self._users.get(m) or self._programs.get(m) or m.closed or self._held_by_outer(m):
                return
        self._free(m)

    def _held_by_outer(self, m: maps.Map) -> bool:
        return any(m in outer.held() for outer in self._users if hasattr(outer, "held") and outer is not m)

    def sweep(self) -> None:
        """Free every map that nothing holds any more (inner maps left by a freed outer map)."""
        for m in self.live_maps():
            self._maybe_free(m)

    def _free(self, m: maps.Map) -> None:
        with self._lock:
            if m not in self._users:
                return
            del self._users[m], self._programs[m]
            self._runtime._maps_by_address.pop(m.address, None)
        m.close()  # a map of maps releases what it held through on_release
        self._runtime._uncharge(map_charge(m))

    def holding(self, obj: object) -> None:
        """A program array started holding ``obj``: a program stays alive while it does (an
        inner map held by a map of maps is found through ``held()`` instead)."""
        if isinstance(obj, Program):
            self._runtime._hold_program(obj)

    def released(self, obj: object) -> None:
        """A map of maps or program array stopped holding ``obj``: free what nothing holds."""
        if isinstance(obj, maps.Map):
            self._maybe_free(obj)
        elif isinstance(obj, Program):
            self._runtime._release_program(obj)

    def pin(self, path: str, m: maps.Map, btf: Spec | None, key_type_id: int, value_type_id: int) -> None:
        """Pin ``m`` at ``path``: the pin holds a user reference until :meth:`unpin`.

        Raises:
            MapError: something is pinned there already (EEXIST).
        """
        with self._lock:
            if path in self.pins:
                raise MapError("pin", EEXIST, f"'{path}' is pinned already")
            self.pins[path] = Pin(m, btf, key_type_id, value_type_id)
            self.acquire_map(m)

    def unpin(self, path: str) -> None:
        """Remove the pin at ``path`` and its user reference.

        Raises:
            MapError: nothing is pinned there (ENOENT).
        """
        with self._lock:
            pin = self.pins.pop(path, None)
        if pin is None:
            raise MapError("unpin", ENOENT, f"nothing is pinned at '{path}'")
        self.release_map(pin.map)

    def lookup_pin(self, path: str) -> Pin:
        """The pin at ``path``.

        Raises:
            MapError: nothing is pinned there (ENOENT).
        """
        with self._lock:
            pin = self.pins.get(path)
        if pin is None:
            raise MapError("open", ENOENT, f"nothing is pinned at '{path}'")
        return pin

    def live_maps(self) -> list[maps.Map]:
        """Every map not yet freed."""
        with self._lock:
            return list(self._users)
