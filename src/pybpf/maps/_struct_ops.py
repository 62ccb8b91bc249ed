"""``BPF_MAP_TYPE_STRUCT_OPS``: the one-element map whose value is a kernel struct of function
pointers implemented by BPF programs (``kernel/bpf/bpf_struct_ops.c``).

The value is the kernel's ``struct bpf_struct_ops_<name>``: an 8-byte common header (reference
count and state) and, cache-line aligned at byte 64, the struct itself. Writing the value is how
user space registers the struct with the kernel subsystem; the runtime does that on attach, so
the map here only holds the bytes and refuses what the kernel refuses of its shape.
"""

from __future__ import annotations

from typing import ClassVar, final

from ._array import ArrayBase
from ._errors import EINVAL, MapError
from ._types import MapType

__all__ = ["BPF_F_LINK", "STRUCT_OPS_DATA_OFFSET", "StructOpsMap", "struct_ops_value_size"]

BPF_F_LINK = 0x2000  #: registered through a link rather than by the update itself
STRUCT_OPS_DATA_OFFSET = 64  #: where ``data`` starts in ``bpf_struct_ops_<name>`` (a cache line)


def struct_ops_value_size(struct_size: int) -> int:
    """The size of ``bpf_struct_ops_<name>`` for a struct of ``struct_size`` bytes."""
    return STRUCT_OPS_DATA_OFFSET + -(-struct_size // STRUCT_OPS_DATA_OFFSET) * STRUCT_OPS_DATA_OFFSET


@final
class StructOpsMap(ArrayBase):
    """``BPF_MAP_TYPE_STRUCT_OPS``: 4-byte key, exactly one element, flags ``BPF_F_LINK`` only."""

    type: ClassVar[MapType] = MapType.STRUCT_OPS
    _create_flags: ClassVar[int] = BPF_F_LINK
    #: the struct's function-pointer members, which the kernel keeps a link and a symbol for
    #: (its memlock counts them); the loader sets it from the struct's BTF
    funcs = 0

    def _check_attrs(self) -> None:
        if self.key_size != 4 or self.max_entries != 1:
            raise MapError("create", EINVAL, "struct_ops maps have a 4-byte key and exactly one element")
        self._check_value_size()
