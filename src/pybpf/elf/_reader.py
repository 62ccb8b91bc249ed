"""Reading an object file into a :class:`CollectionSpec`, the way libbpf opens one.

The steps follow ``bpf_object__open``: check the ELF header, read the license and version,
parse the BTF (and fill in what clang leaves to the loader), declare the BTF-defined maps and
then the global-data maps, find the functions and resolve their relocations, and finally link
each program with the subprograms it uses.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from .._spec import CollectionSpec, MapSpec, ProgramSpec
from ..btf import BtfError, ExtInfo, Spec, parse_btf, parse_btf_ext
from ._btf import fix_btf
from ._data import OBJ_NAME_LEN, data_maps
from ._errors import ElfError
from ._externs import kconfig_map, read_externs
from ._file import ObjectFile, read_object
from ._linker import link
from ._maps import DeclaredMap, apply_initial_values, btf_maps
from ._relocations import Function, read_functions
from ._sections import section_program_type
from ._struct_ops import created, struct_ops_maps, with_struct_ops

__all__ = ["load_collection", "object_name"]

LICENSE_LEN = 64  # bpf_object.license, with the terminating NUL
MAPS = ".maps"


def load_collection(
    source: str | os.PathLike[str] | bytes, name: str | None = None
) -> CollectionSpec:
    """Read a BPF object file (as clang or ziglang write them) into a collection spec.

    Args:
        source: the path of the file, or its contents.
        name: the object name, which prefixes the names of global-data maps; by default the
            file name up to its first dot (``t`` for ``t.bpf.o``), or ``""`` for contents.

    Raises:
        ElfError: if the file is malformed or uses what pybpf does not support.
        OSError: if the file cannot be read.
    """
    if isinstance(source, bytes):
        data, file_name = source, ""
    else:
        data, file_name = Path(source).read_bytes(), Path(source).name
    return _read(read_object(data), object_name(file_name, name))


def object_name(file_name: str, name: str | None = None) -> str:
    """The object name libbpf derives: ``name`` if given, else ``file_name`` up to its first
    dot; either cut to 15 characters (``BPF_OBJ_NAME_LEN``) first."""
    if name is not None:
        return name[: OBJ_NAME_LEN - 1]
    return file_name[: OBJ_NAME_LEN - 1].split(".", 1)[0]


def _read(obj: ObjectFile, obj_name: str) -> CollectionSpec:
    if obj.section("maps") is not None:
        raise ElfError("legacy map definitions in 'maps' section are not supported")
    license = _license(obj)
    btf = _btf(obj)
    maps_section = obj.section(MAPS)
    declared = _declared_maps(obj, btf)
    data = data_maps(obj, obj_name, btf)
    externs = read_externs(obj, btf)
    kconfig = kconfig_map(obj_name, externs, btf)
    functions = read_functions(
        obj,
        maps_section=None if maps_section is None else maps_section.index,
        maps={m.offset: m.spec.name for m in declared},
        data={index: spec.name for index, spec in data.items()},
        externs=externs,
        kconfig=None if kconfig is None else kconfig.name,
    )
    ext = _ext(obj, btf)
    if ext is not None:
        functions = [_with_core_relos(f, ext) for f in functions]
    entry_points = {f.name: (f.section.index, f.offset) for f in functions if not f.is_subprogram}
    if maps_section is not None and declared:
        relocations = obj.relocations.get(maps_section.index, ())
        maps = apply_initial_values(declared, maps_section, relocations, obj, entry_points)
    else:
        maps = [m.spec for m in declared]
    struct_ops = struct_ops_maps(obj, btf, functions)
    return CollectionSpec(
        name=obj_name,
        maps=_by_name([*maps, *created(struct_ops), *data.values(), *([kconfig] if kconfig else [])]),
        programs=with_struct_ops(_programs(functions, license), struct_ops),
        license=license,
        btf=btf,
        ext=ext,
        kernel_version=_kernel_version(obj),
        externs=externs,
    )


def _license(obj: ObjectFile) -> str:
    """The ``license`` section up to its NUL, cut where libbpf's 64-byte copy cuts it."""
    section = obj.section("license")
    if section is None:
        return ""
    text = section.data[: LICENSE_LEN - 1].split(b"\0", 1)[0]
    return text.decode("utf-8", "replace")


def _kernel_version(obj: ObjectFile) -> int:
    section = obj.section("version")
    if section is None:
        return 0
    if len(section.data) != 4:
        raise ElfError(f"section 'version': {len(section.data)} bytes, expected 4")
    return int.from_bytes(section.data, obj.byte_order)


def _btf(obj: ObjectFile) -> Spec | None:
    section = obj.section(".BTF")
    if section is None:
        if obj.section(MAPS) is not None:
            raise ElfError("missing .BTF section: BTF-defined maps need BTF")
        return None
    try:
        spec = parse_btf(section.data)
    except BtfError as exc:
        raise ElfError(f"section '.BTF': {exc}") from exc
    return fix_btf(spec, obj)


def _ext(obj: ObjectFile, btf: Spec | None) -> ExtInfo | None:
    section = obj.section(".BTF.ext")
    if section is None or btf is None:
        return None
    try:
        return parse_btf_ext(section.data, btf)
    except BtfError as exc:
        raise ElfError(f"section '.BTF.ext': {exc}") from exc


def _with_core_relos(function: Function, ext: ExtInfo) -> Function:
    """The function with the CO-RE relocations of its instructions, by PC within it."""
    end = function.offset + sum(insn.width for insn in function.insns) * 8
    relos = tuple(
        ((r.insn_off - function.offset) // 8, r)
        for r in ext.core_relos.get(function.section.name, ())
        if function.offset <= r.insn_off < end
    )
    return dataclasses.replace(function, core_relos=relos) if relos else function


def _declared_maps(obj: ObjectFile, btf: Spec | None) -> list[DeclaredMap]:
    section = obj.section(MAPS)
    if section is None or btf is None:
        return []
    return btf_maps(btf, section)


def _by_name(maps: Iterable[MapSpec]) -> dict[str, MapSpec]:
    by_name: dict[str, MapSpec] = {}
    for spec in maps:
        if spec.name in by_name:
            raise ElfError(f"map '{spec.name}': more than one map has this name")
        by_name[spec.name] = spec
    return by_name


def _programs(functions: list[Function], license: str) -> Mapping[str, ProgramSpec]:
    text = {f.name: f for f in functions if f.is_subprogram}
    programs = {}
    for function in functions:
        if function.is_subprogram:
            continue
        kind = section_program_type(function.section.name)
        linked = link(function, text)
        programs[function.name] = ProgramSpec(
            name=function.name,
            section=kind.section,
            type=kind.prog_type,
            instructions=linked.instructions,
            license=license,
            attach_type=kind.attach_type,
            attach_to=kind.attach_to,
            autoload=kind.autoload,
            sleepable=kind.sleepable,
            map_refs=linked.map_refs,
            subprograms=linked.subprograms,
            subprogram_offsets=linked.text_offsets,
            externs=linked.externs,
            core_relos=linked.core_relos,
        )
    return programs
