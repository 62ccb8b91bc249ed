"""Program arrays (``BPF_MAP_TYPE_PROG_ARRAY``): the jump tables of ``bpf_tail_call``."""

from __future__ import annotations

from typing import ClassVar, final

from ._errors import EBADF, MapError
from ._fd_array import FdArrayMap
from ._types import MapType

__all__ = ["ProgArray"]


@final
class ProgArray(FdArrayMap):
    """An array of programs. Values are whatever program objects the runtime stores: pybpf
    does not look inside them."""

    type: ClassVar[MapType] = MapType.PROG_ARRAY

    def _accept(self, operation: str, value: object) -> object:
        if value is None:
            raise MapError(operation, EBADF, "no program given")
        return value

    def lookup_program(self, index: int) -> object | None:
        """The program a tail call to ``index`` jumps to, or None (the call falls through)."""
        if not 0 <= index < self.max_entries:
            return None
        return self._objects[index]
