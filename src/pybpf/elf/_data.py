"""Global variables: the data sections that become single-element array maps, and their BTF.

libbpf turns each non-empty ``.data``, ``.rodata``, ``.bss`` section (and the custom
``.data.*``, ``.rodata.*``, ``.bss.*`` ones, string literals' ``.rodata.str1.1`` among them)
into an ``ARRAY`` map with one element whose value is the whole section
(``bpf_object__init_internal_map``). Its name is built from the object name and the section
name by ``internal_map_name``, its value type is the section's ``DATASEC``.

A section is mapped into user space (``BPF_F_MMAPABLE``) when one of its variables is global,
after :func:`fix_btf` has made hidden ones static.
"""

from __future__ import annotations

from .._spec import MapSpec
from ..btf import Datasec, Linkage, Spec, Var
from ._errors import ElfError
from ._file import ObjectFile, Section

__all__ = ["MAP_TYPE_ARRAY", "data_maps", "internal_map_name", "is_data_section"]

MAP_TYPE_ARRAY = 2
BPF_F_RDONLY_PROG = 0x80
BPF_F_MMAPABLE = 0x400
OBJ_NAME_LEN = 16  # BPF_OBJ_NAME_LEN, with the terminating NUL
MAX_DATA_SIZE = 1 << 28
"""The largest ``.bss`` section read; ``SHT_NOBITS`` costs nothing in the file, so its size is
the one number a corrupt object could use to make the reader allocate without bound. The
kernel accepts far smaller array values (``KMALLOC_MAX_SIZE``)."""

_DATA_PREFIXES = {"SHT_PROGBITS": (".data", ".rodata"), "SHT_NOBITS": (".bss",)}


def is_data_section(section: Section) -> bool:
    """Whether libbpf makes a global-data map of the section (if it is not empty)."""
    prefixes = _DATA_PREFIXES.get(section.type, ())
    return not section.executable and any(
        section.name == p or section.name.startswith(p + ".") for p in prefixes
    )


def internal_map_name(obj_name: str, section: str) -> str:
    """The kernel-visible name libbpf gives the map of a data section.

    Up to 8 characters of the object name and the section name, 15 characters in all, with
    the section name counted as at least 7 long (so ``t2_bitfield`` and ``.bss`` give
    ``t2_bitfi.bss``); a section name with a second dot (``.rodata.str1.1``) is used alone.
    Characters the kernel refuses in names become ``_``.
    """
    suffix_len = min(max(7, len(section)), OBJ_NAME_LEN - 1)
    prefix_len = 0 if "." in section[1:] else min(OBJ_NAME_LEN - 1 - suffix_len, len(obj_name))
    name = obj_name[:prefix_len] + section[:suffix_len]
    return "".join(c if c.isascii() and (c.isalnum() or c in "._") else "_" for c in name)


def data_maps(obj: ObjectFile, obj_name: str, btf: Spec | None) -> dict[int, MapSpec]:
    """The global-data maps of the object, keyed by the index of their section.

    Raises:
        ElfError: if a ``.bss`` section is larger than :data:`MAX_DATA_SIZE`.
    """
    return {
        section.index: _data_map(section, obj_name, btf)
        for section in obj.sections
        if section.size and is_data_section(section)
    }


def _data_map(section: Section, obj_name: str, btf: Spec | None) -> MapSpec:
    if section.size > MAX_DATA_SIZE:
        raise ElfError(f"section '{section.name}': size {section.size} is too large")
    datasec = _datasec(btf, section.name)
    flags = BPF_F_RDONLY_PROG if section.name.startswith(".rodata") else 0
    if datasec is not None and btf is not None and _has_global_vars(btf, datasec):
        flags |= BPF_F_MMAPABLE
    return MapSpec(
        name=internal_map_name(obj_name, section.name),
        type=MAP_TYPE_ARRAY,
        key_size=4,
        value_size=section.size,
        max_entries=1,
        flags=flags,
        value_type_id=0 if datasec is None else datasec.id,
        data=section.data or bytes(section.size),
        section=section.name,
    )


def _datasec(btf: Spec | None, name: str) -> Datasec | None:
    """The section's DATASEC; string literal sections such as ``.rodata.str1.1`` have none."""
    found = btf.types_by_name(name, Datasec) if btf is not None else ()
    return found[0] if found else None


def _has_global_vars(btf: Spec, datasec: Datasec) -> bool:
    """Whether any variable is visible to user space, which makes libbpf map the section."""
    return any(_var(btf, v.type).linkage != Linkage.STATIC for v in datasec.vars)


def _var(btf: Spec, type_id: int) -> Var:
    var = btf.type_by_id(type_id)
    assert isinstance(var, Var)  # Spec checks that a DATASEC holds only variables
    return var
