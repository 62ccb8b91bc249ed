"""Output helpers: ``bpf_trace_printk`` into the runtime's trace, ``bpf_snprintf`` into memory."""

from __future__ import annotations

from ..engine import BpfRuntimeError, ExecContext
from ._format import MAX_BPRINTF_BUF, FormatError, format_bpf_bytes
from ._impl import host, implements

EINVAL = 22
E2BIG = 7
MAX_ARGS = 12  #: bpf_snprintf accepts at most this many u64 arguments (MAX_BPRINTF_VARARGS)


def _c_string(ctx: ExecContext, address: int, limit: int = 1024) -> bytes | None:
    """A NUL-terminated string from program memory, or None when it cannot be read (the
    kernel's ``strncpy_from_kernel_nofault`` fails and prints nothing)."""
    out = bytearray()
    try:
        while len(out) < limit:
            byte = ctx.read(address + len(out), 1)
            if byte == b"\0":
                break
            out += byte
    except BpfRuntimeError:
        return None
    return bytes(out)


def _memory(ctx: ExecContext, address: int, size: int) -> bytes | None:
    """``size`` bytes of program memory, or None when they cannot be read."""
    try:
        return ctx.read(address, size)
    except BpfRuntimeError:
        return None


def _format(ctx: ExecContext, fmt: bytes, args: list[int], size: int) -> bytes:
    return format_bpf_bytes(
        fmt.decode("latin-1"), args, lambda address: _c_string(ctx, address), lambda a, n: _memory(ctx, a, n), size
    )


@implements("bpf_trace_printk")
def trace_printk(ctx: ExecContext, fmt: int, fmt_size: int, a1: int, a2: int, a3: int) -> int:
    return _print(ctx, ctx.read(fmt, fmt_size), [a1, a2, a3])


def _print(ctx: ExecContext, raw: bytes, args: list[int]) -> int:
    """Format and append one trace line: its length, or -EINVAL for a bad format."""
    if b"\0" not in raw:
        return -EINVAL  # the format must end within fmt_size
    try:
        line = _format(ctx, raw.split(b"\0", 1)[0], args, MAX_BPRINTF_BUF)
    except FormatError:
        return -EINVAL
    kept = line[: MAX_BPRINTF_BUF - 1]  # what fits the kernel's buffer; the length is the whole
    host(ctx).trace(ctx.cpu, kept.decode("utf-8", "replace").rstrip("\n"))
    return len(line)


@implements("bpf_trace_vprintk")
def trace_vprintk(ctx: ExecContext, fmt: int, fmt_size: int, data: int, data_len: int, _5: int) -> int:
    """bpf_trace_printk with its arguments in an array of u64 (up to MAX_ARGS)."""
    data_len &= 0xFFFF_FFFF
    if data_len % 8 or data_len > 8 * MAX_ARGS or (data_len and not data):
        return -EINVAL
    raw = ctx.read(data, data_len) if data_len else b""
    args = [int.from_bytes(raw[i : i + 8], "little") for i in range(0, data_len, 8)]
    return _print(ctx, ctx.read(fmt, fmt_size), args)


@implements("bpf_seq_printf")
def seq_printf(ctx: ExecContext, seq: int, fmt: int, fmt_size: int, data: int, data_len: int) -> int:
    """An iterator's output: pybpf has no seq_file, so the line goes to the trace; 0 on success."""
    rc = trace_vprintk(ctx, fmt, fmt_size, data, data_len, 0)
    return min(0, rc)


@implements("bpf_seq_write")
def seq_write(ctx: ExecContext, seq: int, data: int, length: int, _4: int, _5: int) -> int:
    host(ctx).trace(ctx.cpu, ctx.read(data, length & 0xFFFF_FFFF).decode("utf-8", "replace"))
    return 0


@implements("bpf_snprintf")
def snprintf(ctx: ExecContext, out: int, size: int, fmt: int, data: int, data_len: int) -> int:
    if data_len % 8 or data_len > 8 * MAX_ARGS or (data_len and not data):
        return -EINVAL
    raw = ctx.read(data, data_len) if data_len else b""
    args = [int.from_bytes(raw[i : i + 8], "little") for i in range(0, data_len, 8)]
    text = _c_string(ctx, fmt)
    if text is None:
        return -EINVAL
    try:
        encoded = _format(ctx, text, args, size)
    except FormatError:
        return -EINVAL
    if size:
        ctx.write(out, encoded[: size - 1] + b"\0")
    return len(encoded) + 1
