"""The printf of ``bpf_trace_printk`` and ``bpf_snprintf``: the kernel's ``bpf_bprintf_prepare``
(which conversions a BPF format may use) followed by its ``bstr_printf`` (how they print).

Accepted, as in the kernel: ``%%``; flags ``0 + - space`` and a width (no ``#``, no
precision; widths are clamped as the kernel clamps them, see :func:`_kernel_width`); ``%d %i %u %x %X`` with ``l``/``ll``; ``%c``; ``%s`` (and ``%pks``/``%pus``), which
must be followed by the end, a space or punctuation; ``%p`` alone or as ``%pK %px %ps %pS %pB``;
``%pI4 %pi4 %pI6 %pi6``. Anything else, a character that is neither printable nor a space, or
more conversions than arguments, is refused (the helpers return ``-EINVAL``; the verifier
refuses a constant ``bpf_snprintf`` format at load).

Printing follows the kernel too: ``+`` and space only sign ``%d``/``%i``; a string that cannot
be read prints as nothing; ``%px`` prints 16 hex digits; IP addresses are read from memory
(zeros when unreadable) and, like ``%pB``, print without padding and only while the output
buffer has room. The kernel prints ``%p`` and ``%pK`` as a hash of the pointer, keyed
per boot; pybpf prints a fixed hash in the same shape (16 hex digits, the upper 8 zero), and
NULL or error pointers as they are, as the kernel does. Without kernel symbols, ``%ps``,
``%pS`` and ``%pB`` print the address as ``0x...``, which is what the kernel prints for an
address it has no symbol for. Arguments pass through a binary buffer as in the kernel
(integers and pointers 4-byte aligned, strings inline, 1024 bytes in all).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

__all__ = ["FormatError", "check_format", "format_bpf", "format_bpf_bytes"]

MAX_BPRINTF_BUF = 1024  #: the per-call scratch buffer of bpf_bprintf_prepare
FIELD_WIDTH_MAX = (1 << 23) - 1  #: the widest field the kernel's vsprintf pads to
_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_SPACE = frozenset(" \t\n\v\f\r")
_MASK64 = (1 << 64) - 1
MAX_ERRNO = 4095

ReadStr = Callable[[int], "str | bytes | None"]
ReadMem = Callable[[int, int], "bytes | None"]


class FormatError(Exception):
    """The format string asks for what the kernel refuses (helpers return -EINVAL)."""


def _kernel_width(parsed: int) -> int | None:
    """The field width the kernel uses for a width written ``parsed``: its ``skip_atoi`` wraps
    in a signed 32-bit int, the result is clamped to FIELD_WIDTH_MAX, and a width that comes
    out negative or zero pads nothing (so "%1000000000d" costs 8 MiB at most, as in the
    kernel, and returns the same length)."""
    wrapped = ((parsed & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000
    width = min(wrapped, FIELD_WIDTH_MAX)
    return width if width > 0 else None


def _after_ok(fmt: str, i: int) -> bool:
    """Whether the character at ``i`` may follow a string conversion: end, space or punct."""
    return i >= len(fmt) or fmt[i] in _SPACE or fmt[i] in _PUNCT


class _Spec:
    """One conversion: its flags, width and kind ('int', 'char', 'str', 'ptr', 'ip')."""

    def __init__(self, flags: str, width: int | None, kind: str, detail: str, size: int) -> None:
        self.flags = flags
        self.width = width
        self.kind = kind
        self.detail = detail  # int: the conversion letter; ptr: '', 'K', 'x', 's', 'S', 'B'; ip: 'I4'...
        self.size = size  # int: 4 or 8 bytes


def _parse(fmt: str, num_args: int) -> list[str | _Spec]:
    """Split ``fmt`` into literal text and conversions, refusing what the kernel refuses."""
    out: list[str | _Spec] = []
    text: list[str] = []
    i, n, used = 0, len(fmt), 0
    while i < n:
        ch = fmt[i]
        if not ch.isascii() or not (ch.isprintable() or ch in _SPACE):
            raise FormatError(f"character 0x{ord(ch):02x} is not printable")
        if ch != "%":
            text.append(ch)
            i += 1
            continue
        if i + 1 < n and fmt[i + 1] == "%":
            text.append("%")
            i += 2
            continue
        if used >= num_args:
            raise FormatError("more conversions than arguments")
        i += 1
        start = i
        while i < n and fmt[i] in "0+- ":
            i += 1
        flags = fmt[start:i]
        width = None
        if i < n and "1" <= fmt[i] <= "9":
            digits = i
            while i < n and fmt[i].isdigit():
                i += 1
            width = _kernel_width(int(fmt[digits:i]))
        nxt = fmt[i] if i < n else ""
        after = fmt[i + 1] if i + 1 < n else ""
        spec: _Spec
        if nxt == "p":
            if after in ("k", "u") and fmt[i + 2 : i + 3] == "s":
                i += 3
                if not _after_ok(fmt, i):
                    raise FormatError("a string conversion must be followed by a space or punctuation")
                spec = _Spec(flags, width, "str", after, 0)
            elif after == "" or after in _SPACE or after in _PUNCT or after in "KxsS":
                kind = after if after in "KxsS" else ""
                i += 2 if kind else 1
                spec = _Spec(flags, width, "ptr", kind, 8)
            elif after == "B":
                i += 2
                spec = _Spec(flags, width, "ptr", "B", 0)
            elif after in "iI" and fmt[i + 2 : i + 3] in ("4", "6"):
                spec = _Spec(flags, width, "ip", after + fmt[i + 2], 0)
                i += 3
            else:
                raise FormatError(f"unsupported pointer conversion %p{after}")
        elif nxt == "s":
            i += 1
            if not _after_ok(fmt, i):
                raise FormatError("a string conversion must be followed by a space or punctuation")
            spec = _Spec(flags, width, "str", "", 0)
        elif nxt == "c":
            i += 1
            spec = _Spec(flags, width, "char", "c", 1)
        else:
            size = 4
            for _ in range(2):
                if i < n and fmt[i] == "l":
                    size = 8
                    i += 1
            conv = fmt[i] if i < n else ""
            if conv == "" or conv not in "iduxX":
                raise FormatError(f"unsupported conversion in {fmt[start - 1 : i + 1]!r}")
            i += 1
            spec = _Spec(flags, width, "int", conv, size)
        if text:
            out.append("".join(text))
            text = []
        out.append(spec)
        used += 1
    if text:
        out.append("".join(text))
    return out


def check_format(fmt: str, num_args: int) -> None:
    """Refuse a format the kernel's ``bpf_bprintf_prepare`` refuses for ``num_args`` arguments.

    Raises:
        FormatError: with what is wrong.
    """
    _parse(fmt, num_args)


def _pad(body: str, spec: _Spec) -> str:
    if spec.width is None or len(body) >= spec.width:
        return body
    fill = " " * (spec.width - len(body))
    return body + fill if "-" in spec.flags else fill + body


def _number(value: int, spec: _Spec, base: int, signed: bool, upper: bool = False) -> str:
    """The kernel's ``number()``: sign flags only for signed conversions; '-' beats '0'."""
    sign = ""
    if signed and value < 0:
        sign, value = "-", -value
    elif signed and "+" in spec.flags:
        sign = "+"
    elif signed and " " in spec.flags:
        sign = " "
    digits = format(value, "x" if base == 16 else "d")
    if upper:
        digits = digits.upper()
    width = spec.width or 0
    missing = width - len(sign) - len(digits)
    if missing <= 0:
        return sign + digits
    if "-" in spec.flags:
        return sign + digits + " " * missing
    if "0" in spec.flags:
        return sign + "0" * missing + digits
    return " " * missing + sign + digits


