"""An ELF object file as plain data: its sections, symbols and relocations, read once.

pyelftools parses the headers, names, symbols and relocations. It is not hardened against
hostile input: a corrupt file can make it raise nearly anything (``struct.error``,
``IndexError``, its own ``ELFError``...). So, as cilium/ebpf's ``internal/elf.go`` does, every
call into it happens inside :func:`read_object`, which turns whatever escapes into an
:class:`ElfError`; the layers above only ever see the plain records below. The header fields
that decide whether the file is for BPF at all are checked by hand first, so that those
messages are precise.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from elftools.elf.elffile import ELFFile
from elftools.elf.enums import ENUM_ST_SHNDX
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import Section as _PyelfSection
from elftools.elf.sections import SymbolTableSection

from ..isa import ByteOrder
from ._errors import ElfError

__all__ = ["EM_BPF", "ObjectFile", "Relocation", "Section", "Symbol", "read_object"]

EM_BPF = 247
SHF_EXECINSTR = 0x4
SHN_LORESERVE = 0xFF00
_EHDR_SIZE = 64
_SHDR_SIZE = 64
_SYM_SIZE = 24  # Elf64_Sym
_ELFCLASS64 = 2
_ET_REL = 1
_BYTE_ORDERS: dict[int, ByteOrder] = {1: "little", 2: "big"}  # EI_DATA: ELFDATA2LSB, 2MSB


@dataclass(frozen=True, slots=True)
class Section:
    """One section header and its bytes (empty for ``SHT_NOBITS``, whose ``size`` still counts).

    ``type`` is pyelftools' name for ``sh_type`` (``"SHT_PROGBITS"``), or the number as text
    when it has none.
    """

    index: int
    name: str
    type: str
    flags: int
    size: int
    data: bytes

    @property
    def executable(self) -> bool:
        """Whether the section holds instructions (``SHF_EXECINSTR``)."""
        return bool(self.flags & SHF_EXECINSTR)


@dataclass(frozen=True, slots=True)
class Symbol:
    """One ``Elf64_Sym``. ``shndx`` is the section index (0 for undefined symbols)."""

    name: str
    value: int
    size: int
    type: str  # "STT_FUNC", "STT_OBJECT", "STT_SECTION"...
    bind: str  # "STB_LOCAL", "STB_GLOBAL", "STB_WEAK"
    visibility: str  # "STV_DEFAULT", "STV_HIDDEN"...
    shndx: int


@dataclass(frozen=True, slots=True)
class Relocation:
    """One ``Elf64_Rel``: patch the bytes at ``offset`` with symbol number ``symbol``."""

    offset: int
    symbol: int
    type: int


@dataclass(frozen=True)
class ObjectFile:
    """The parts of an ELF object file that a BPF loader reads.

    ``relocations`` maps the index of a section to the relocations that patch it, for
    executable sections, ``.maps`` and ``.struct_ops`` sections only (the others, DWARF and BTF,
    need none).
    """

    byte_order: ByteOrder
    sections: tuple[Section, ...]
    symbols: tuple[Symbol, ...]
    relocations: Mapping[int, tuple[Relocation, ...]]

    def section(self, name: str) -> Section | None:
        """The first section called ``name``, if any."""
        return next((s for s in self.sections if s.name == name), None)


def read_object(data: bytes) -> ObjectFile:
    """Check that ``data`` is a 64-bit relocatable ELF file for BPF and read its parts.

    Raises:
        ElfError: if it is not, or if any part is malformed or lies beyond the end of the data.
    """
    byte_order = _check_header(data)
    try:
        return _read(data, byte_order)
    except ElfError:
        raise
    except Exception as exc:  # pyelftools on corrupt input: see the module docstring
        raise ElfError(f"malformed ELF: {str(exc) or type(exc).__name__}") from exc


def _check_header(data: bytes) -> ByteOrder:
    if not data.startswith(b"\x7fELF") and not b"\x7fELF".startswith(data):
        # Say what it is not before how short it is: a text file is not a "truncated ELF".
        raise ElfError("not an ELF file (a BPF object from clang -target bpf, or a .c file, is needed)")
    _check_extent(data, 0, _EHDR_SIZE, "header")
    if data[4] != _ELFCLASS64:
        raise ElfError("not a 64-bit ELF file")
    byte_order = _BYTE_ORDERS.get(data[5])
    if byte_order is None:
        raise ElfError(f"unknown ELF byte order {data[5]}")
    prefix = "<" if byte_order == "little" else ">"
    e_type, e_machine = struct.unpack_from(prefix + "HH", data, 16)
    if e_machine != EM_BPF:
        raise ElfError(f"wrong machine: expected BPF ({EM_BPF}), got {e_machine}")
    if e_type != _ET_REL:
        raise ElfError(f"not a relocatable object file (type {e_type})")
    (shoff,) = struct.unpack_from(prefix + "Q", data, 40)
    shentsize, shnum = struct.unpack_from(prefix + "HH", data, 58)
    if shentsize != _SHDR_SIZE:
        raise ElfError(f"section header size {shentsize}, expected {_SHDR_SIZE}")
    _check_extent(data, shoff, shnum * _SHDR_SIZE, "section headers")
    return byte_order


def _check_extent(data: bytes, offset: int, size: int, what: str) -> None:
    if offset + size > len(data):
        end, length = offset + size, len(data)
        raise ElfError(f"truncated ELF: {what} reaches byte {end} of a {length}-byte file")


def _read(data: bytes, byte_order: ByteOrder) -> ObjectFile:
    elf = ELFFile(io.BytesIO(data))
    raw = [elf.get_section(i) for i in range(elf.num_sections())]
    sections = tuple(_section(data, i, s) for i, s in enumerate(raw))
    symbols = _symbols(raw)
    relocations: dict[int, tuple[Relocation, ...]] = {}
    for s in raw:
        if isinstance(s, RelocationSection) and s.header["sh_type"] == "SHT_REL":
            target = s.header["sh_info"]
            if not 0 < target < len(sections):
                raise ElfError(f"section '{s.name}': relocates missing section {target}")
            name = sections[target].name
            if sections[target].executable or name == ".maps" or name.split(".")[1:2] == ["struct_ops"]:
                relocations[target] = _relocations(s)
    return ObjectFile(byte_order, sections, symbols, relocations)


def _section(data: bytes, index: int, s: _PyelfSection) -> Section:
    h = s.header
    nobits = h["sh_type"] == "SHT_NOBITS"
    if not nobits:
        _check_extent(data, h["sh_offset"], h["sh_size"], f"section '{s.name}'")
    return Section(
        index=index,
        name=s.name,
        type=str(h["sh_type"]),
        flags=h["sh_flags"],
        size=h["sh_size"],
        data=b"" if nobits else data[h["sh_offset"] : h["sh_offset"] + h["sh_size"]],
    )


def _symbols(raw: list[_PyelfSection]) -> tuple[Symbol, ...]:
    tables = [s for s in raw if s.header["sh_type"] == "SHT_SYMTAB"]
    if len(tables) != 1:
        raise ElfError("no symbol table" if not tables else "more than one symbol table")
    (table,) = tables
    assert isinstance(table, SymbolTableSection)
    if table.header["sh_entsize"] != _SYM_SIZE:
        raise ElfError(f"symbol size {table.header['sh_entsize']}, expected {_SYM_SIZE}")
    return tuple(_symbol(sym.name, sym.entry) for sym in table.iter_symbols())


def _symbol(name: str, entry: Mapping[str, object]) -> Symbol:
    info, other, shndx = entry["st_info"], entry["st_other"], entry["st_shndx"]
    assert isinstance(info, Mapping) and isinstance(other, Mapping)
    return Symbol(
        name=name,
        value=int(entry["st_value"]),  # type: ignore[call-overload]
        size=int(entry["st_size"]),  # type: ignore[call-overload]
        type=str(info["type"]),
        bind=str(info["bind"]),
        visibility=str(other["visibility"]),
        shndx=ENUM_ST_SHNDX[shndx] if isinstance(shndx, str) else int(shndx),  # type: ignore[call-overload]
    )


def _relocations(s: RelocationSection) -> tuple[Relocation, ...]:
    """The relocations of one section (pyelftools checks that they are ``Elf64_Rel``)."""
    return tuple(
        Relocation(r["r_offset"], r["r_info_sym"], r["r_info_type"]) for r in s.iter_relocations()
    )
