"""Global variables: data sections become one-element array maps named and flagged as libbpf does."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pybpf._spec import CollectionSpec
from pybpf.btf import Datasec, Linkage, Var
from pybpf.elf._data import internal_map_name
from pybpf.isa import LDDW, PseudoSrc

ARRAY = 2
RDONLY_PROG, MMAPABLE = 0x80, 0x400

Load = Callable[..., CollectionSpec]


@pytest.mark.parametrize(
    ("obj_name", "section", "expected"),
    [
        ("t", ".bss", "t.bss"),
        ("t2_bitfield", ".bss", "t2_bitfi.bss"),
        ("my_object_name", ".rodata", "my_objec.rodata"),
        ("my_object_name", ".kconfig", "my_obje.kconfig"),
        ("globals", ".data.custom", ".data.custom"),
        ("globals", ".rodata.abracadabra", ".rodata.abracad"),
        ("globals", ".rodata.str1.1", ".rodata.str1.1"),
        ("a-b", ".data", "a_b.data"),
        ("", ".bss", ".bss"),
    ],
)
def test_internal_map_names_follow_libbpf(obj_name: str, section: str, expected: str) -> None:
    assert internal_map_name(obj_name, section) == expected


def test_each_data_section_becomes_an_array_map(load: Load) -> None:
    maps = load("globals").maps
    got = {name: (m.section, hex(m.flags), m.value_size) for name, m in maps.items()}
    assert got == {
        "globals.data": (".data", "0x400", 12),
        "globals.rodata": (".rodata", "0x480", 8),
        ".data.custom": (".data.custom", "0x400", 8),
        ".rodata.custom": (".rodata.custom", "0x480", 4),
        ".data.statics": (".data.statics", "0x0", 8),  # only static variables
        ".data.hidden": (".data.hidden", "0x0", 8),  # hidden globals count as static
        ".rodata.str1.1": (".rodata.str1.1", "0x80", 8),  # string literals: no DATASEC
        "globals.bss": (".bss", "0x400", 16),
        ".bss.big": (".bss.big", "0x400", 32),
    }
    for m in maps.values():
        assert (m.type, m.key_size, m.max_entries, m.key_type_id) == (ARRAY, 4, 1, 0)
        assert m.is_global_data
        assert m.data is not None and len(m.data) == m.value_size
    assert maps[".rodata.custom"].is_readonly and not maps["globals.data"].is_readonly


def test_initial_values_are_the_section_bytes(load: Load) -> None:
    maps = load("globals").maps
    assert maps["globals.data"].data == bytes([7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0])
    assert maps["globals.rodata"].data == (100).to_bytes(8, "little")
    assert maps[".rodata.str1.1"].data == b"literal\0"
    assert maps["globals.bss"].data == bytes(16)


def test_value_type_is_the_fixed_up_datasec(load: Load) -> None:
    spec = load("globals")
    assert spec.btf is not None
    assert spec.maps[".rodata.str1.1"].value_type_id == 0
    data = spec.btf.type_by_id(spec.maps["globals.data"].value_type_id)
    assert isinstance(data, Datasec) and data.name == ".data"
    assert data.size == 12  # clang leaves 0; the loader fills it in
    names = [spec.btf.type_by_id(v.type).name for v in data.vars]
    assert names == ["initialised", "pair"]
    assert [v.offset for v in data.vars] == [0, 4]
    hidden = spec.btf.types_by_name("hidden_global", Var)[0]
    assert hidden.linkage == Linkage.STATIC
    assert spec.btf.types_by_name("counter", Var)[0].linkage == Linkage.GLOBAL


def test_global_references_become_map_value_loads(load: Load) -> None:
    spec = load("globals")
    program = spec.programs["use_globals"]
    assert set(program.map_refs) == set(spec.maps)
    loads = [
        (program.map_refs[insn.imm & 0xFFFFFFFF], insn.imm >> 32)
        for insn in program.instructions
        if insn.opcode == LDDW
    ]
    assert all(
        insn.src == PseudoSrc.MAP_IDX_VALUE for insn in program.instructions if insn.opcode == LDDW
    )
    assert (".rodata.str1.1", 0) in loads
    assert ("globals.data", 4) in loads  # &pair: its symbol's offset in .data
    assert ("globals.bss", 8) in loads  # the static hidden_static, through the section symbol
    assert program.map_refs[0] == ".rodata.str1.1"  # the first one the program names
