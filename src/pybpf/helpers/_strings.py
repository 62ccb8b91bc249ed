"""``bpf_strtol`` and ``bpf_strtoul``: integers parsed from program memory as the kernel parses
them (``__bpf_strtoull`` over the kernel's ``_parse_integer``).

Leading white space (the kernel's: the six ASCII ones and NBSP, 0xa0) is skipped, one ``-`` is
taken, then at most 63 characters are parsed in the base of the flags' low five bits (0 detects
``0x`` hex and ``0`` octal, as C does). The result is the number of bytes consumed; the output
is zeroed first, so it reads 0 after any failure.
"""

from __future__ import annotations

import struct

from ..engine import ExecContext
from ._impl import implements

EINVAL, ERANGE = 22, 34
BASE_MASK = 0x1F  #: BPF_STRTOX_BASE_MASK
_SPACES = frozenset(b"\t\n\v\f\r \xa0")
_MAX_DIGITS = 63  #: what fits the kernel's 64-byte copy with its NUL
_U64 = (1 << 64) - 1


def _digit(c: int) -> int:
    """The value of an ASCII digit or letter (16 and more for anything else)."""
    if 0x30 <= c <= 0x39:
        return c - 0x30
    if 0x61 <= c | 0x20 <= 0x66:
        return (c | 0x20) - 0x61 + 10
    return 16


def parse_unsigned(text: bytes, flags: int) -> tuple[int, int, bool]:
    """(bytes consumed or a negative errno, the value, whether a ``-`` preceded it)."""
    base = flags & BASE_MASK
    if base not in (0, 8, 10, 16) or flags & ~BASE_MASK or not text:
        return -EINVAL, 0, False
    at = 0
    while at < len(text) and text[at] in _SPACES:
        at += 1
    negative = at < len(text) and text[at] == 0x2D
    at += negative
    if at == len(text):
        return -EINVAL, 0, negative
    rest = text[at : at + _MAX_DIGITS].split(b"\0", 1)[0] + b"\0\0"
    prefix = 0
    if base == 0:
        base = 10 if rest[0] != 0x30 else 16 if rest[1] | 0x20 == 0x78 and _digit(rest[2]) < 16 else 8
    if base == 16 and rest[0] == 0x30 and rest[1] | 0x20 == 0x78:
        prefix = 2
    value, count, overflow = 0, 0, False
    for c in rest[prefix:]:
        d = _digit(c)
        if d >= base:
            break
        value = value * base + d
        overflow |= value > _U64
        value &= _U64
        count += 1
    if overflow:
        return -ERANGE, 0, negative
    if count == 0:
        return -EINVAL, 0, negative
    return at + prefix + count, value, negative


def _parse(ctx: ExecContext, buf: int, size: int, flags: int, res: int, signed: bool) -> int:
    ctx.write(res, bytes(8))
    size &= 0xFFFF_FFFF
    consumed, value, negative = parse_unsigned(ctx.read(buf, size) if size else b"", flags)
    if consumed < 0:
        return consumed
    if signed:
        value = -value if negative else value
        if not -(1 << 63) <= value < 1 << 63:
            return -ERANGE
        ctx.write(res, struct.pack("<q", value))
    else:
        if negative:
            return -EINVAL
        ctx.write(res, struct.pack("<Q", value))
    return consumed


@implements("bpf_strtol")
def strtol(ctx: ExecContext, buf: int, size: int, flags: int, res: int, _5: int) -> int:
    return _parse(ctx, buf, size, flags, res, signed=True)


@implements("bpf_strtoul")
def strtoul(ctx: ExecContext, buf: int, size: int, flags: int, res: int, _5: int) -> int:
    return _parse(ctx, buf, size, flags, res, signed=False)
