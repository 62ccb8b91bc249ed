"""The printf subset of ``bpf_trace_printk`` and ``bpf_snprintf``.

The kernel accepts ``%d %i %u %x %X %c %s %p`` (with ``l``/``ll`` length modifiers, ``%%``,
flags, width and precision) and refuses anything else with ``-EINVAL``; arguments are u64
values, strings are addresses read through the run's memory checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

__all__ = ["FormatError", "format_bpf"]

_SPEC = re.compile(r"%([-+ #0]*)(\d*)(?:\.(\d+))?(l{0,2}|h{0,2}|z)([diuxXcsp%])")
_MAX_STR = 256  #: longest string argument read, as bpf_snprintf's scratch buffer limits it


class FormatError(Exception):
    """The format string asks for a conversion the kernel refuses (helpers return -EINVAL)."""


def format_bpf(fmt: str, args: Sequence[int], read_str: Callable[[int], str]) -> str:
    """Format ``fmt`` with u64 ``args`` the way the kernel's bpf_bprintf_prepare allows."""
    out, pos, used = [], 0, 0
    for m in _SPEC.finditer(fmt):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        flags, width, precision, length, conv = m.groups()
        if conv == "%":
            out.append("%")
            continue
        if used >= len(args):
            raise FormatError("more conversions than arguments")
        value = args[used]
        used += 1
        out.append(_convert(flags, width, precision, length, conv, value, read_str))
    rest = fmt[pos:]
    if "%" in rest:
        raise FormatError(f"unsupported conversion in {rest!r}")
    out.append(rest)
    return "".join(out)


def _convert(
    flags: str, width: str, precision: str | None, length: str, conv: str, value: int,
    read_str: Callable[[int], str],
) -> str:
    bits = 64 if length in ("l", "ll", "z") or conv in "sp" else 32  # pointers are never cut
    value &= (1 << bits) - 1
    if conv in "di" and value >> (bits - 1):
        value -= 1 << bits
    spec = "%" + flags + width + (f".{precision}" if precision is not None else "")
    if conv == "s":
        return (spec + "s") % read_str(value)[:_MAX_STR]
    if conv == "c":
        return (spec + "c") % chr(value & 0xFF)
    if conv == "p":
        return (spec + "s") % f"0x{value:x}"
    return (spec + {"i": "d", "u": "d"}.get(conv, conv)) % value
