"""Reading raw ``.BTF`` and ``.BTF.ext`` sections, in either byte order.

Layouts follow the kernel's BTF document: a ``.BTF`` section is a 24-byte header (magic
``0xeB9F``, version 1, flags, header length, then offset and length of the type and string
subsections, counted from the end of the header), a run of variable-length type records and a
string table. A ``.BTF.ext`` section has its own header and subsections of func_info,
line_info and CO-RE relocation records, each starting with its record size and then, per ELF
section, a section name offset, a record count and the records.

The magic is read in both byte orders; the one that matches is the target's byte order, and
every later field is read in it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TypeVar

from ._errors import BtfError
from ._ext import CoreRelo, ExtInfo, FuncInfo, LineInfo
from ._spec import ByteOrder, Spec
from ._strings import StringTable
from ._types import (
    Array,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    EnumValue,
    Float,
    Func,
    FuncProto,
    Fwd,
    Int,
    IntEncoding,
    Kind,
    Linkage,
    Member,
    Param,
    Ptr,
    Restrict,
    Struct,
    Type,
    Typedef,
    TypeTag,
    Union,
    Var,
    VarSecinfo,
    Void,
    Volatile,
)

__all__ = ["BTF_MAGIC", "parse_btf", "parse_btf_ext"]

BTF_MAGIC = 0xEB9F
_VERSION = 1
_HEADER_LEN = 24  # magic, version, flags, hdr_len, type_off, type_len, str_off, str_len
_EXT_HEADER_LEN = 24  # magic, version, flags, hdr_len, func_info and line_info off/len
_EXT_CORE_HEADER_LEN = 32  # ... and core_relo off/len
_TYPE_LEN = 12  # name_off, info, size or type
_INFO_RESERVED = 0x60FF_0000  # info bits the kernel requires to be zero
_INT_RESERVED = 0xF000_0000  # int data bits the kernel requires to be zero
_INT_SIZES = (1, 2, 4, 8, 16)
_ENUM_SIZES = (1, 2, 4, 8)
_FLOAT_SIZES = (2, 4, 8, 12, 16)
_ENCODINGS = (0, IntEncoding.SIGNED, IntEncoding.CHAR, IntEncoding.BOOL)
_KFLAG_KINDS = (
    Kind.STRUCT,
    Kind.UNION,
    Kind.ENUM,
    Kind.ENUM64,
    Kind.FWD,
    Kind.DECL_TAG,
    Kind.TYPE_TAG,
)
_VLEN_KINDS = (
    Kind.STRUCT,
    Kind.UNION,
    Kind.ENUM,
    Kind.ENUM64,
    Kind.FUNC,
    Kind.FUNC_PROTO,
    Kind.DATASEC,
)

_FUNC_INFO_MIN = 8  # insn_off, type_id
_LINE_INFO_MIN = 16  # insn_off, file_name_off, line_off, line_col
_CORE_RELO_MIN = 16  # insn_off, type_id, access_str_off, kind

_R = TypeVar("_R")


def parse_btf(data: bytes) -> Spec:
    """Parse a raw ``.BTF`` section (or a raw BTF file such as ``/sys/kernel/btf/vmlinux``).

    Raises:
        BtfError: on any malformed input.
    """
    return _guarded(lambda: _parse_btf(memoryview(data)))


def parse_btf_ext(data: bytes, spec: Spec) -> ExtInfo:
    """Parse a ``.BTF.ext`` section whose strings and types live in ``spec``.

    Raises:
        BtfError: on any malformed input, including records that name missing types or
            strings, and a byte order different from ``spec``'s.
    """
    return _guarded(lambda: _parse_ext(memoryview(data), spec))


def _guarded(parse: Callable[[], _R]) -> _R:
    """Turn a slip past the explicit checks into a :class:`BtfError` instead of a crash."""
    try:
        return parse()
    except (struct.error, IndexError) as exc:
        raise BtfError(f"corrupt section: {exc}") from exc


class _Words:
    """Fixed-width fields of a buffer in the target's byte order, with bounds checks."""

    def __init__(self, data: memoryview, order: ByteOrder) -> None:
        self.data = data
        self.prefix = "<" if order == "little" else ">"

    def unpack(self, fmt: str, offset: int, what: str) -> tuple[int, ...]:
        layout = struct.Struct(self.prefix + fmt)
        if offset < 0 or offset + layout.size > len(self.data):
            raise BtfError(f"truncated {what} at offset {offset}")
        return layout.unpack_from(self.data, offset)


