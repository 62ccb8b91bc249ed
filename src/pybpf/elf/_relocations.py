"""Functions, and what each of their relocations points at.

Every ``STT_FUNC`` symbol of an executable section is a function: those in ``.text`` are
subprograms, the others programs (``bpf_object__add_programs``). clang emits two relocation
types on instructions, and libbpf tells their meaning from the instruction and the section of
the symbol (``bpf_program__record_reloc``):

- ``R_BPF_64_32`` on a ``call`` with ``src=1``: a call of a ``.text`` function. The target
  is at ``symbol value + (imm + 1) * 8`` bytes into ``.text``: global functions have their own
  symbol and ``imm = -1``, static ones use the section symbol and an ``imm`` pointing at them.
- ``R_BPF_64_64`` on a ``lddw``: the address of a ``.text`` function (a callback: byte offset
  ``symbol value + imm``), of a map (a symbol in ``.maps``), or of a global variable (a symbol
  in a data section, ``imm`` adding an offset into it).

A call between two functions of ``.text`` needs no relocation: its ``imm`` already counts
instructions from the call to the target.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass

from .._spec import ExternKind, ExternSpec
from ..btf import CoreRelo
from ..isa import (
    CALL,
    LDDW,
    CallSrc,
    Instruction,
    InstructionError,
    PseudoSrc,
    decode,
    iter_pcs,
)
from ._errors import ElfError
from ._file import SHN_LORESERVE, ObjectFile, Relocation, Section, Symbol

__all__ = ["DataRef", "ExternRef", "FuncRef", "Function", "MapRef", "Target", "read_functions"]

R_BPF_64_64 = 1
R_BPF_64_32 = 10
TEXT = ".text"
_INSN_SIZE = 8


@dataclass(frozen=True, slots=True)
class FuncRef:
    """A call of, or the address of, the ``.text`` function ``name``."""

    name: str


@dataclass(frozen=True, slots=True)
class MapRef:
    """The address of the BTF-defined map ``name``."""

    name: str


@dataclass(frozen=True, slots=True)
class DataRef:
    """The address of byte ``offset`` of the global-data map ``name``."""

    name: str
    offset: int


@dataclass(frozen=True, slots=True)
class ExternRef:
    """A call of the kfunc ``name``, or the address of the ``__ksym`` variable ``name``."""

    name: str


Target = FuncRef | MapRef | DataRef | ExternRef


@dataclass(frozen=True)
class Function:
    """A function as its section holds it, and the targets of its instructions by index."""

    name: str
    section: Section
    offset: int  #: in bytes from the start of its section
    insns: tuple[Instruction, ...]
    targets: Mapping[int, Target]
    #: why the function cannot be loaded, if it cannot: raised only when a program uses it, as
    #: libbpf only looks at the .text functions it appends to a program
    defect: str | None = None
    #: CO-RE relocations: (PC within the function, relocation)
    core_relos: tuple[tuple[int, CoreRelo], ...] = ()

    @property
    def is_subprogram(self) -> bool:
        """Whether it lives in ``.text``, so that programs append it rather than start there."""
        return self.section.name == TEXT


@dataclass(frozen=True)
class _Code:
    """A function before its relocations are read: ``slots[i]`` is the PC of ``insns[i]``."""

    name: str
    section: Section
    offset: int
    size: int
    insns: tuple[Instruction, ...]
    slots: tuple[int, ...]
    defect: str | None = None


@dataclass(frozen=True)
class _Places:
    """What relocations may point at: functions of ``.text``, maps and data sections."""

    text: Mapping[int, str]  # byte offset → function name
    maps_section: int | None
    maps: Mapping[int, str]  # byte offset in .maps → map name
    data: Mapping[int, str]  # section index → global-data map name
    externs: Mapping[str, ExternSpec]  # undefined symbols by name
    kconfig: str | None  # the name of the .kconfig map


def read_functions(
    obj: ObjectFile,
    maps_section: int | None,
    maps: Mapping[int, str],
    data: Mapping[int, str],
    externs: Mapping[str, ExternSpec] | None = None,
    kconfig: str | None = None,
) -> list[Function]:
    """Every function of the object, in section and offset order, its relocations resolved.

    ``maps`` gives the name of the map at each offset of the ``.maps`` section
    (``maps_section``), ``data`` the name of the map of each global-data section by index.

    Raises:
        ElfError: for malformed functions or instructions, and relocations that point at
            anything but a ``.text`` function, a map or a global variable.
    """
    codes = _codes(obj)
    text = {c.offset: c.name for c in codes if c.section.name == TEXT}
    places = _Places(text, maps_section, maps, data, externs or {}, kconfig)
    by_section: dict[int, list[_Code]] = {}
    for c in codes:
        by_section.setdefault(c.section.index, []).append(c)
    targets: dict[str, dict[int, Target]] = {c.name: {} for c in codes}
    for index, relocations in obj.relocations.items():
        if not obj.sections[index].executable:
            continue  # the relocations of .maps, which give initial values
        for i, relocation in enumerate(relocations):
            where = f"section '{obj.sections[index].name}': relocation {i}"
            found = _code_at(by_section.get(index, []), relocation.offset, where)
            if found is not None and found[0].defect is None:
                code, insn = found
                target = _resolve(obj, places, code.insns[insn], relocation, where)
                targets[code.name][insn] = target
    defects = {c.name: c.defect for c in codes}
    for c in codes:
        if c.defect is None:
            try:
                _local_calls(c, places, targets[c.name])
            except ElfError as exc:
                defects[c.name] = str(exc)
    return [Function(c.name, c.section, c.offset, c.insns, targets[c.name], defects[c.name]) for c in codes]


def _codes(obj: ObjectFile) -> list[_Code]:
    codes = [
        _code(obj, section, symbol)
        for section in obj.sections
        if section.executable and section.type == "SHT_PROGBITS" and section.size
        for symbol in obj.symbols
        if symbol.shndx == section.index and symbol.type == "STT_FUNC"
    ]
    names = set()
    for c in codes:
        if c.name in names:
            raise ElfError(f"section '{c.section.name}': function '{c.name}' is defined twice")
        names.add(c.name)
    return sorted(codes, key=lambda c: (c.section.index, c.offset))


def _code(obj: ObjectFile, section: Section, symbol: Symbol) -> _Code:
    where = f"section '{section.name}': function '{symbol.name}'"
    if not symbol.size or symbol.size % _INSN_SIZE or symbol.value % _INSN_SIZE:
        size = f"offset {symbol.value} and size {symbol.size}"
        raise ElfError(f"{where}: {size} are not whole instructions")
    if symbol.value + symbol.size > section.size:
        raise ElfError(f"{where}: crosses the end of the section")
    if section.name != TEXT and symbol.bind == "STB_LOCAL":
        raise ElfError(f"{where}: static programs are not supported")
    try:
        # Unchecked: the verifier judges an instruction only where control reaches it.
        insns = decode(section.data[symbol.value : symbol.value + symbol.size], obj.byte_order, check=False)
    except InstructionError as exc:
        return _Code(symbol.name, section, symbol.value, symbol.size, (), (), f"{where}: {exc}")
    slots = tuple(pc for pc, _ in iter_pcs(insns))
    return _Code(symbol.name, section, symbol.value, symbol.size, tuple(insns), slots)


def _code_at(codes: list[_Code], offset: int, where: str) -> tuple[_Code, int] | None:
    """The function holding the instruction at ``offset``, and its index there.

    A relocation outside every function is skipped, as libbpf does (it belonged to a weak
    function that another one overrode).
    """
    if offset % _INSN_SIZE:
        raise ElfError(f"{where}: offset {offset} is not an instruction boundary")
    for c in codes:
        if c.offset <= offset < c.offset + c.size:
            if c.defect is not None:
                return c, 0  # unreadable: its relocations are never applied
            slot = (offset - c.offset) // _INSN_SIZE
            index = bisect.bisect_left(c.slots, slot)
            if c.slots[index] != slot:
                raise ElfError(f"{where}: offset {offset} is inside a lddw")
            return c, index
    return None


def _resolve(
    obj: ObjectFile, places: _Places, insn: Instruction, relocation: Relocation, where: str
) -> Target:
    if insn.opcode not in (CALL, LDDW):
        raise ElfError(f"{where}: instruction is neither a call nor lddw")
    expected, what = (R_BPF_64_32, "call") if insn.opcode == CALL else (R_BPF_64_64, "lddw")
    if relocation.type != expected:
        raise ElfError(f"{where}: type {relocation.type} on {what}, expected {expected}")
    extern = _extern(obj, places, insn, relocation, where)
    if extern is not None:
        return extern
    symbol = _symbol(obj, relocation, where)
    name = symbol.name or obj.sections[symbol.shndx].name
    section = obj.sections[symbol.shndx]
    if insn.opcode == CALL:
        if insn.src != CallSrc.LOCAL or section.name != TEXT:
            raise ElfError(f"{where}: call of '{name}' is not a call of a .text function")
        return FuncRef(_text_function(places, symbol.value + (insn.imm + 1) * _INSN_SIZE, where))
    addend = _s32(insn.imm & 0xFFFFFFFF)
    if section.name == TEXT:
        return FuncRef(_text_function(places, symbol.value + addend, where))
    if section.index == places.maps_section:
        if symbol.value not in places.maps:
            raise ElfError(f"{where}: no map at offset {symbol.value} of '{section.name}'")
        return MapRef(places.maps[symbol.value])
    if section.index in places.data:
        offset = symbol.value + addend
        if not 0 <= offset <= 0xFFFFFFFF:
            raise ElfError(f"{where}: offset {offset} into '{section.name}' is out of range")
        return DataRef(places.data[section.index], offset)
    raise ElfError(f"{where}: symbol '{name}' is not a map or function")


def _extern(obj: ObjectFile, places: _Places, insn: Instruction, relocation: Relocation, where: str) -> Target | None:
    """The target of a relocation against an extern, or None for any other symbol."""
    if relocation.symbol >= len(obj.symbols) or obj.symbols[relocation.symbol].shndx != 0:
        return None
    name = obj.symbols[relocation.symbol].name
    extern = places.externs.get(name)
    if extern is None:
        return None  # _symbol says it is undefined
    if insn.opcode == CALL and extern.kind != ExternKind.KFUNC:
        raise ElfError(f"{where}: extern variable '{name}' is called")
    if extern.kind == ExternKind.KCONFIG:
        assert places.kconfig is not None
        return DataRef(places.kconfig, extern.offset + _s32(insn.imm & 0xFFFFFFFF))
    return ExternRef(name)


def _symbol(obj: ObjectFile, relocation: Relocation, where: str) -> Symbol:
    if relocation.symbol >= len(obj.symbols):
        raise ElfError(f"{where}: symbol index {relocation.symbol} out of range")
    symbol = obj.symbols[relocation.symbol]
    if symbol.shndx == 0:
        raise ElfError(f"{where}: symbol '{symbol.name}' is undefined (externs are not supported)")
    if symbol.shndx >= SHN_LORESERVE or symbol.shndx >= len(obj.sections):
        raise ElfError(f"{where}: symbol '{symbol.name}' is in no section ({symbol.shndx:#x})")
    return symbol


def _text_function(places: _Places, offset: int, where: str) -> str:
    if offset not in places.text:
        raise ElfError(f"{where}: no function at offset {offset} of .text")
    return places.text[offset]


def _local_calls(code: _Code, places: _Places, targets: dict[int, Target]) -> None:
    """Resolve calls between ``.text`` functions, which have no relocation.

    Also refuse a ``lddw`` that uses pybpf's own map-index sources without a relocation to
    give them meaning: only the loader may set those. Other sources pass through, as libbpf
    passes them, for the verifier to judge (a map file descriptor pybpf does not have, an
    unknown source).
    """
    for i, insn in enumerate(code.insns):
        if i in targets:
            continue
        if insn.opcode == LDDW and insn.src in (PseudoSrc.MAP_IDX, PseudoSrc.MAP_IDX_VALUE):
            raise ElfError(f"{_where(code, i)}: lddw with source {insn.src} needs a relocation")
        if insn.opcode == CALL and insn.src == CallSrc.LOCAL:
            if code.section.name != TEXT:
                raise ElfError(f"{_where(code, i)}: local call without a relocation")
            offset = code.offset + (code.slots[i] + insn.imm + 1) * _INSN_SIZE
            targets[i] = FuncRef(_text_function(places, offset, _where(code, i)))


def _where(code: _Code, index: int) -> str:
    return f"section '{code.section.name}': function '{code.name}': insn {code.slots[index]}"


def _s32(value: int) -> int:
    return value - (1 << 32) if value & 0x80000000 else value
