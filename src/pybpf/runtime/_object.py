"""A loaded object file: its programs, maps and globals (``rt.load(...)``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, TypeVar, final

from .._spec import CollectionSpec
from ._globals import Globals
from ._map import Map
from ._names import missing
from ._program import Program
from ._struct_ops import StructOps

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["MapsView", "Object", "ProgramsView", "StructOpsView"]

_T = TypeVar("_T")


class _NamedView(Mapping[str, _T]):
    """Live objects by name; a missing name raises a KeyError that lists those that exist."""

    _kind: str  #: what the view holds, for the message ("map", "program")

    def __init__(self, items: dict[str, _T], where: str, aliases: Mapping[str, str] | None = None) -> None:
        self._items = items
        self._aliases: Mapping[str, str] = aliases or {}
        self._where = where

    def __getitem__(self, name: str) -> _T:
        try:
            return self._items[self._aliases.get(name, name)]
        except (KeyError, TypeError):
            raise missing(self._kind, name, self._items, self._where) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@final
class MapsView(_NamedView[Map]):
    """The maps of an object by name; global-data maps also answer to their section name
    (``obj.maps[".bss"]`` as well as libbpf's ``obj.maps["prog.bss"]``)."""

    _kind = "map"

    def __init__(self, handles: dict[str, Map], aliases: dict[str, str], where: str = "the object") -> None:
        super().__init__(handles, where, aliases)

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._aliases


@final
class ProgramsView(_NamedView[Program]):
    """The programs of an object by function name; a missing name lists those that exist."""

    _kind = "program"


@final
class StructOpsView(_NamedView[StructOps]):
    """The struct_ops maps of an object by name; a missing name lists those that exist."""

    _kind = "struct_ops map"


@final
class Object:
    """The live collection of one object file.

    Attributes:
        name: the object name (the file name up to its first dot).
        programs: programs by function name (subprograms and callbacks excluded).
        maps: maps by name (see :class:`MapsView`).
        globals: the non-static global variables, live and typed.
        spec: the blueprint it was loaded from.
    """

    def __init__(
        self,
        runtime: Runtime,
        spec: CollectionSpec,
        programs: dict[str, Program],
        maps: MapsView,
        globals_: Globals,
        struct_ops: Mapping[str, StructOps] | None = None,
    ) -> None:
        self._runtime = runtime
        self.spec = spec
        self.name = spec.name
        self.programs: Mapping[str, Program] = ProgramsView(programs, f"object '{spec.name}'")
        self.maps = maps
        self.globals = globals_
        #: the struct_ops maps by name, to call their members' programs and register them
        self.struct_ops: Mapping[str, StructOps] = StructOpsView(dict(struct_ops or {}), f"object '{spec.name}'")
        self.closed = False

    def __repr__(self) -> str:
        return f"<Object '{self.name}' programs={list(self.programs)} maps={list(self.maps)}>"

    def close(self) -> None:
        """Drop the object's user references to its maps and programs (idempotent).

        Maps that nothing else holds (no pin, no open handle) lose their timers; maps and
        programs that nothing holds at all are freed.
        """
        if self.closed:
            return
        self.closed = True
        for ops in self.struct_ops.values():  # the kernel unregisters what the object's fds held
            if ops.link is not None:
                ops.link.detach()
        for name in list(self.maps):
            self.maps[name].close()
        for program in self.programs.values():
            self._runtime._release_program(program)
        self._runtime._objects.discard(self)

    def __enter__(self) -> Object:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