def _pointer_string(value: int, spec: _Spec) -> str:
    """``pointer_string()``: 16 zero-padded hex digits unless a width is given."""
    if spec.width is None:
        return format(value, "016x")
    return _number(value, spec, 16, signed=False)


def _hashed(value: int) -> int:
    """pybpf's stand-in for the kernel's per-boot pointer hash: 32 bits, fixed."""
    return zlib.crc32(value.to_bytes(8, "little")) & 0xFFFF_FFFF


def _ip(data: bytes, detail: str) -> str:
    if detail == "I4":
        return ".".join(str(b) for b in data)
    if detail == "i4":
        return ".".join(f"{b:03d}" for b in data)
    if detail == "I6":
        return ":".join(data[i : i + 2].hex() for i in range(0, 16, 2))
    return data.hex()


def _prepare(parts: list[str | _Spec], args: Sequence[int], read_str: ReadStr, read_mem: ReadMem | None) -> bytes:
    """``bpf_bprintf_prepare``'s binary arguments: integers and pointers 4-byte aligned,
    strings and pre-formatted IP addresses and symbols inline with their NUL, chars as a byte."""
    buf = bytearray()
    specs = [p for p in parts if isinstance(p, _Spec)]
    for spec, value in zip(specs, args):
        value &= _MASK64
        if spec.kind in ("int", "ptr") and spec.detail != "B":
            size = spec.size if spec.kind == "int" else 8
            buf += bytes((-len(buf)) % 4)
            if len(buf) + size > MAX_BPRINTF_BUF:
                raise FormatError("out of scratch space")
            buf += (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
            continue
        room = MAX_BPRINTF_BUF - len(buf)
        if spec.kind == "char":
            if room <= 0:
                raise FormatError("out of scratch space")
            buf.append(value & 0xFF)
        elif spec.kind == "str":
            if room <= 0:
                raise FormatError("out of scratch space")
            raw = read_str(value)
            data = raw.encode("latin-1") if isinstance(raw, str) else (raw or b"")
            buf += data.split(b"\0", 1)[0][: room - 1] + b"\0"
        elif spec.kind == "ip":
            size = 4 if spec.detail.endswith("4") else 16
            if room < size:
                raise FormatError("out of scratch space")
            address = read_mem(value, size) if read_mem is not None else None
            text = _ip(address if address is not None and len(address) == size else bytes(size), spec.detail)
            buf += text.encode()[: room - 1] + b"\0"
        else:  # %pB: the symbol, printed now
            buf += f"0x{value:x}".encode()[: room - 1] + b"\0"
    return bytes(buf)


class _Args:
    """``bstr_printf``'s reading of the binary arguments."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def number(self, size: int) -> int:
        self.pos += (-self.pos) % 4
        value = int.from_bytes(self.data[self.pos : self.pos + size].ljust(size, b"\0"), "little")
        self.pos += size
        return value

    def byte(self) -> int:
        value = self.data[self.pos] if self.pos < len(self.data) else 0
        self.pos += 1
        return value

    def string(self) -> str:
        end = self.data.find(b"\0", self.pos)
        end = len(self.data) if end < 0 else end
        text = self.data[self.pos : end].decode("latin-1")
        self.pos = end + 1
        return text


def format_bpf_bytes(
    fmt: str,
    args: Sequence[int],
    read_str: ReadStr,
    read_mem: ReadMem | None = None,
    size: int | None = None,
) -> bytes:
    """Format ``fmt`` with u64 ``args`` as the kernel does; the bytes it would write into an
    unbounded buffer (no NUL), whose length is what the helpers return.

    ``read_str(address)`` reads a NUL-terminated string (None when the address cannot be
    read); ``read_mem(address, size)`` reads an IP address (None when it cannot); ``size`` is
    the output buffer's size, which matters for one kernel quirk: IP addresses and ``%pB``
    are copied (and counted) only while the output is not yet full.

    Raises:
        FormatError: the kernel refuses the format (-EINVAL), or its scratch buffer runs out
            (-ENOSPC in the kernel).
    """
    parts = _parse(fmt, len(args))
    stream = _Args(_prepare(parts, args, read_str, read_mem))
    end = size if size is not None else float("inf")
    out: list[str] = []
    length = 0
    for part in parts:
        if isinstance(part, str):
            text = part
        elif part.kind == "int":
            bits = part.size * 8
            value = stream.number(part.size)
            signed = part.detail in "di"
            if signed and value >> (bits - 1):
                value -= 1 << bits
            text = _number(value, part, 16 if part.detail in "xX" else 10, signed, part.detail == "X")
        elif part.kind == "char":
            text = _pad(chr(stream.byte()), part)
        elif part.kind == "str":
            text = _pad(stream.string(), part)
        elif part.kind == "ip" or part.detail == "B":
            # copied as they are, width ignored, and only while there is room (bstr_printf)
            text = stream.string() if length < end else ""
        else:
            value = stream.number(8)
            if part.detail == "x":
                text = _pointer_string(value, part)
            elif part.detail in ("s", "S"):
                text = _pad(f"0x{value:x}", part)
            else:  # %p, %pK: hashed, except NULL and error pointers
                shown = value if value == 0 or value >= (1 << 64) - MAX_ERRNO else _hashed(value)
                text = _pointer_string(shown, part)
        out.append(text)
        length += len(text)
    return "".join(out).encode("latin-1")


def format_bpf(
    fmt: str, args: Sequence[int], read_str: ReadStr, read_mem: ReadMem | None = None, size: int | None = None
) -> str:
    """:func:`format_bpf_bytes` as text (UTF-8, undecodable bytes replaced)."""
    return format_bpf_bytes(fmt, args, read_str, read_mem, size).decode("utf-8", "replace")