def _byte_order(data: memoryview, what: str) -> ByteOrder:
    if len(data) < 2:
        raise BtfError(f"truncated {what} header")
    if data[0] == 0x9F and data[1] == 0xEB:
        return "little"
    if data[0] == 0xEB and data[1] == 0x9F:
        return "big"
    raise BtfError(f"bad {what} magic 0x{data[0]:02x}{data[1]:02x}")


def _parse_btf(data: memoryview) -> Spec:
    order = _byte_order(data, "btf")
    words = _Words(data, order)
    if len(data) < _HEADER_LEN:
        raise BtfError("truncated btf header")
    _, version, flags, hdr_len, type_off, type_len, str_off, str_len = words.unpack(
        "HBBIIIII", 0, "btf header"
    )
    _check_header(data, version, flags, hdr_len, _HEADER_LEN, "btf")
    if type_off % 4:
        raise BtfError(f"type section offset {type_off} is not 4-byte aligned")
    type_data = _subsection(data, hdr_len, type_off, type_len, "type")
    str_data = _subsection(data, hdr_len, str_off, str_len, "string")
    if type_off < str_off + str_len and str_off < type_off + type_len:
        raise BtfError("type and string sections overlap")
    strings = StringTable(bytes(str_data))
    types = _TypeParser(_Words(type_data, order), strings).parse()
    return Spec(types, strings, order)


def _check_header(
    data: memoryview, version: int, flags: int, hdr_len: int, min_len: int, what: str
) -> None:
    if version != _VERSION:
        raise BtfError(f"unsupported {what} version {version}")
    if flags:
        raise BtfError(f"unsupported {what} flags 0x{flags:x}")
    if hdr_len < min_len or hdr_len > len(data):
        raise BtfError(f"bad {what} header length {hdr_len}")
    if any(data[min_len:hdr_len]):
        raise BtfError(f"unknown non-zero {what} header fields")


def _subsection(data: memoryview, hdr_len: int, off: int, length: int, what: str) -> memoryview:
    start = hdr_len + off
    if start + length > len(data):
        raise BtfError(f"{what} section ({length} bytes at {start}) beyond end of data")
    return data[start : start + length]


