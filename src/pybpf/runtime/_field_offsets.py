"""Which special fields (``bpf_timer``, ``bpf_wq``, ``bpf_spin_lock``) a map value has, and where
its timer and spin lock sit, as the runtime's release sees them.

The BTF package's :meth:`~pybpf.btf.Spec.find_special_fields` finds them as the kernel has since
6.11, inside nested structs and arrays too; before, only the value's own members (or a section's
variables) counted. Since 6.2 the kernel keeps the fields in one ``btf_record``. Before, it kept
one offset per kind, with a negative errno in its place when there was none: ``-ENOENT`` for no
such member, ``-E2BIG`` for two, ``-EINVAL`` for a misaligned one or a value that is not a
struct. The verifier's messages said which, so the offsets here carry the reason (the codes
:class:`pybpf.verifier.MapInfo` documents).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..btf import Datasec, Spec, SpecialField, Struct, Type, Var

__all__ = ["field_offset", "legacy_field_offset", "top_level_fields"]

NONE, MORE_THAN_ONE, MANGLED = -1, -2, -3
_SHAPE = {"bpf_timer": (16, 8), "bpf_spin_lock": (4, 4)}  # size, alignment


def field_offset(offsets: Sequence[int]) -> int:
    """The one offset of a kind among a ``btf_record``'s fields, or why there is none."""
    if not offsets:
        return NONE
    return offsets[0] if len(offsets) == 1 else MORE_THAN_ONE


def top_level_fields(btf: Spec, type_id: int, fields: Sequence[SpecialField]) -> tuple[SpecialField, ...]:
    """The ``fields`` that are the value's own members (or a section's variables), not inside a
    nested struct or an array: all the kernel found before 6.11."""
    t = btf.type_by_id(type_id)
    places: set[tuple[str, int]] = set()
    if isinstance(t, Struct):
        for m in t.members:
            member = btf.type_by_id(m.type)
            if isinstance(member, Struct) and not m.bitfield_size and m.bit_offset % 8 == 0:
                places.add((member.name, m.bit_offset // 8))
    elif isinstance(t, Datasec):
        for v in t.vars:
            var = btf.type_by_id(v.type)
            if isinstance(var, Var) and isinstance(inner := btf.type_by_id(var.type), Struct):
                places.add((inner.name, v.offset))
    return tuple(f for f in fields if (f.kind, f.offset) in places)


def legacy_field_offset(btf: Spec, type_id: int, kind: str) -> int:
    """``btf_find_timer``/``btf_find_spin_lock`` of releases before 6.2 (``kind`` names the
    struct): the members (or section variables) whose own type is that struct, in order."""
    size, align = _SHAPE[kind]
    t = btf.type_by_id(type_id)
    places: list[tuple[Type, int]] = []
    if isinstance(t, Struct):
        places = [(btf.type_by_id(m.type), m.bit_offset) for m in t.members]
    elif isinstance(t, Datasec):
        for v in t.vars:
            var = btf.type_by_id(v.type)
            if isinstance(var, Var) and v.size == size:
                places.append((btf.type_by_id(var.type), v.offset * 8))
    else:
        return MANGLED
    found = NONE
    for member, bit_offset in places:
        if not (isinstance(member, Struct) and member.size == size and member.name == kind):
            continue
        if found != NONE:
            return MORE_THAN_ONE
        if bit_offset % 8 or bit_offset // 8 % align:
            return MANGLED
        found = bit_offset // 8
    return found
