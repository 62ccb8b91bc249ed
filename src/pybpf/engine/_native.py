"""Native maps, as the maps package and compiled code see them (no llvmlite here).

:func:`native_map_ops` gives the maps package the native operations (:mod:`._mapgen`) as
built-in functions, or None when they cannot run (llvmlite missing, or
``PYBPF_NATIVE_MAPS=0``): maps then keep their index in Python. :class:`MapTable` is a compiled
program's table of the maps it was seen to use, which its compiled helper calls search.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable
from typing import Any, final

from ._mapgen import NativeOp
from ._memory import Visibility
from ._tiered import _jit_module

__all__ = ["MapTable", "NativeMapOps", "mark_native", "native_map_ops", "remember_map"]


@final
class NativeMapOps:
    """The native map operations of :mod:`._mapgen`, callable from Python.

    Each takes a descriptor's address first; keys and values are bytes of the map's sizes
    (the caller checks them). Slots and errnos are returned as ints (-1: no slot).
    :meth:`user_get` and :meth:`user_put` make a map's own functions for the Python API.
    """

    def __init__(
        self, functions: dict[str, Callable[..., int]], binders: dict[str, Callable[[int], Callable[..., Any]]]
    ) -> None:
        self.find = functions["nm_find"]
        self.lookup = functions["nm_lookup"]
        self.update = functions["nm_update"]
        self.delete = functions["nm_delete"]
        self.unlink = functions["nm_unlink"]
        self.release = functions["nm_release"]
        self.next = functions["nm_next"]
        #: take the ``bpf_spin_lock`` word at an address if free (1, else 0); give it back
        self.trylock, self.unlock = functions["nm_trylock"], functions["nm_unlock"]
        self._get, self._put = binders["nm_get"], binders["nm_put"]

    def user_get(self, descriptor: int) -> Callable[[bytes], bytes | int]:
        """``get(key)`` for the plain hash map at ``descriptor``: the value's bytes, -ENOENT,
        or :data:`FALLBACK` when the map is closed or the key is not of its size (the caller
        then runs the Python operation, which says why). ``key`` must be ``bytes``."""
        return self._get(descriptor)

    def user_put(self, descriptor: int) -> Callable[[bytes, bytes, int], int]:
        """``put(key, value, flags)`` for the plain hash map at ``descriptor``: 0, a negative
        errno, or :data:`FALLBACK` as for :meth:`user_get`. ``key`` and ``value`` must be
        ``bytes``, ``flags`` an ``int``."""
        return self._put(descriptor)


def native_map_ops() -> NativeMapOps | None:
    """The native map operations, or None when maps must stay in Python: llvmlite cannot be
    imported (the JIT warns once), or ``$PYBPF_NATIVE_MAPS`` is ``0``."""
    if os.environ.get("PYBPF_NATIVE_MAPS", "1") == "0":
        return None
    jit = _jit_module()
    return None if jit is None else jit.native_map_ops()


def mark_native(op: NativeOp) -> Callable[[Any], Any]:
    """Declare a helper implementation to be ``op``, which compiled code may run natively
    (:class:`NativeOp`); a table holding any other function for that helper id keeps it."""

    def mark(fn: Any) -> Any:
        fn.native_op = op
        return fn

    return mark


@final
class MapTable:
    """The maps a compiled program was seen to use, for its native helper calls.

    Filled by :func:`remember_map` when a map helper called through Python has passed the
    checks (a map, visible to the program); searched linearly by ``pybpf_nmap``, so it is
    small. Entries are never removed: a closed map's descriptor says so itself.
    """

    CAPACITY = 16

    def __init__(self) -> None:
        self._slots = (ctypes.c_int64 * (1 + 2 * self.CAPACITY))()
        self.address: int = ctypes.addressof(self._slots)
        self._keep: list[object] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self._slots[0])

    def add(self, map_address: int, descriptor: int, owner: object) -> None:
        """Let native calls reach ``owner`` (whose descriptor is at ``descriptor``) by its
        program-visible ``map_address``; ignored when already there or when full."""
        with self._lock:
            count = self._slots[0]
            if count >= self.CAPACITY or any(self._slots[1 + 2 * i] == map_address for i in range(count)):
                return
            self._keep.append(owner)  # the descriptor lives as long as its map
            self._slots[1 + 2 * count], self._slots[2 + 2 * count] = map_address, descriptor
            self._slots[0] = count + 1


def remember_map(engine: object, visible: Visibility, target: Any) -> None:
    """After a map helper ran through Python on ``target``, let the running compiled program
    reach it natively next time, if it may see the map by itself (not only through a map of
    maps, whose contents change) and the map is native."""
    table = getattr(engine, "native_maps", None)
    descriptor = getattr(target, "native_descriptor", 0)
    if table is None or not descriptor:
        return
    if visible.everything or target in visible.owners:
        table.add(target.address, descriptor, target)
