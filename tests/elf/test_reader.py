"""The whole object: names, license, BTF, both byte orders, and malformed files refused cleanly."""

from __future__ import annotations

import dataclasses
import io
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from pybpf._spec import CollectionSpec
from pybpf.elf import ElfError, load_collection
from pybpf.elf._reader import object_name

Build = Callable[..., Path]
SH_TYPE, SH_SIZE, SH_ENTSIZE = 4, 32, 56  # offsets in an Elf64_Shdr


@pytest.mark.parametrize(
    ("file_name", "name", "expected"),
    [
        ("t.bpf.o", None, "t"),
        ("t2_bitfield.bpf.o", None, "t2_bitfield"),
        ("a_rather_long_object_name.o", None, "a_rather_long_o"),
        ("a_rather_long.bpf.o", None, "a_rather_long"),
        ("noext", None, "noext"),
        ("t.bpf.o", "custom.name", "custom.name"),
        ("t.bpf.o", "a_rather_long_object_name", "a_rather_long_o"),
    ],
)
def test_object_name_is_libbpfs(file_name: str, name: str | None, expected: str) -> None:
    assert object_name(file_name, name) == expected


def test_name_argument_and_bytes_input(build: Build) -> None:
    path = build("timer")
    assert load_collection(path).name == "timer"
    named = load_collection(path, name="tdemo")
    assert named.name == "tdemo"
    assert "tdemo.bss" in named.maps
    anonymous = load_collection(path.read_bytes())
    assert anonymous.name == ""
    assert ".bss" in anonymous.maps
    assert anonymous.programs["arm"].map_refs == ("timers", ".bss")
    assert anonymous.programs["arm"].instructions == named.programs["arm"].instructions


def test_btf_and_its_ext_info_are_kept(build: Build) -> None:
    spec = load_collection(build("calls"))
    assert spec.btf is not None and spec.ext is not None
    assert set(spec.ext.func_info) == {".text", "xdp", "tc"}
    assert spec.ext.line_info["xdp"]
    assert spec.license == "GPL" and spec.kernel_version == 0


def _without_byte_order(spec: CollectionSpec) -> tuple[object, ...]:
    maps = {name: dataclasses.replace(m, data=None) for name, m in spec.maps.items()}
    assert spec.btf is not None
    return spec.name, maps, spec.programs, spec.license, spec.btf.types


@pytest.mark.parametrize("source", ["maps", "globals", "calls", "timer", "sections"])
def test_big_endian_objects_give_the_same_spec(build: Build, compiler: str, source: str) -> None:
    little = load_collection(build(source, compiler, "little"))
    big = load_collection(build(source, compiler, "big"))
    assert _without_byte_order(big) == _without_byte_order(little)
    assert big.btf is not None and big.btf.byte_order == "big"
    for name, m in little.maps.items():
        assert m.data is None or len(m.data) == len(big.maps[name].data or b"")


def test_big_endian_data_keeps_its_byte_order(build: Build) -> None:
    maps = load_collection(build("globals", "clang", "big")).maps
    assert maps["globals.data"].data == bytes([0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2])
    assert load_collection(build("sections", "clang", "big")).kernel_version == 0x060100


# Malformed objects: each refused with an ElfError whose whole message is pinned.


def _section(data: bytes, name: str) -> tuple[int, int, int]:
    """(header offset, data offset, size) of a section."""
    elf = ELFFile(io.BytesIO(data))
    for i, s in enumerate(elf.iter_sections()):
        if s.name == name:
            return elf.header.e_shoff + i * 64, s.header.sh_offset, s.header.sh_size
    raise AssertionError(f"no section {name}")


def _symbol_index(data: bytes, name: str) -> int:
    table = ELFFile(io.BytesIO(data)).get_section_by_name(".symtab")
    return next(i for i, s in enumerate(table.iter_symbols()) if s.name == name)


