"""Values of BTF types as Python data, in both directions.

Two readings of the same bytes exist because two audiences read them:

- :func:`format_value` gives what ``bpftool map dump -j`` puts under ``"formatted"`` (bpftool's
  ``btf_dumper.c``): ints signed per their encoding, ``char`` arrays holding a printable
  NUL-terminated string as a string, bitfields and 128-bit ints as ``"0x..."`` strings,
  ``BTF_INT_CHAR`` ints as one-character strings, enums as the enumerator's name, structs as
  dicts keyed by member name (``""`` for an anonymous member), a variable as
  ``{name: value}`` and a data section as ``{section: [{var: value}, ...]}``. A
  ``struct bpf_timer`` is nothing special to it: ``{}`` with the old header (no members) and
  ``{"__opaque": [0, 0]}`` with the new one.
- :func:`to_python` gives what Python code wants from a map or a global: plain ints (bitfields
  sign-extended when their type is signed, enums as numbers), ``bool``, ``float``, ``bytes``
  for arrays of single bytes (trailing NULs dropped), lists, and dicts in which members of
  anonymous structs and unions appear as in C, without naming the anonymous member. A data
  section is a dict of its variables.

:func:`from_python` goes the other way and accepts both shapes (except the anonymous ``""``
key and bpftool's data-section lists): members left out are zero, and anything that does not
fit raises :class:`BtfError` naming the path inside the value (``value.arr[1].x``).

Where bpftool gives up (``float``, which it reports as unsupported) these functions return a
Python ``float``; bpftool reads a ``_Bool`` as a 4-byte int, here only its own byte counts.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from .._errors import NotSupportedError
from ._errors import BtfError, BtfTypeError, BtfValueError
from ._spec import POINTER_SIZE, ByteOrder, Spec
from ._types import (
    Array,
    Const,
    Datasec,
    Enum,
    Enum64,
    Float,
    Int,
    IntEncoding,
    Ptr,
    Restrict,
    Struct,
    Type,
    TypeTag,
    Union,
    Var,
    Volatile,
    describe,
)

__all__ = ["format_value", "from_python", "to_python"]

_FLOAT_FORMATS = {2: "e", 4: "f", 8: "d"}
# A value has at most one part per bit, plus these many zero-sized parts (empty structs and
# arrays of them), so that BTF describing a billion empty elements cannot exhaust memory.
_ZERO_SIZED_PARTS = 1 << 16
_BYTES_LIKE = (bytes, bytearray, memoryview)
_QUALIFIERS = (Volatile, Const, Restrict, TypeTag)  # what bpftool skips before a string's char


def format_value(spec: Spec, type_id: int, data: bytes) -> Any:
    """Format ``data``, a value of type ``type_id``, as bpftool's BTF JSON does.

    Raises:
        BtfError: if ``data`` is not the type's size, or the type has no values (a function,
            a forward declaration).
    """
    return _Reader(spec, bpftool=True).top(type_id, data)


def to_python(spec: Spec, type_id: int, data: bytes) -> Any:
    """Convert ``data``, a value of type ``type_id``, to plain Python data.

    Raises:
        BtfError: as :func:`format_value`.
    """
    return _Reader(spec, bpftool=False).top(type_id, data)


def from_python(spec: Spec, type_id: int, value: object, *, what: str = "value") -> bytes:
    """Encode ``value`` as the bytes of a value of type ``type_id``.

    Ints take ``int`` or ``bool`` (and strings such as ``"0x1f"``, or one character for a
    ``BTF_INT_CHAR`` int); enums also take an enumerator name; floats take ``int`` or
    ``float``; arrays take a list of exactly their length, and arrays of single bytes also
    ``bytes`` or ``str`` up to their length; structs and unions take a dict of some of their
    members; any type takes ``bytes`` of exactly its size.

    ``what`` names the value in messages (``key: expected an int for INT 'int', got str``).

    Raises:
        BtfError: if ``value`` has the wrong shape (also a ``TypeError``) or does not fit the
            type (also a ``ValueError``).
    """
    t = spec.types[spec.skip_modifiers(type_id)]
    size = _datasec_size(t) if isinstance(t, Datasec) else spec.resolve_size(type_id)
    buf = bytearray(size)
    _Writer(spec).write(type_id, value, buf, 0, 0, what)
    return bytes(buf)


def _datasec_size(t: Datasec) -> int:
    """The bytes a section needs: its size, or in an object file the end of its last variable."""
    return max([t.size, *(v.offset + v.size for v in t.vars)])


def _bytes_element(spec: Spec, t: Array) -> bool:
    """Whether Python sees the array as ``bytes``: single-byte integers other than bools."""
    elem = spec.types[spec.skip_modifiers(t.type)]
    return isinstance(elem, Int) and elem.size == 1 and IntEncoding.BOOL not in elem.encoding


def _is_signed(t: Type) -> bool:
    return isinstance(t, (Int, Enum, Enum64)) and t.signed


def _sign_extend(raw: int, bits: int) -> int:
    return raw - (1 << bits) if raw >> (bits - 1) else raw


class _Reader:
    """Walks a value's bytes along its type, producing one of the two Python shapes."""

    def __init__(self, spec: Spec, *, bpftool: bool) -> None:
        self.spec = spec
        self.order = spec.byte_order
        self.bpftool = bpftool
        self.budget = 0

    def top(self, type_id: int, data: bytes) -> Any:
        t = self.spec.types[self.spec.skip_modifiers(type_id)]
        if not isinstance(t, Datasec):
            size = self.spec.resolve_size(type_id)
            if len(data) != size:
                raise BtfError(f"value of {describe(t)} needs {size} bytes, got {len(data)}")
        self.budget = 8 * len(data) + _ZERO_SIZED_PARTS
        return self.read(type_id, memoryview(data), 0)

    def read(self, type_id: int, data: memoryview, bits: int) -> Any:
        """The value at the start of ``data``; ``bits`` skips bits of a pre-kind_flag bitfield."""
        t = self.spec.types[self.spec.skip_modifiers(type_id)]
        self.budget -= 1
        if self.budget < 0:
            raise BtfError(f"type [{t.id}]: too many zero-sized parts to convert")
        match t:
            case Int():
                return self._int(t, data, bits)
            case Enum() | Enum64():
                return self._enum(t, data)
            case Float():
                return _unpack_float(t, data, self.order)
            case Ptr():
                return int.from_bytes(data[:POINTER_SIZE], self.order)
            case Array():
                return self._array(t, data)
            case Struct() | Union():
                return self._struct(t, data)
            case Var():
                value = self.read(t.type, data, 0)
                return {t.name: value} if self.bpftool else value
            case Datasec():
                return self._datasec(t, data)
        raise AssertionError(f"type [{t.id}] has no size")  # callers size every type first

    def _bits(self, data: memoryview, bit_offset: int, nbits: int) -> int:
        return _get_bits(data, bit_offset, nbits, self.order == "little")

    def _int(self, t: Int, data: memoryview, bits: int) -> Any:
        start = bits + t.offset
        if start or t.bits != 8 * t.size:
            raw = self._bits(data, start, t.bits)
            if self.bpftool:
                return f"0x{raw:x}"
            return _sign_extend(raw, t.bits) if t.signed else raw
        value = int.from_bytes(data[: t.size], self.order, signed=t.signed)
        if IntEncoding.BOOL in t.encoding:
            return value != 0
        if self.bpftool and t.bits == 128:
            return f"0x{value & ((1 << 128) - 1):x}"
        if self.bpftool and IntEncoding.CHAR in t.encoding and t.size == 1:
            return chr(data[0])
        return value

    def _enum(self, t: Enum | Enum64, data: memoryview) -> Any:
        value = int.from_bytes(data[: t.size], self.order, signed=t.signed)
        if self.bpftool:
            for v in t.values:
                if v.value == value:
                    return v.name
        return value

    def _array(self, t: Array, data: memoryview) -> Any:
        chunk = data[: t.nelems]
        if self.bpftool and self._is_string(t, chunk):
            return bytes(chunk[: chunk.tobytes().index(0)]).decode("ascii")
        if not self.bpftool and _bytes_element(self.spec, t):
            return chunk.tobytes().rstrip(b"\0")
        step = self.spec.resolve_size(t.type)
        return [self.read(t.type, data[i * step :], 0) for i in range(t.nelems)]

    def _is_string(self, t: Array, chunk: memoryview) -> bool:
        """bpftool's test: ``char`` elements holding printable ASCII up to a NUL."""
        elem = self.spec.types[t.type]
        while isinstance(elem, _QUALIFIERS):
            elem = self.spec.types[elem.type]
        if not (isinstance(elem, Int) and elem.size == 1 and t.nelems):
            return False
        if IntEncoding.CHAR not in elem.encoding and elem.name != "char":
            return False
        for byte in chunk:
            if byte == 0:
                return True
            if byte <= 0x1F or byte >= 0x7F:
                return False
        return False

    def _struct(self, t: Struct | Union, data: memoryview) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for m in t.members:
            here = data[m.bit_offset // 8 :]
            if m.bitfield_size:
                raw = self._bits(here, m.bit_offset % 8, m.bitfield_size)
                base = self.spec.types[self.spec.skip_modifiers(m.type)]
                if self.bpftool:
                    value: Any = f"0x{raw:x}"
                else:
                    value = _sign_extend(raw, m.bitfield_size) if _is_signed(base) else raw
            else:
                value = self.read(m.type, here, m.bit_offset % 8)
            if not self.bpftool and not m.name and isinstance(value, dict):
                result.update(value)
            else:
                result[m.name] = value
        return result

    def _datasec(self, t: Datasec, data: memoryview) -> Any:
        values = []
        for v in t.vars:
            var = self.spec.types[v.type]
            end = v.offset + self.spec.resolve_size(v.type)
            if end > len(data):
                raise BtfError(
                    f"type [{t.id}]: variable '{var.name}' ends at {end}, "
                    f"beyond the {len(data)} bytes of data"
                )
            values.append(self.read(v.type, data[v.offset :], 0))
        if self.bpftool:
            return {t.name: values}
        return {self.spec.types[v.type].name: value for v, value in zip(t.vars, values)}


def _get_bits(data: memoryview, bit_offset: int, nbits: int, little: bool) -> int:
    """Extract ``nbits`` bits starting ``bit_offset`` bits into ``data``, as C lays bitfields."""
    nbytes = (bit_offset + nbits + 7) // 8
    chunk = int.from_bytes(data[:nbytes], "little" if little else "big")
    shift = bit_offset if little else 8 * nbytes - bit_offset - nbits
    return (chunk >> shift) & ((1 << nbits) - 1)


def _put_bits(
    buf: bytearray, offset: int, bit_offset: int, nbits: int, raw: int, little: bool
) -> None:
    """Store ``raw`` (already masked) into ``nbits`` bits, keeping the neighbouring bits."""
    nbytes = (bit_offset + nbits + 7) // 8
    order: ByteOrder = "little" if little else "big"
    chunk = int.from_bytes(buf[offset : offset + nbytes], order)
    shift = bit_offset if little else 8 * nbytes - bit_offset - nbits
    mask = ((1 << nbits) - 1) << shift
    chunk = (chunk & ~mask) | (raw << shift)
    buf[offset : offset + nbytes] = chunk.to_bytes(nbytes, order)


def _unpack_float(t: Float, data: memoryview, order: str) -> float:
    fmt = _FLOAT_FORMATS.get(t.size)
    if fmt is None:
        raise NotSupportedError(f"type [{t.id}]: {t.size}-byte floats")
    prefix = "<" if order == "little" else ">"
    value: float = struct.unpack_from(prefix + fmt, data)[0]
    return value


def _pack_float(t: Float, value: float, order: str) -> bytes:
    fmt = _FLOAT_FORMATS.get(t.size)
    if fmt is None:
        raise NotSupportedError(f"type [{t.id}]: {t.size}-byte floats")
    prefix = "<" if order == "little" else ">"
    return struct.pack(prefix + fmt, value)


class _Writer:
    """Walks a Python value along its type, storing it into a zeroed buffer."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.order = spec.byte_order
        self.little = spec.byte_order == "little"

    def write(
        self, type_id: int, value: object, buf: bytearray, offset: int, bits: int, path: str
    ) -> None:
        """Store ``value`` at byte ``offset`` (plus ``bits`` for a pre-kind_flag bitfield)."""
        t = self.spec.types[self.spec.skip_modifiers(type_id)]
        if isinstance(value, _BYTES_LIKE) and not (
            isinstance(t, Array) and _bytes_element(self.spec, t)
        ):
            self._raw(t, bytes(value), buf, offset, path)
            return
        match t:
            case Int():
                self._int(t, value, buf, offset, bits, path)
            case Enum() | Enum64():
                raw = self._scalar(t, value, 8 * t.size, path)
                buf[offset : offset + t.size] = raw.to_bytes(t.size, self.order)
            case Float():
                self._float(t, value, buf, offset, path)
            case Ptr():
                raw = _check_range(_as_int(value, t, path), 8 * POINTER_SIZE, False, t, path)
                buf[offset : offset + POINTER_SIZE] = raw.to_bytes(POINTER_SIZE, self.order)
            case Array():
                self._array(t, value, buf, offset, path)
            case Struct() | Union():
                self._struct(t, value, buf, offset, path)
            case Var():
                self.write(t.type, value, buf, offset, 0, path)
            case Datasec():
                self._datasec(t, value, buf, path)
            case _:
                raise BtfTypeError(f"{path}: {describe(t)} has no value")

    def _raw(self, t: Type, value: bytes, buf: bytearray, offset: int, path: str) -> None:
        size = len(buf) if isinstance(t, Datasec) else self.spec.resolve_size(t.id)
        if len(value) != size:
            raise BtfValueError(f"{path}: {describe(t)} needs {size} bytes, got {len(value)}")
        buf[offset : offset + size] = value

    def _scalar(self, t: Int | Enum | Enum64, value: object, bits: int, path: str) -> int:
        """The two's complement bits of an int or enum ``value`` that must fit in ``bits``.

        A string other than an enumerator or a character is a bit pattern, as bpftool prints
        bitfields (``"0x1d"`` is -3 in a signed 5-bit field).
        """
        if isinstance(t, (Enum, Enum64)) and isinstance(value, str):
            for v in t.values:
                if v.name == value:
                    return v.value & ((1 << bits) - 1)
            raise BtfValueError(f"{path}: {describe(t)} has no enumerator '{value}'")
        number = _as_int(value, t, path)
        if isinstance(t, Int) and IntEncoding.BOOL in t.encoding and number not in (0, 1):
            raise BtfValueError(f"{path}: {number} is not a bool for {describe(t)}")
        pattern = isinstance(value, str)
        return _check_range(number, bits, t.signed and not pattern, t, path)

    def _int(
        self, t: Int, value: object, buf: bytearray, offset: int, bits: int, path: str
    ) -> None:
        raw = self._scalar(t, value, t.bits, path)
        start = bits + t.offset
        if start or t.bits != 8 * t.size:
            _put_bits(buf, offset, start, t.bits, raw, self.little)
        else:
            buf[offset : offset + t.size] = raw.to_bytes(t.size, self.order)

    def _float(self, t: Float, value: object, buf: bytearray, offset: int, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BtfTypeError(f"{path}: expected a number for {describe(t)}, got {_kind(value)}")
        try:
            buf[offset : offset + t.size] = _pack_float(t, value, self.order)
        except (OverflowError, struct.error):
            raise BtfValueError(f"{path}: {value} out of range for {describe(t)}") from None

    def _array(self, t: Array, value: object, buf: bytearray, offset: int, path: str) -> None:
        if _bytes_element(self.spec, t) and isinstance(value, (str, *_BYTES_LIKE)):
            data = value.encode() if isinstance(value, str) else bytes(value)
            if len(data) > t.nelems:
                raise BtfValueError(
                    f"{path}: {len(data)} bytes do not fit in {describe(t)} of {t.nelems}"
                )
            buf[offset : offset + len(data)] = data
            return
        if not isinstance(value, (list, tuple)):
            raise BtfTypeError(f"{path}: expected a list for {describe(t)}, got {_kind(value)}")
        if len(value) != t.nelems:
            raise BtfValueError(
                f"{path}: expected {t.nelems} elements for {describe(t)}, got {len(value)}"
            )
        step = self.spec.resolve_size(t.type)
        for i, item in enumerate(value):
            self.write(t.type, item, buf, offset + i * step, 0, f"{path}[{i}]")

    def _struct(
        self, t: Struct | Union, value: object, buf: bytearray, offset: int, path: str
    ) -> None:
        if not isinstance(value, Mapping):
            raise BtfTypeError(f"{path}: expected a dict for {describe(t)}, got {_kind(value)}")
        for name, item in value.items():
            try:
                field = self.spec.field(t.id, str(name))
            except BtfError as exc:
                raise BtfValueError(f"{path}: {exc}") from None
            where = f"{path}.{name}"
            at = offset + field.byte_offset
            if field.bitfield_size:
                base = self.spec.types[self.spec.skip_modifiers(field.type)]
                assert isinstance(base, (Int, Enum, Enum64))  # checked by Spec
                raw = self._scalar(base, item, field.bitfield_size, where)
                _put_bits(buf, at, field.bit_offset % 8, field.bitfield_size, raw, self.little)
            else:
                self.write(field.type, item, buf, at, field.bit_offset % 8, where)

    def _datasec(self, t: Datasec, value: object, buf: bytearray, path: str) -> None:
        if not isinstance(value, Mapping):
            raise BtfTypeError(f"{path}: expected a dict for {describe(t)}, got {_kind(value)}")
        offsets = {self.spec.types[v.type].name: (v.type, v.offset) for v in t.vars}
        for name, item in value.items():
            if name not in offsets:
                raise BtfValueError(f"{path}: {describe(t)} has no variable '{name}'")
            var_id, var_offset = offsets[name]
            self.write(var_id, item, buf, var_offset, 0, f"{path}.{name}")


def _kind(value: object) -> str:
    return type(value).__name__


def _as_int(value: object, t: Type, path: str) -> int:
    """Accept an int, a bool, a number as a string, or one character for a CHAR int."""
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        if isinstance(t, Int) and IntEncoding.CHAR in t.encoding and len(value) == 1:
            return ord(value)
        try:
            return int(value, 0)
        except ValueError:
            pass
    raise BtfTypeError(f"{path}: expected an int for {describe(t)}, got {_kind(value)} {value!r}")


def _check_range(number: int, bits: int, signed: bool, t: Type, path: str) -> int:
    """Return ``number`` as ``bits`` unsigned bits if it fits, signed or not."""
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not low <= number <= high:
        raise BtfValueError(f"{path}: {number} out of range for {describe(t)} ({low}..{high})")
    return number & ((1 << bits) - 1)
