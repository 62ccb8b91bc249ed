"""Output helpers: ``bpf_trace_printk`` into the runtime's trace, ``bpf_snprintf`` into memory."""

from __future__ import annotations

from ..engine import ExecContext
from ._format import FormatError, format_bpf
from ._impl import host, implements

EINVAL = 22
E2BIG = 7
MAX_ARGS = 12  #: bpf_snprintf accepts at most this many u64 arguments (MAX_BPRINTF_VARARGS)


def _c_string(ctx: ExecContext, address: int, limit: int = 256) -> str:
    """A NUL-terminated string from program memory, read byte by byte within its region."""
    out = bytearray()
    while len(out) < limit:
        byte = ctx.read(address + len(out), 1)
        if byte == b"\0":
            break
        out += byte
    return out.decode("utf-8", "replace")


@implements("bpf_trace_printk")
def trace_printk(ctx: ExecContext, fmt: int, fmt_size: int, a1: int, a2: int, a3: int) -> int:
    text = ctx.read(fmt, fmt_size).split(b"\0", 1)[0].decode("utf-8", "replace")
    try:
        line = format_bpf(text, (a1, a2, a3), lambda address: _c_string(ctx, address))
    except FormatError:
        return -EINVAL
    host(ctx).trace(ctx.cpu, line.rstrip("\n"))
    return len(line.encode())


@implements("bpf_snprintf")
def snprintf(ctx: ExecContext, out: int, size: int, fmt: int, data: int, data_len: int) -> int:
    if data_len % 8 or data_len > 8 * MAX_ARGS:
        return -EINVAL
    raw = ctx.read(data, data_len) if data_len else b""
    args = [int.from_bytes(raw[i : i + 8], "little") for i in range(0, data_len, 8)]
    try:
        text = format_bpf(_c_string(ctx, fmt, 1024), args, lambda address: _c_string(ctx, address))
    except FormatError:
        return -EINVAL
    encoded = text.encode()
    if size:
        written = encoded[: size - 1] + b"\0"
        ctx.write(out, written)
    return len(encoded) + 1