def _patch(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


def _patch_relocation(data: bytes, section: str, index: int, symbol: int, type_: int) -> bytes:
    _, offset, _ = _section(data, section)
    return _patch(data, offset + 16 * index + 8, struct.pack("<Q", symbol << 32 | type_))


def _relocation(data: bytes, section: str, index: int) -> tuple[int, int]:
    _, offset, _ = _section(data, section)
    (info,) = struct.unpack_from("<Q", data, offset + 16 * index + 8)
    return info >> 32, info & 0xFFFFFFFF


def _rename_btf(data: bytes) -> bytes:
    """Rename ``.BTF`` (and ``.BTF.ext``) in the section name table so no BTF is found."""
    elf = ELFFile(io.BytesIO(data))
    names = elf.get_section(elf.header.e_shstrndx).header
    start, end = names.sh_offset, names.sh_offset + names.sh_size
    return data[:start] + data[start:end].replace(b".BTF", b".XTF") + data[end:]


def test_truncated_files_are_refused(build: Build) -> None:
    data = build("timer").read_bytes()
    with pytest.raises(
        ElfError, match=r"^truncated ELF: header reaches byte 64 of a 20-byte file$"
    ):
        load_collection(data[:20])
    with pytest.raises(ElfError, match=r"^truncated ELF: section headers reach"):
        load_collection(data[:1000])
    header, _, _ = _section(data, "fentry/bpf_fentry_test1")
    cut = _patch(data, header + SH_SIZE, struct.pack("<Q", len(data)))  # runs past the end
    with pytest.raises(ElfError, match=r"^truncated ELF: section 'fentry/bpf_fentry_test1' "):
        load_collection(cut)


@pytest.mark.parametrize(
    ("section", "field", "value", "message"),
    [
        ("version", SH_SIZE, 8, r"^section 'version': 8 bytes, expected 4$"),
        (".symtab", SH_TYPE, 1, r"^no symbol table$"),
        (".symtab", SH_ENTSIZE, 12, r"^symbol size 12, expected 24$"),
    ],
    ids=["version-size", "no-symtab", "symbol-size"],
)
def test_malformed_section_headers_are_refused(
    build: Build, section: str, field: int, value: int, message: str
) -> None:
    data = build("sections").read_bytes()
    header, _, _ = _section(data, section)
    size = 4 if field == SH_TYPE else 8
    with pytest.raises(ElfError, match=message):
        load_collection(_patch(data, header + field, value.to_bytes(size, "little")))


@pytest.mark.parametrize(
    ("offset", "new", "message"),
    [
        (0, b"\x7fELG", r"^not an ELF file \(a BPF object from clang -target bpf, or a \.c file, is needed\)$"),
        (4, b"\x01", r"^not a 64-bit ELF file$"),
        (5, b"\x03", r"^unknown ELF byte order 3$"),
        (18, struct.pack("<H", 62), r"^wrong machine: expected BPF \(247\), got 62$"),
        (16, struct.pack("<H", 2), r"^not a relocatable object file \(type 2\)$"),
    ],
    ids=["magic", "class", "byte-order", "machine", "type"],
)
def test_wrong_headers_are_refused(build: Build, offset: int, new: bytes, message: str) -> None:
    data = build("timer").read_bytes()
    with pytest.raises(ElfError, match=message):
        load_collection(_patch(data, offset, new))


def test_relocation_against_a_missing_symbol_is_refused(build: Build) -> None:
    data = _patch_relocation(build("globals").read_bytes(), ".relxdp", 1, 9999, 1)
    with pytest.raises(
        ElfError, match=r"^section 'xdp': relocation 1: symbol index 9999 out of range$"
    ):
        load_collection(data)


def test_relocation_against_a_non_map_symbol_is_refused(build: Build) -> None:
    data = build("globals").read_bytes()
    data = _patch_relocation(data, ".relxdp", 1, _symbol_index(data, "LICENSE"), 1)
    with pytest.raises(
        ElfError, match=r"^section 'xdp': relocation 1: symbol 'LICENSE' is not a map or function$"
    ):
        load_collection(data)


def test_relocation_of_the_wrong_type_is_refused(build: Build) -> None:
    data = build("globals").read_bytes()
    symbol, _ = _relocation(data, ".relxdp", 1)
    data = _patch_relocation(data, ".relxdp", 1, symbol, 3)
    with pytest.raises(
        ElfError, match=r"^section 'xdp': relocation 1: type 3 on lddw, expected 1$"
    ):
        load_collection(data)


def test_call_relocation_outside_text_is_refused(build: Build) -> None:
    data = build("calls").read_bytes()
    _, type_ = _relocation(data, ".relxdp", 0)
    assert type_ == 10  # first() calls global_sub
    data = _patch_relocation(data, ".relxdp", 0, _symbol_index(data, "second"), type_)
    with pytest.raises(
        ElfError,
        match=r"^section 'xdp': relocation 0: call of 'second' is not a call of a \.text function$",
    ):
        load_collection(data)


def test_maps_without_btf_are_refused(build: Build) -> None:
    data = _rename_btf(build("maps").read_bytes())
    with pytest.raises(ElfError, match=r"^missing \.BTF section: BTF-defined maps need BTF$"):
        load_collection(data)


def test_globals_without_btf_still_load(build: Build) -> None:
    spec = load_collection(_rename_btf(build("globals").read_bytes()), name="globals")
    assert spec.btf is None and spec.ext is None
    assert spec.maps["globals.data"].flags == 0  # without BTF nothing says it can be mapped
    assert spec.maps["globals.rodata"].value_type_id == 0


@pytest.mark.parametrize(
    ("define", "message"),
    [
        ("LEGACY_MAPS", r"^legacy map definitions in 'maps' section are not supported$"),
        ("UNKNOWN_SECTION", r"^section 'foo': unknown program type$"),
        ("STATIC_PROGRAM", r"^section 'xdp': function 'hidden_prog': static programs are not"),
    ],
)
def test_unsupported_objects_are_refused(build: Build, define: str, message: str) -> None:
    with pytest.raises(ElfError, match=message):
        load_collection(build("errors", defines=(define,)))