class _TypeParser:
    """Decodes the type section record by record into :mod:`._types` objects."""

    def __init__(self, words: _Words, strings: StringTable) -> None:
        self.words = words
        self.strings = strings
        self.offset = 0
        self.types: list[Type] = [Void()]

    def parse(self) -> list[Type]:
        while self.offset < len(self.words.data):
            self.types.append(self._one(len(self.types)))
        return self.types

    def _one(self, type_id: int) -> Type:
        start = self.offset
        name_off, info, size = self.words.unpack("III", start, "type section")
        kind_no = (info >> 24) & 0x1F
        vlen = info & 0xFFFF
        kflag = bool(info >> 31)
        if info & _INFO_RESERVED:
            raise BtfError(f"type [{type_id}]: reserved info bits set (0x{info:08x})")
        if not Kind.UNKN < kind_no <= max(Kind):
            raise BtfError(f"type [{type_id}]: unknown kind {kind_no}")
        kind = Kind(kind_no)
        if kflag and kind not in _KFLAG_KINDS:
            raise BtfError(f"type [{type_id}]: {kind.name} has kind_flag set")
        if vlen and kind not in _VLEN_KINDS:
            raise BtfError(f"type [{type_id}]: {kind.name} has vlen {vlen}")
        self.offset = start + _TYPE_LEN
        if self.offset + _extra_len(kind, vlen) > len(self.words.data):
            raise BtfError(f"truncated type section at offset {start}")
        try:
            name = self.strings.lookup(name_off)
            return self._decode(type_id, kind, name, vlen, kflag, size)
        except BtfError as exc:
            raise BtfError(f"type [{type_id}]: {exc}") from None

    def _records(self, fmt: str, count: int) -> list[tuple[int, ...]]:
        """Read ``count`` records that follow the common part (bounds checked by the caller)."""
        layout_size = struct.calcsize("<" + fmt)
        records = [
            self.words.unpack(fmt, self.offset + i * layout_size, "type section")
            for i in range(count)
        ]
        self.offset += count * layout_size
        return records

    def _decode(
        self, type_id: int, kind: Kind, name: str, vlen: int, kflag: bool, size: int
    ) -> Type:
        match kind:
            case Kind.INT:
                (data,) = self._records("I", 1)[0]
                return _int(type_id, name, size, data)
            case Kind.PTR:
                return Ptr(type_id, name, size)
            case Kind.ARRAY:
                elem, index, nelems = self._records("III", 1)[0]
                return Array(type_id, name, elem, index, nelems)
            case Kind.STRUCT | Kind.UNION:
                members = tuple(
                    self._member(kflag, *record) for record in self._records("III", vlen)
                )
                cls = Struct if kind == Kind.STRUCT else Union
                return cls(type_id, name, size, members)
            case Kind.ENUM:
                fmt = "Ii" if kflag else "II"
                values = tuple(
                    EnumValue(self.strings.lookup(off), val)
                    for off, val in self._records(fmt, vlen)
                )
                return Enum(type_id, name, _enum_size(size), kflag, values)
            case Kind.ENUM64:
                values = tuple(
                    EnumValue(self.strings.lookup(off), _enum64(lo, hi, kflag))
                    for off, lo, hi in self._records("III", vlen)
                )
                return Enum64(type_id, name, _enum_size(size), kflag, values)
            case Kind.FWD:
                return Fwd(type_id, name, kflag)
            case Kind.TYPEDEF:
                return Typedef(type_id, name, size)
            case Kind.VOLATILE:
                return Volatile(type_id, name, size)
            case Kind.CONST:
                return Const(type_id, name, size)
            case Kind.RESTRICT:
                return Restrict(type_id, name, size)
            case Kind.FUNC:
                return Func(type_id, name, size, _linkage(vlen))
            case Kind.FUNC_PROTO:
                params = tuple(
                    Param(self.strings.lookup(off), ref) for off, ref in self._records("II", vlen)
                )
                return FuncProto(type_id, name, size, params)
            case Kind.VAR:
                (linkage,) = self._records("I", 1)[0]
                return Var(type_id, name, size, _linkage(linkage))
            case Kind.DATASEC:
                secinfos = tuple(VarSecinfo(*r) for r in self._records("III", vlen))
                return Datasec(type_id, name, size, secinfos)
            case Kind.FLOAT:
                if size not in _FLOAT_SIZES:
                    raise BtfError(f"float size {size} not one of {_FLOAT_SIZES}")
                return Float(type_id, name, size)
            case Kind.DECL_TAG:
                (component_idx,) = self._records("i", 1)[0]
                if component_idx < -1:
                    raise BtfError(f"decl tag component {component_idx} out of range")
                return DeclTag(type_id, name, size, component_idx, kflag)
            case Kind.TYPE_TAG:
                return TypeTag(type_id, name, size, kflag)
        raise AssertionError(kind)  # every Kind but UNKN is handled above

    def _member(self, kflag: bool, name_off: int, type_id: int, offset: int) -> Member:
        name = self.strings.lookup(name_off)
        if kflag:
            return Member(name, type_id, offset & 0xFFFFFF, offset >> 24)
        return Member(name, type_id, offset)


def _extra_len(kind: Kind, vlen: int) -> int:
    """Bytes that follow the common 12 of a type record of ``kind``."""
    match kind:
        case Kind.INT | Kind.VAR | Kind.DECL_TAG:
            return 4
        case Kind.ARRAY:
            return 12
        case Kind.STRUCT | Kind.UNION | Kind.ENUM64 | Kind.DATASEC:
            return 12 * vlen
        case Kind.ENUM | Kind.FUNC_PROTO:
            return 8 * vlen
    return 0


def _int(type_id: int, name: str, size: int, data: int) -> Int:
    if data & _INT_RESERVED:
        raise BtfError(f"reserved int bits set (0x{data:08x})")
    encoding, offset, bits = (data >> 24) & 0x0F, (data >> 16) & 0xFF, data & 0xFF
    if size not in _INT_SIZES:
        raise BtfError(f"int size {size} not one of {_INT_SIZES}")
    if encoding not in _ENCODINGS:
        raise BtfError(f"int encoding 0x{encoding:x} is not a single known encoding")
    if not 0 < bits or offset + bits > 8 * size:
        raise BtfError(f"int bits {offset}+{bits} do not fit in {size} bytes")
    return Int(type_id, name, size, IntEncoding(encoding), bits, offset)


def _enum_size(size: int) -> int:
    if size not in _ENUM_SIZES:
        raise BtfError(f"enum size {size} not one of {_ENUM_SIZES}")
    return size


def _enum64(lo: int, hi: int, signed: bool) -> int:
    value = hi << 32 | lo
    return value - (1 << 64) if signed and value >> 63 else value


def _linkage(value: int) -> Linkage:
    try:
        return Linkage(value)
    except ValueError:
        raise BtfError(f"unknown linkage {value}") from None


