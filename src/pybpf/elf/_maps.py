"""BTF-defined maps: the variables of the ``.maps`` section, described by their BTF types.

A map definition is a struct whose members only carry types (``bpf_helpers.h``)::

    __uint(name, val)   int (*name)[val]           a number, as an array dimension
    __type(name, val)   typeof(val) *name          a key or value type, as a pointee
    __array(name, val)  typeof(val) *name[]        the inner map or program type of "values"
    __ulong(name, val)  enum { ... = val } name    a 64-bit number (map_extra)

The fields are those libbpf's ``parse_btf_map_def`` accepts; anything else is an error, as in
libbpf's strict mode. The ``values`` member of a map-in-map or program array may be
initialised with pointers to maps or programs; those become relocations in ``.rel.maps``,
read by :func:`apply_initial_values`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .._spec import MapSpec, Pinning
from ..btf import (
    Array,
    BtfError,
    Datasec,
    Enum,
    Enum64,
    FuncProto,
    Linkage,
    Member,
    Ptr,
    Spec,
    Struct,
    Var,
)
from ._errors import ElfError
from ._file import ObjectFile, Relocation, Section, Symbol

__all__ = ["DeclaredMap", "apply_initial_values", "btf_maps"]

MAP_TYPE_PROG_ARRAY = 3
MAP_TYPE_ARRAY_OF_MAPS = 12
MAP_TYPE_HASH_OF_MAPS = 13
MAX_MAP_TYPE = 33  # BPF_MAP_TYPE_ARENA, the last in the UAPI enum
R_BPF_64_ABS64 = 2
_POINTER_SIZE = 8
_INT_FIELDS = ("type", "max_entries", "map_flags", "numa_node", "key_size", "value_size")


@dataclass(frozen=True, slots=True)
class DeclaredMap:
    """A BTF-defined map and where its variable lies in ``.maps``.

    ``values_offset`` is the byte offset of the ``values`` member in the variable, for maps
    that have one.
    """

    spec: MapSpec
    offset: int
    size: int
    values_offset: int | None


@dataclass
class _Def:
    """The fields of one definition as they are read, before they become a :class:`MapSpec`."""

    name: str
    type: int = 0
    key_size: int = 0
    value_size: int = 0
    max_entries: int = 0
    flags: int = 0
    pinning: Pinning = Pinning.NONE
    key_type_id: int = 0
    value_type_id: int = 0
    map_extra: int = 0
    inner: MapSpec | None = None
    values_offset: int | None = None

    def spec(self) -> MapSpec:
        """The finished spec, once the map type is known to be one the kernel has."""
        if self.type == 0:
            raise ElfError(f"map '{self.name}': map type is not specified")
        if self.type > MAX_MAP_TYPE:
            raise ElfError(f"map '{self.name}': unknown map type {self.type}")
        return MapSpec(
            name=self.name,
            type=self.type,
            key_size=self.key_size,
            value_size=self.value_size,
            max_entries=self.max_entries,
            flags=self.flags,
            pinning=self.pinning,
            key_type_id=self.key_type_id,
            value_type_id=self.value_type_id,
            map_extra=self.map_extra,
            inner=self.inner,
        )


def btf_maps(btf: Spec, section: Section) -> list[DeclaredMap]:
    """The maps declared in ``section`` (``.maps``), in offset order.

    Raises:
        ElfError: if the BTF has no DATASEC for the section, or a definition is malformed.
    """
    found = btf.types_by_name(section.name, Datasec)
    if not found:
        raise ElfError(f"section '.BTF': no DATASEC '{section.name}'")
    maps = []
    for secinfo in found[0].vars:
        var = btf.type_by_id(secinfo.type)
        assert isinstance(var, Var)  # Spec checks that a DATASEC holds only variables
        if not var.name:
            raise ElfError(f"section '{section.name}': map at offset {secinfo.offset} has no name")
        if secinfo.offset + secinfo.size > section.size:
            raise ElfError(f"map '{var.name}': ends beyond section '{section.name}'")
        if var.linkage != Linkage.GLOBAL:
            raise ElfError(f"map '{var.name}': unsupported {var.linkage.name.lower()} linkage")
        definition = _parse_def(btf, var.name, var.type, inner=False)
        spec = definition.spec()
        maps.append(DeclaredMap(spec, secinfo.offset, secinfo.size, definition.values_offset))
    return maps


def _parse_def(btf: Spec, name: str, type_id: int, *, inner: bool) -> _Def:
    struct = btf.type_by_id(btf.skip_modifiers(type_id))
    if not isinstance(struct, Struct):
        raise ElfError(f"map '{name}': definition is a {struct.kind.name}, not a STRUCT")
    definition = _Def(name)
    for i, member in enumerate(struct.members):
        if member.name == "values":
            if inner:
                raise ElfError(f"map '{name}': an inner map cannot have values")
            if i != len(struct.members) - 1:
                raise ElfError(f"map '{name}': 'values' must be the last field")
            _values(btf, definition, member)
        elif member.name in ("key", "value"):
            _key_or_value(btf, definition, member)
        elif member.name in _INT_FIELDS:
            _set_size_or_int(definition, member.name, _int_field(btf, name, member))
        elif member.name == "pinning":
            _pinning(btf, definition, member, inner)
        elif member.name == "map_extra":
            definition.map_extra = _long_field(btf, name, member)
        else:
            raise ElfError(f"map '{name}': unknown field '{member.name}'")
    return definition


def _int_field(btf: Spec, map_name: str, member: Member) -> int:
    """A number written as ``int (*name)[value]`` (libbpf's ``get_map_field_int``)."""
    ptr = btf.type_by_id(btf.skip_modifiers(member.type))
    array = btf.type_by_id(ptr.type) if isinstance(ptr, Ptr) else None
    if not isinstance(array, Array):
        raise ElfError(f"map '{map_name}': field '{member.name}' is not __uint()")
    return array.nelems


def _long_field(btf: Spec, map_name: str, member: Member) -> int:
    """A number written as ``__ulong`` (an enum whose one value it is) or as ``__uint``."""
    t = btf.type_by_id(btf.skip_modifiers(member.type))
    if isinstance(t, (Enum, Enum64)) and t.values:
        return t.values[0].value
    return _int_field(btf, map_name, member)


def _set_size_or_int(definition: _Def, field: str, value: int) -> None:
    if field in ("key_size", "value_size"):
        _set_size(definition, field, value)
    elif field == "map_flags":
        definition.flags = value
    elif field != "numa_node":  # numa_node only places memory, which pybpf has no say in
        setattr(definition, field, value)


def _set_size(definition: _Def, field: str, size: int) -> None:
    """Set ``key_size`` or ``value_size``, which two fields may give, if they agree."""
    current = getattr(definition, field)
    if current and current != size:
        what = field.replace("_", " ")
        raise ElfError(f"map '{definition.name}': conflicting {what} {current} != {size}")
    setattr(definition, field, size)


def _key_or_value(btf: Spec, definition: _Def, member: Member) -> None:
    """``__type(key, T)``: a pointer to the key (or value) type, which also gives the size."""
    ptr = btf.type_by_id(member.type)
    if not isinstance(ptr, Ptr):
        raise ElfError(f"map '{definition.name}': field '{member.name}' is not __type()")
    try:
        size = btf.resolve_size(ptr.type)
    except BtfError as exc:
        raise ElfError(f"map '{definition.name}': {member.name}: {exc}") from exc
    _set_size(definition, f"{member.name}_size", size)
    setattr(definition, f"{member.name}_type_id", ptr.type)


def _pinning(btf: Spec, definition: _Def, member: Member, inner: bool) -> None:
    if inner:
        raise ElfError(f"map '{definition.name}': an inner map cannot be pinned")
    value = _int_field(btf, definition.name, member)
    if value not in (Pinning.NONE, Pinning.BY_NAME):
        raise ElfError(f"map '{definition.name}': invalid pinning value {value}")
    definition.pinning = Pinning(value)


def _values(btf: Spec, definition: _Def, member: Member) -> None:
    """``__array(values, T)``: the inner map definition, or a function type for programs."""
    map_in_map = definition.type in (MAP_TYPE_ARRAY_OF_MAPS, MAP_TYPE_HASH_OF_MAPS)
    if not map_in_map and definition.type != MAP_TYPE_PROG_ARRAY:
        raise ElfError(f"map '{definition.name}': only map-in-map and program arrays have values")
    _set_size(definition, "value_size", 4)
    definition.values_offset = member.bit_offset // 8
    array = btf.type_by_id(member.type)
    element = btf.type_by_id(btf.skip_modifiers(array.type)) if isinstance(array, Array) else None
    if not isinstance(array, Array) or array.nelems or not isinstance(element, Ptr):
        raise ElfError(f"map '{definition.name}': field 'values' is not __array()")
    target = btf.type_by_id(btf.skip_modifiers(element.type))
    if not map_in_map:
        if not isinstance(target, FuncProto):
            raise ElfError(f"map '{definition.name}': program array values are not functions")
        return
    inner = _parse_def(btf, f"{definition.name}.inner", target.id, inner=True)
    definition.inner = inner.spec()


def apply_initial_values(
    maps: list[DeclaredMap],
    section: Section,
    relocations: tuple[Relocation, ...],
    obj: ObjectFile,
    programs: Mapping[str, tuple[int, int]],
) -> list[MapSpec]:
    """The specs of ``maps`` with ``init`` filled in from the relocations of ``.maps``.

    ``programs`` gives the section index and offset of each entry program, which is what a
    program array may point at.

    Raises:
        ElfError: if a relocation does not point from the ``values`` of a map-in-map or program
            array to a map or an entry program.
    """
    init: dict[str, dict[int, str]] = {m.spec.name: {} for m in maps}
    for i, relocation in enumerate(relocations):
        where = f"section '{section.name}': relocation {i}"
        if relocation.type != R_BPF_64_ABS64:
            raise ElfError(f"{where}: unsupported type {relocation.type}")
        if relocation.symbol >= len(obj.symbols):
            raise ElfError(f"{where}: symbol index {relocation.symbol} out of range")
        symbol = obj.symbols[relocation.symbol]
        declared = _map_at(maps, relocation.offset, where)
        slot = _slot(declared, relocation.offset, where)
        _check_target(declared.spec, symbol, section.index, programs, init.keys(), where)
        init[declared.spec.name][slot] = symbol.name
    return [
        dataclasses.replace(m.spec, init=dict(sorted(init[m.spec.name].items())))
        if init[m.spec.name]
        else m.spec
        for m in maps
    ]


def _map_at(maps: list[DeclaredMap], offset: int, where: str) -> DeclaredMap:
    for m in maps:
        if m.offset <= offset and offset + _POINTER_SIZE <= m.offset + m.size:
            return m
    raise ElfError(f"{where}: no map at offset {offset}")


def _slot(declared: DeclaredMap, offset: int, where: str) -> int:
    start = declared.values_offset
    if start is None:
        raise ElfError(f"{where}: map '{declared.spec.name}' has no values")
    position = offset - declared.offset - start
    if position < 0 or position % _POINTER_SIZE:
        raise ElfError(f"{where}: offset {offset} is not a slot of '{declared.spec.name}'")
    return position // _POINTER_SIZE


def _check_target(
    spec: MapSpec,
    symbol: Symbol,
    maps_section: int,
    programs: Mapping[str, tuple[int, int]],
    map_names: Collection[str],
    where: str,
) -> None:
    """Check that a map-in-map points to a map, and a program array to an entry program."""
    if spec.type == MAP_TYPE_PROG_ARRAY:
        if programs.get(symbol.name) != (symbol.shndx, symbol.value):
            raise ElfError(f"{where}: '{symbol.name}' is not an entry-point program")
    elif symbol.shndx != maps_section or symbol.name not in map_names:
        raise ElfError(f"{where}: '{symbol.name}' is not a BTF-defined map")
    elif spec.type == MAP_TYPE_HASH_OF_MAPS and spec.key_size != 4:
        raise ElfError(f"{where}: hash of maps '{spec.name}' needs 4-byte keys")
