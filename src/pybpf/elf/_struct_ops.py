"""``.struct_ops`` variables: the maps that hand a kernel struct of function pointers to BPF
programs, as libbpf reads them (``bpf_object__init_struct_ops_maps`` and the collection of the
section's relocations).

Each variable of a ``.struct_ops`` or ``.struct_ops.link`` section (the latter's maps are
created with ``BPF_F_LINK``, to be attached through a link) becomes a
``BPF_MAP_TYPE_STRUCT_OPS`` map named after the variable, of one element; a leading ``?``
(``SEC("?.struct_ops")``) turns the map's creation off. A relocation at a function-pointer
member names the program that implements that member; that program's section must be a
``struct_ops`` one. A program only maps that are not created use does not load; one no map
uses keeps its autoload (``bpf_object_adjust_struct_ops_autoload``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from .._spec import MapSpec, ProgramSpec, ProgType, StructOpsSpec
from ..btf import Datasec, FuncProto, Ptr, Spec, Struct, Var
from ._errors import ElfError
from ._file import ObjectFile, Section
from ._relocations import Function

__all__ = ["BPF_F_LINK", "MAP_TYPE_STRUCT_OPS", "created", "is_struct_ops_section", "struct_ops_maps", "with_struct_ops"]

MAP_TYPE_STRUCT_OPS = 26
BPF_F_LINK = 0x2000  #: the map is registered through a link (``.struct_ops.link``)
_LINK_SECTION = ".struct_ops.link"
_SKIPPED = "?"  #: the ``section`` of a struct_ops map that is not created


def is_struct_ops_section(name: str) -> bool:
    """Whether libbpf reads a data section as struct_ops variables."""
    name = name.removeprefix("?")
    return name == ".struct_ops" or name.startswith(".struct_ops.")


def struct_ops_maps(obj: ObjectFile, btf: Spec | None, functions: Sequence[Function]) -> list[MapSpec]:
    """The struct_ops maps the object declares, with the program of each member it sets;
    those of ``?`` sections, which are not created, have the ``skipped`` section ``"?"``.

    Raises:
        ElfError: a section without BTF, a variable that is no struct, or a relocation libbpf
            refuses (not at a function pointer, not to a struct_ops program).
    """
    out: list[MapSpec] = []
    for section in obj.sections:
        if not is_struct_ops_section(section.name) or section.executable:
            continue
        if btf is None:
            raise ElfError(f"struct_ops: section {section.name} needs BTF")
        out.extend(_section_maps(obj, btf, section, functions))
    return out


def _section_maps(obj: ObjectFile, btf: Spec, section: Section, functions: Sequence[Function]) -> list[MapSpec]:
    datasecs = btf.types_by_name(section.name, Datasec)
    if not datasecs:
        raise ElfError(f"struct_ops: section {section.name} has no DATASEC in BTF")
    by_offset = {(f.section.index, f.offset): f for f in functions}
    relocations = obj.relocations.get(section.index, ())
    maps = []
    symbols = {s.name: s for s in obj.symbols if s.shndx == section.index and s.type == "STT_OBJECT"}
    for info in datasecs[0].vars:
        var = btf.type_by_id(info.type)
        if not isinstance(var, Var):
            continue
        struct = btf.type_by_id(btf.skip_modifiers(var.type))
        if not isinstance(struct, Struct):
            raise ElfError(f"struct_ops init: {var.name} is not a struct")
        start = symbols[var.name].value if var.name in symbols else info.offset
        programs: dict[str, str] = {}
        for relo in relocations:
            if start <= relo.offset < start + struct.size:
                member, prog = _relocated_member(obj, btf, var.name, struct, relo.offset - start, relo.symbol, by_offset)
                programs[member] = prog
        data = section.data[start : start + struct.size].ljust(struct.size, b"\0")
        maps.append(MapSpec(
            name=var.name, type=MAP_TYPE_STRUCT_OPS, key_size=4, value_size=struct.size, max_entries=1,
            flags=BPF_F_LINK if section.name.removeprefix("?") == _LINK_SECTION else 0, value_type_id=struct.id,
            data=data, section=_SKIPPED if section.name.startswith("?") else None,
            struct_ops=StructOpsSpec(struct.name, struct.id, programs),
        ))
    return maps


def _relocated_member(
    obj: ObjectFile, btf: Spec, map_name: str, struct: Struct, moff: int, symbol: int,
    functions: Mapping[tuple[int, int], Function],
) -> tuple[str, str]:
    """The member a relocation of the variable patches, and the program it names."""
    member = next((m for m in struct.members if m.bit_offset == moff * 8), None)
    if member is None:
        raise ElfError(f"struct_ops reloc {map_name}: cannot find member at moff {moff}")
    target = btf.type_by_id(btf.skip_modifiers(member.type))
    if not (isinstance(target, Ptr) and isinstance(btf.type_by_id(btf.skip_modifiers(target.type)), FuncProto)):
        raise ElfError(f"struct_ops reloc {map_name}: cannot relocate non func ptr {member.name}")
    sym = obj.symbols[symbol] if 0 <= symbol < len(obj.symbols) else None
    func = functions.get((sym.shndx, sym.value)) if sym is not None else None
    if func is None or sym is None:
        shndx = sym.shndx if sym is not None else 0
        raise ElfError(f"struct_ops reloc {map_name}: cannot find prog at shdr_idx {shndx} to relocate func ptr"
                       f" {member.name}")
    if func.is_subprogram or not func.section.name.removeprefix("?").startswith("struct_ops"):
        raise ElfError(f"struct_ops reloc {map_name}: prog {func.name} is not struct_ops BPF program")
    return member.name, func.name


def created(maps: Sequence[MapSpec]) -> list[MapSpec]:
    """The struct_ops maps that are created (not from a ``?`` section)."""
    return [m for m in maps if m.section != _SKIPPED]


def with_struct_ops(programs: Mapping[str, ProgramSpec], maps: Sequence[MapSpec]) -> dict[str, ProgramSpec]:
    """The programs, each struct_ops one given its place (struct and member) from the maps
    that use it, and one that only maps not created use set not to load.

    Raises:
        ElfError: one program set as members of two different structs or members, which the
            kernel cannot load once for both (it fixes one ``attach_btf_id`` and member index).
    """
    places: dict[str, tuple[str, str]] = {}
    wanted = {prog for m in created(maps) for prog in m.struct_ops.programs.values()}  # type: ignore[union-attr]
    for m in maps:
        assert m.struct_ops is not None
        for member, prog in m.struct_ops.programs.items():
            place = (m.struct_ops.type_name, member)
            if places.setdefault(prog, place) != place:
                raise ElfError(
                    f"struct_ops init_kern {m.name} func ptr {member}: invalid reuse of prog {prog}:"
                    f" it implements {places[prog][0]}.{places[prog][1]}"
                )
    out = dict(programs)
    for name, p in programs.items():
        if p.type == ProgType.STRUCT_OPS:
            used = places.get(name)
            out[name] = dataclasses.replace(p, struct_ops=used, autoload=p.autoload and (used is None or name in wanted))
    return out
