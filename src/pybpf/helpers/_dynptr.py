"""Dynamic pointers: ``struct bpf_dynptr`` as the kernel lays it out (``bpf_dynptr_kern``), and
the helpers and kfuncs that make, read and narrow them.

The 16 bytes are ``void *data; u32 size; u32 offset``; the top byte of ``size`` holds the
read-only bit (31) and the type (bits 28-30), the low 24 bits the size. Only local dynptrs
(over program memory) and ring buffer dynptrs exist here; every access is bounds-checked as
``bpf_dynptr_check_off_len`` does.
"""

from __future__ import annotations

import struct

from ..engine import ExecContext
from ._impl import implements

__all__ = ["BPF_DYNPTR_TYPE_LOCAL", "DYNPTR_MAX_SIZE", "DYNPTR_SIZE", "read_dynptr", "write_dynptr"]

EINVAL, E2BIG, ERANGE = 22, 7, 34
DYNPTR_SIZE = 16
DYNPTR_MAX_SIZE = (1 << 24) - 1
DYNPTR_SIZE_MASK = DYNPTR_MAX_SIZE
DYNPTR_RDONLY_BIT = 1 << 31
DYNPTR_TYPE_SHIFT = 28
BPF_DYNPTR_TYPE_LOCAL = 1
_LAYOUT = struct.Struct("<QII")


def read_dynptr(ctx: ExecContext, address: int) -> tuple[int, int, int, bool]:
    """(data, size, offset, read-only) of the dynptr at ``address``."""
    data, size, offset = _LAYOUT.unpack(ctx.read(address, DYNPTR_SIZE))
    return data, size & DYNPTR_SIZE_MASK, offset, bool(size & DYNPTR_RDONLY_BIT)


def write_dynptr(ctx: ExecContext, address: int, data: int, size: int, offset: int, kind: int, rdonly: bool) -> None:
    """Store a dynptr (all zeros for a NULL one)."""
    word = size | kind << DYNPTR_TYPE_SHIFT | (DYNPTR_RDONLY_BIT if rdonly else 0) if data else 0
    ctx.write(address, _LAYOUT.pack(data, word, offset if data else 0))


def _span(ctx: ExecContext, ptr: int, offset: int, length: int) -> int:
    """The address of [offset, offset + length) of the dynptr, or a negative errno."""
    data, size, start, _ = read_dynptr(ctx, ptr)
    if not data:
        return -EINVAL
    offset &= 0xFFFF_FFFF
    if length > size or offset > size - length:
        return -E2BIG
    return data + start + offset


@implements("bpf_dynptr_from_mem")
def dynptr_from_mem(ctx: ExecContext, data: int, size: int, flags: int, ptr: int, _5: int) -> int:
    size &= 0xFFFF_FFFF
    if flags or size > DYNPTR_MAX_SIZE:
        write_dynptr(ctx, ptr, 0, 0, 0, 0, False)
        return -EINVAL if flags else -E2BIG
    write_dynptr(ctx, ptr, data, size, 0, BPF_DYNPTR_TYPE_LOCAL, False)
    return 0


@implements("bpf_dynptr_read")
def dynptr_read(ctx: ExecContext, dst: int, length: int, src: int, offset: int, flags: int) -> int:
    length &= 0xFFFF_FFFF
    at = _span(ctx, src, offset, length)
    if flags or at < 0:  # dst keeps what it held (the kernel does not clear it)
        return -EINVAL if flags else at
    ctx.write(dst, ctx.read(at, length))
    return 0


@implements("bpf_dynptr_write")
def dynptr_write(ctx: ExecContext, dst: int, offset: int, src: int, length: int, flags: int) -> int:
    length &= 0xFFFF_FFFF
    if flags or read_dynptr(ctx, dst)[3]:
        return -EINVAL
    at = _span(ctx, dst, offset, length)
    if at < 0:
        return at
    ctx.write(at, ctx.read(src, length))
    return 0


@implements("bpf_dynptr_data")
def dynptr_data(ctx: ExecContext, ptr: int, offset: int, length: int, _4: int, _5: int) -> int:
    """The memory, writable: NULL for a read-only dynptr, as in the kernel."""
    if read_dynptr(ctx, ptr)[3]:
        return 0
    at = _span(ctx, ptr, offset, length & 0xFFFF_FFFF)
    return max(at, 0)
