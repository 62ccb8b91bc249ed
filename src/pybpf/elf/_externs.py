"""The object's ``extern`` declarations, found as libbpf finds them (``bpf_object__collect_externs``).

An extern is an undefined ELF symbol described by BTF: a ``VAR`` in the ``.kconfig``
``DATASEC`` (``__kconfig``), a ``VAR`` in ``.ksyms`` (a ``__ksym`` kernel variable) or a
``FUNC`` there (a kfunc). Kconfig values share one read-only array map, ``<obj>.kconfig``,
laid out by libbpf's order: by alignment, largest first, then by size, smallest first, then by
name.
"""

from __future__ import annotations

from .._spec import ExternKind, ExternSpec, MapSpec
from ..btf import Array as BtfArray
from ..btf import BtfError, Datasec, Enum, Func, Int, Spec, Type, Var
from ._data import MAP_TYPE_ARRAY, internal_map_name
from ._errors import ElfError
from ._file import ObjectFile

__all__ = ["KCONFIG", "kconfig_map", "read_externs"]

KCONFIG = ".kconfig"
KSYMS = ".ksyms"
BPF_F_RDONLY_PROG = 1 << 7
BPF_F_MMAPABLE = 1 << 10


def read_externs(obj: ObjectFile, btf: Spec | None) -> dict[str, ExternSpec]:
    """Every extern the object's instructions may name, by name.

    Raises:
        ElfError: an undefined symbol without BTF, or a kconfig value of a type libbpf cannot
            fill (what libbpf refuses with "failed to find BTF" or "type is unsupported").
    """
    undefined = {s.name: s for s in obj.symbols if s.shndx == 0 and s.name and s.bind in ("STB_GLOBAL", "STB_WEAK")}
    if not undefined:
        return {}
    if btf is None:
        raise ElfError(f"extern '{next(iter(undefined))}': externs need BTF")
    described = _described(btf)
    externs: dict[str, ExternSpec] = {}
    kconfig: list[tuple[int, int, str, ExternSpec]] = []
    for name, symbol in undefined.items():
        found = described.get(name)
        if found is None:
            raise ElfError(f"extern '{name}': failed to find BTF for it")
        section, t = found
        weak = symbol.bind == "STB_WEAK"
        if isinstance(t, Func):
            externs[name] = ExternSpec(name, ExternKind.KFUNC, weak, t.type)
        elif section == KSYMS:
            assert isinstance(t, Var)
            externs[name] = ExternSpec(name, ExternKind.KSYM, weak, t.type, size=_size(btf, t.type))
        else:
            assert isinstance(t, Var)
            size, align = _kconfig_shape(btf, t)
            kconfig.append((-align, size, name, ExternSpec(name, ExternKind.KCONFIG, weak, t.type, size=size)))
    offset = 0
    for neg_align, size, name, spec in sorted(kconfig, key=lambda k: k[:3]):
        offset = (offset + -neg_align - 1) // -neg_align * -neg_align
        externs[name] = ExternSpec(name, spec.kind, spec.weak, spec.type_id, offset, size)
        offset += size
    return externs


def kconfig_map(obj_name: str, externs: dict[str, ExternSpec], btf: Spec | None) -> MapSpec | None:
    """The ``.kconfig`` map of the object's kconfig externs (zeros until the loader fills it),
    or None when it has none."""
    values = [e for e in externs.values() if e.kind == ExternKind.KCONFIG]
    if not values:
        return None
    size = max(e.offset + e.size for e in values)
    return MapSpec(
        name=internal_map_name(obj_name, KCONFIG),
        type=MAP_TYPE_ARRAY,
        key_size=4,
        value_size=size,
        max_entries=1,
        flags=BPF_F_RDONLY_PROG | BPF_F_MMAPABLE,
        data=bytes(size),
        section=KCONFIG,
    )


def _described(btf: Spec) -> dict[str, tuple[str, Type]]:
    """The extern VARs and FUNCs of the ``.kconfig`` and ``.ksyms`` DATASECs, by name."""
    out: dict[str, tuple[str, Type]] = {}
    for section in (KCONFIG, KSYMS):
        for datasec in btf.types_by_name(section, Datasec):
            for v in datasec.vars:
                t = btf.type_by_id(v.type)
                out[t.name] = (section, t)
    return out


def _size(btf: Spec, type_id: int) -> int:
    try:
        return btf.resolve_size(type_id)
    except BtfError:  # a typeless ksym (``extern const void x __ksym``) has no size
        return 0


def _kconfig_shape(btf: Spec, var: Var) -> tuple[int, int]:
    """Size and alignment of a kconfig value: a bool, char, int, enum or char array."""
    t = btf.type_by_id(btf.skip_modifiers(var.type))
    if isinstance(t, BtfArray):
        element = btf.type_by_id(btf.skip_modifiers(t.type))
        if isinstance(element, Int) and element.size == 1:
            return t.nelems, 1
    elif isinstance(t, (Int, Enum)) and t.size in (1, 2, 4, 8):
        return t.size, t.size
    raise ElfError(f"extern (kcfg) '{var.name}': type is unsupported")