def _parse_ext(data: memoryview, spec: Spec) -> ExtInfo:
    order = _byte_order(data, "btf.ext")
    if order != spec.byte_order:
        raise BtfError(f"btf.ext is {order}-endian but btf is {spec.byte_order}-endian")
    words = _Words(data, order)
    if len(data) < _EXT_HEADER_LEN:
        raise BtfError("truncated btf.ext header")
    _, version, flags, hdr_len = words.unpack("HBBI", 0, "btf.ext header")
    min_len = _EXT_CORE_HEADER_LEN if hdr_len >= _EXT_CORE_HEADER_LEN else _EXT_HEADER_LEN
    _check_header(data, version, flags, hdr_len, min_len, "btf.ext")
    func_off, func_len, line_off, line_len = words.unpack("IIII", 8, "btf.ext header")
    core_off, core_len = (
        words.unpack("II", 24, "btf.ext header") if min_len == _EXT_CORE_HEADER_LEN else (0, 0)
    )
    ext = _ExtParser(data, order, hdr_len, spec)
    func_size, func_info = ext.subsection(
        func_off, func_len, "func_info", _FUNC_INFO_MIN, ext.func_info
    )
    line_size, line_info = ext.subsection(
        line_off, line_len, "line_info", _LINE_INFO_MIN, ext.line_info
    )
    core_size, core_relos = ext.subsection(
        core_off, core_len, "core_relo", _CORE_RELO_MIN, ext.core_relo
    )
    return ExtInfo(func_info, line_info, core_relos, func_size, line_size, core_size)


class _ExtParser:
    """Walks the per-section record lists of one ``.BTF.ext`` subsection."""

    def __init__(self, data: memoryview, order: ByteOrder, hdr_len: int, spec: Spec) -> None:
        self.data = data
        self.order = order
        self.hdr_len = hdr_len
        self.spec = spec

    def subsection(
        self,
        off: int,
        length: int,
        what: str,
        min_size: int,
        record: Callable[[tuple[int, ...], str], _R],
    ) -> tuple[int, dict[str, tuple[_R, ...]]]:
        """Return the record size and the records per ELF section of one subsection."""
        if not length:
            return 0, {}
        words = _Words(_subsection(self.data, self.hdr_len, off, length, what), self.order)
        (rec_size,) = words.unpack("I", 0, what)
        if rec_size < min_size or rec_size % 4:
            raise BtfError(f"{what} record size {rec_size} invalid (at least {min_size})")
        found: dict[str, tuple[_R, ...]] = {}
        offset = 4
        while offset < length:
            name_off, count = words.unpack("II", offset, what)
            section = self._string(name_off, what)
            if not count:
                raise BtfError(f"{what} of section '{section}' has no records")
            offset += 8
            if offset + count * rec_size > length:
                raise BtfError(f"truncated {what} of section '{section}' at offset {offset}")
            fields = min_size // 4
            found[section] = tuple(
                record(words.unpack("I" * fields, offset + i * rec_size, what), section)
                for i in range(count)
            )
            offset += count * rec_size
        return rec_size, found

    def _string(self, offset: int, what: str) -> str:
        try:
            return self.spec.strings.lookup(offset)
        except BtfError as exc:
            raise BtfError(f"{what}: {exc}") from None

    def _type(self, type_id: int, what: str, section: str, kind: type[Type] | None) -> int:
        t = self.spec.type_by_id(type_id) if type_id < len(self.spec) else None
        if t is None or (kind is not None and not isinstance(t, kind)):
            expected = "type" if kind is None else kind.kind.name
            raise BtfError(f"{what} of section '{section}': type {type_id} is not a {expected}")
        return type_id

    def func_info(self, fields: tuple[int, ...], section: str) -> FuncInfo:
        insn_off, type_id = fields
        return FuncInfo(insn_off, self._type(type_id, "func_info", section, Func))

    def line_info(self, fields: tuple[int, ...], section: str) -> LineInfo:
        insn_off, file_off, line_off, line_col = fields
        return LineInfo(
            insn_off,
            self._string(file_off, "line_info"),
            self._string(line_off, "line_info"),
            line_col >> 10,
            line_col & 0x3FF,
        )

    def core_relo(self, fields: tuple[int, ...], section: str) -> CoreRelo:
        insn_off, type_id, access_off, kind = fields
        type_id = self._type(type_id, "core_relo", section, None)
        return CoreRelo(insn_off, type_id, self._string(access_off, "core_relo"), kind)
