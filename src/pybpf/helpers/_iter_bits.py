"""The bit iterator kfuncs (``bpf_iter_bits_new``/``_next``/``_destroy``, Linux 6.11 on): the
set bits of a copy of a bitmap, lowest first.

The iterator's 16 bytes on the program's stack hold what the kernel's ``bpf_iter_bits_kern``
holds: the bitmap itself when it is one word, else the address of a copy in allocator memory;
then the number of bits and the last bit returned (``_next`` returns a pointer to that int).
"""

from __future__ import annotations

import struct

from ..engine import ExecContext, OutOfBoundsError
from ._impl import host
from ._kfunc_impl import implements_kfunc
from ._misc import kernel_address

__all__ = ["BITS_ITER_NR_WORDS_MAX"]

EINVAL, E2BIG, ENOMEM, EFAULT, ERANGE = 22, 7, 12, 14, 34
BITS_ITER_NR_WORDS_MAX = 511  #: the most words one iterator copies (Linux 6.12 to 6.18)
_ALLOC_MAX = 4096  #: the largest block the BPF memory allocator hands out
_KERN = struct.Struct("<Qii")  #: bits (or their address), nr_bits, bit
_BIT_FIELD = 12  #: the offset of ``bit``, whose address ``_next`` returns


@implements_kfunc("bpf_iter_bits_new")
def iter_bits_new(ctx: ExecContext, it: int, src: int, nr_words: int, _4: int, _5: int) -> int:
    """Copy ``nr_words`` words from ``src`` (a read that faults fails the iterator, which then
    yields nothing): -EINVAL for NULL or no words, -E2BIG over the limit or the allocator's
    largest block, -EFAULT or -ERANGE when the words cannot be read."""
    ctx.write(it, _KERN.pack(0, 0, -1))
    nr_words &= 0xFFFF_FFFF
    if not src or not nr_words:
        return -EINVAL
    if nr_words > BITS_ITER_NR_WORDS_MAX:
        return -E2BIG
    size = nr_words * 8
    try:
        data = ctx.read(src, size)
    except OutOfBoundsError:
        # one word reports -EFAULT; a copy reports the read's own error (-ERANGE for an
        # address the kernel will not try)
        return -EFAULT if nr_words == 1 or kernel_address(src) else -ERANGE
    if nr_words == 1:
        ctx.write(it, _KERN.pack(int.from_bytes(data, "little"), 64, -1))
        return 0
    if size > _ALLOC_MAX:
        return -E2BIG
    copy = host(ctx).new_memory(size, "bpf_iter_bits copy")
    if not copy:
        return -ENOMEM
    ctx.write(copy, data)
    ctx.write(it, _KERN.pack(copy, size * 8, -1))
    return 0


@implements_kfunc("bpf_iter_bits_next")
def iter_bits_next(ctx: ExecContext, it: int, *_: int) -> int:
    """A pointer to the index of the next set bit, or NULL past the last."""
    bits, nr_bits, bit = _KERN.unpack(ctx.read(it, _KERN.size))
    if not nr_bits or bit >= nr_bits:
        return 0
    value = bits if nr_bits == 64 else int.from_bytes(ctx.read(bits, nr_bits // 8), "little")
    rest = value >> (bit + 1)
    bit = bit + 1 + (rest & -rest).bit_length() - 1 if rest else nr_bits
    ctx.write(it + _BIT_FIELD, struct.pack("<i", bit))
    return it + _BIT_FIELD if bit < nr_bits else 0


@implements_kfunc("bpf_iter_bits_destroy")
def iter_bits_destroy(ctx: ExecContext, it: int, *_: int) -> int:
    """Free the copy of a bitmap of more than one word."""
    bits, nr_bits, _bit = _KERN.unpack(ctx.read(it, _KERN.size))
    if nr_bits > 64:
        host(ctx).drop_object(bits)
    return 0
