"""Packet helpers on test_run data: byte loads and stores, checksums, redirects, XDP head moves.

A helper finds the packet through the context it is given, as the kernel does: ``data`` and
``data_end`` of ``struct __sk_buff`` (offsets 76 and 80) or ``struct xdp_md`` (0 and 4), which
pybpf keeps as real addresses. Redirects are recorded (``TestRunResult.redirect``), since
``BPF_PROG_TEST_RUN`` only reports the verdict.
"""

from __future__ import annotations

from ..engine import ExecContext
from ._impl import host, implements, map_arg

EINVAL = 22
EFAULT = 14
ENOMEM = 12
SKB_DATA, SKB_DATA_END = 76, 80
XDP_DATA, XDP_DATA_END, XDP_DATA_META = 0, 4, 8
BPF_F_RECOMPUTE_CSUM = 1 << 0  #: skb_store_bytes: update the skb's csum (pybpf keeps none)
BPF_F_INVALIDATE_HASH = 1 << 1  #: skb_store_bytes: clear the skb's hash
BPF_F_HDR_FIELD_MASK = 0xF  #: csum_replace flags: the size of the changed field (0, 2 or 4)
BPF_F_PSEUDO_HDR = 1 << 4  #: l4_csum_replace: the field is part of the pseudo-header
BPF_F_MARK_MANGLED_0 = 1 << 5  #: l4_csum_replace: a UDP checksum of 0 stays 0 and 0 becomes 0xffff
BPF_F_MARK_ENFORCE = 1 << 6
BPF_F_INGRESS = 1 << 0  #: redirect to the device's ingress
BPF_F_BROADCAST = 1 << 3  #: redirect_map: to every device of the map
BPF_F_EXCLUDE_INGRESS = 1 << 4  #: redirect_map with broadcast: except the receiving one
TC_ACT_SHOT, TC_ACT_REDIRECT = 2, 7
XDP_ABORTED, XDP_REDIRECT = 0, 4
XDP_ACTION_MASK = 3  #: the fallback verdicts redirect_map's flags may carry (XDP_ABORTED..XDP_TX)
ETH_HLEN = 14
XDP_FRAME_SIZE = 40  #: sizeof(struct xdp_frame) on x86-64: kept free at the start of an XDP buffer


def _is_xdp(ctx: ExecContext) -> bool:
    program = ctx.program
    return program is not None and program.type.name == "XDP"


def packet_bounds(ctx: ExecContext, context: int) -> tuple[int, int]:
    """``data`` and ``data_end`` of the packet behind the program's context."""
    data, end = (XDP_DATA, XDP_DATA_END) if _is_xdp(ctx) else (SKB_DATA, SKB_DATA_END)
    raw = ctx.read(context, 8 if data == XDP_DATA else 84)
    return int.from_bytes(raw[data : data + 4], "little"), int.from_bytes(raw[end : end + 4], "little")


def _span(ctx: ExecContext, context: int, offset: int, length: int) -> int | None:
    """The address of ``[offset, offset + length)`` of the packet, or None when it is not all there."""
    start, end = packet_bounds(ctx, context)
    offset &= 0xFFFF_FFFF
    if length < 0 or offset + length > end - start:
        return None
    return start + offset


@implements("bpf_skb_load_bytes")
def skb_load_bytes(ctx: ExecContext, skb: int, offset: int, to: int, length: int, _5: int) -> int:
    """-EFAULT (and a zeroed destination) past the packet, as ``bpf_skb_load_bytes``."""
    length &= 0xFFFF_FFFF
    at = _span(ctx, skb, offset, length)
    if at is None:
        ctx.write(to, bytes(length))
        return -EFAULT
    ctx.write(to, ctx.read(at, length))
    return 0


@implements("bpf_skb_store_bytes")
def skb_store_bytes(ctx: ExecContext, skb: int, offset: int, from_: int, length: int, flags: int) -> int:
    if flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH):
        return -EINVAL
    length &= 0xFFFF_FFFF
    at = _span(ctx, skb, offset, length)
    if at is None:
        return -EFAULT
    ctx.write(at, ctx.read(from_, length))
    return 0


SKB_LEN = 0  #: offset of ``len`` in ``struct __sk_buff``


@implements("bpf_skb_pull_data")
def skb_pull_data(ctx: ExecContext, skb: int, length: int, *_: int) -> int:
    """A test run's packet is all linear, so pulling succeeds up to the packet's length and
    fails with -ENOMEM past it, as ``pskb_may_pull`` does."""
    skb_len = int.from_bytes(ctx.read(skb + SKB_LEN, 4), "little")
    return -ENOMEM if length & 0xFFFF_FFFF > skb_len else 0


def _fold32(total: int) -> int:
    """A one's-complement sum folded to 32 bits with end-around carries."""
    while total >> 32:
        total = (total & 0xFFFF_FFFF) + (total >> 32)
    return total


def _fold16(total: int) -> int:
    total = _fold32(total)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _words(data: bytes) -> int:
    return sum(int.from_bytes(data[i : i + 4], "little") for i in range(0, len(data), 4))


def _partial(data: bytes, seed: int) -> int:
    """``csum_partial`` (x86-64): seed plus the little-endian words of data, zero-padded,
    folded to 32 bits."""
    padded = data + bytes(-len(data) % 4)
    return _fold32(_words(padded) + (seed & 0xFFFF_FFFF))


def _from32to16(value: int) -> int:
    """``csum_from32to16``: the 32-bit sum folded to 16 bits (not inverted)."""
    value = (value & 0xFFFF) + (value >> 16)
    return ((value & 0xFFFF) + (value >> 16)) & 0xFFFF


@implements("bpf_csum_diff")
def csum_diff(ctx: ExecContext, from_: int, from_size: int, to: int, to_size: int, seed: int) -> int:
    """The checksum difference as Linux 6.18 computes it (since 6.13): the partial sum of ``to``
    less that of ``from``, folded to 16 bits; any sizes (multiples of 4 are no longer required)."""
    from_size &= 0xFFFF_FFFF
    to_size &= 0xFFFF_FFFF
    seed &= 0xFFFF_FFFF
    old = ctx.read(from_, from_size) if from_size else b""
    new = ctx.read(to, to_size) if to_size else b""
    if old and new:
        total = _fold32(_partial(new, seed) + (~_partial(old, 0) & 0xFFFF_FFFF))
    elif new:
        total = _partial(new, seed)
    elif old:
        total = ~_partial(old, ~seed & 0xFFFF_FFFF) & 0xFFFF_FFFF
    else:
        total = seed
    return _from32to16(total)


def _replace(ctx: ExecContext, skb: int, offset: int, old: int, new: int, size: int, mangled_0: bool) -> int:
    """Update the 16-bit checksum at ``offset`` (as stored) for a field changed from old to new."""
    if size not in (0, 2, 4):
        return -EINVAL
    at = _span(ctx, skb, offset, 2)
    if at is None:
        return -EFAULT
    current = int.from_bytes(ctx.read(at, 2), "little")
    if mangled_0 and current == 0:
        return 0
    mask = {0: 0xFFFF_FFFF, 2: 0xFFFF, 4: 0xFFFF_FFFF}[size]
    diff = new & 0xFFFF_FFFF if size == 0 else (~old & mask) + (new & mask)
    result = ~_fold16((~current & 0xFFFF) + diff) & 0xFFFF
    if mangled_0 and result == 0:
        result = 0xFFFF
    ctx.write(at, result.to_bytes(2, "little"))
    return 0


@implements("bpf_l3_csum_replace")
def l3_csum_replace(ctx: ExecContext, skb: int, offset: int, old: int, new: int, flags: int) -> int:
    if flags & ~BPF_F_HDR_FIELD_MASK:
        return -EINVAL
    return _replace(ctx, skb, offset, old, new, flags & BPF_F_HDR_FIELD_MASK, False)


@implements("bpf_l4_csum_replace")
def l4_csum_replace(ctx: ExecContext, skb: int, offset: int, old: int, new: int, flags: int) -> int:
    known = BPF_F_HDR_FIELD_MASK | BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE
    if flags & ~known:
        return -EINVAL
    return _replace(ctx, skb, offset, old, new, flags & BPF_F_HDR_FIELD_MASK, bool(flags & BPF_F_MARK_MANGLED_0))


@implements("bpf_redirect")
def redirect(ctx: ExecContext, ifindex: int, flags: int, *_: int) -> int:
    xdp = _is_xdp(ctx)
    if flags & ~BPF_F_INGRESS or (xdp and flags):
        return XDP_ABORTED if xdp else TC_ACT_SHOT
    host(ctx).record("redirect", ("ifindex", ifindex & 0xFFFF_FFFF, "ingress" if flags else "egress"))
    return XDP_REDIRECT if xdp else TC_ACT_REDIRECT


@implements("bpf_redirect_map")
def redirect_map(ctx: ExecContext, m: int, key: int, flags: int, _4: int, _5: int) -> int:
    """XDP_REDIRECT when the map holds a target at key (recorded), else the fallback verdict in
    the low bits of flags; XDP_ABORTED for unknown flags."""
    target = map_arg(ctx, m, "bpf_redirect_map")
    broadcast = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS if target.type.name in ("DEVMAP", "DEVMAP_HASH") else 0
    if flags & ~(XDP_ACTION_MASK | broadcast):
        return XDP_ABORTED
    key &= 0xFFFF_FFFF
    if flags & BPF_F_BROADCAST:
        host(ctx).record("redirect", (target.name, "broadcast", bool(flags & BPF_F_EXCLUDE_INGRESS)))
        return XDP_REDIRECT
    if target.stored(key) is None:
        return flags & XDP_ACTION_MASK
    host(ctx).record("redirect", (target.name, key, target.stored(key)))
    return XDP_REDIRECT


@implements("bpf_xdp_adjust_head")
def xdp_adjust_head(ctx: ExecContext, xdp_md: int, delta: int, *_: int) -> int:
    """Move ``data`` (and the metadata in front of it) by delta: -EINVAL unless the new start
    leaves room for the ``struct xdp_frame`` at the start of the buffer and an Ethernet header
    before ``data_end`` (``bpf_xdp_adjust_head``)."""
    delta = ((delta & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000
    raw = ctx.read(xdp_md, 12)
    data, end, meta = (int.from_bytes(raw[i : i + 4], "little") for i in (XDP_DATA, XDP_DATA_END, XDP_DATA_META))
    buffer = ctx.region(data, 1, -1, "load")
    new = data + delta
    if new < buffer.base + XDP_FRAME_SIZE or new > end - ETH_HLEN:
        return -EINVAL
    metalen = data - meta
    if metalen:
        ctx.write(meta + delta, ctx.read(meta, metalen))
    ctx.write(xdp_md, new.to_bytes(4, "little") + end.to_bytes(4, "little") + (meta + delta).to_bytes(4, "little"))
    return 0


XDP_META_MAX = 255  #: the most metadata an XDP packet may carry (skb_shared_info.meta_len is a u8)
EACCES = 13


@implements("bpf_xdp_adjust_meta")
def xdp_adjust_meta(ctx: ExecContext, xdp_md: int, delta: int, *_: int) -> int:
    """Move ``data_meta`` by delta: -EINVAL unless it stays between the room kept for the
    ``struct xdp_frame`` and ``data``; -EACCES for metadata that is not a multiple of 4 bytes
    or over 255 (``bpf_xdp_adjust_meta``)."""
    delta = ((delta & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000
    raw = ctx.read(xdp_md, 12)
    data, meta = (int.from_bytes(raw[i : i + 4], "little") for i in (XDP_DATA, XDP_DATA_META))
    buffer = ctx.region(data, 1, -1, "load")
    new = meta + delta
    if new < buffer.base + XDP_FRAME_SIZE or new > data:
        return -EINVAL
    metalen = data - new
    if metalen % 4 or metalen > XDP_META_MAX:
        return -EACCES
    ctx.write(xdp_md + XDP_DATA_META, new.to_bytes(4, "little"))
    return 0


@implements("bpf_xdp_adjust_tail")
def xdp_adjust_tail(ctx: ExecContext, xdp_md: int, delta: int, *_: int) -> int:
    """Move ``data_end`` by delta: -EINVAL for a packet shorter than an Ethernet header or an
    end past the page's tailroom; new bytes are zeroed (``bpf_xdp_adjust_tail``)."""
    delta = ((delta & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000
    raw = ctx.read(xdp_md, 8)
    data, end = (int.from_bytes(raw[i : i + 4], "little") for i in (XDP_DATA, XDP_DATA_END))
    buffer = ctx.region(data, 1, -1, "load")
    new = end + delta
    if new < data + ETH_HLEN or new > buffer.end:
        return -EINVAL
    if delta > 0:
        ctx.write(end, bytes(delta))
    ctx.write(xdp_md + XDP_DATA_END, new.to_bytes(4, "little"))
    return 0


XDP_ACCESS_MAX = 0xFFFF  #: bpf_xdp_pointer: an offset or length past this is -EFAULT


def _xdp_span(ctx: ExecContext, xdp_md: int, offset: int, length: int) -> int:
    """The address of ``[offset, offset + length)`` of an XDP packet, or a negative errno as
    ``bpf_xdp_pointer`` gives it: -EFAULT for an offset or length over 64 KiB, -EINVAL past the
    end of the packet."""
    offset &= 0xFFFF_FFFF
    length &= 0xFFFF_FFFF
    if offset > XDP_ACCESS_MAX or length > XDP_ACCESS_MAX:
        return -EFAULT
    start, end = packet_bounds(ctx, xdp_md)
    if offset + length > end - start:
        return -EINVAL
    return start + offset


@implements("bpf_xdp_get_buff_len")
def xdp_get_buff_len(ctx: ExecContext, xdp_md: int, *_: int) -> int:
    start, end = packet_bounds(ctx, xdp_md)
    return end - start


def _xdp_copy(ctx: ExecContext, xdp_md: int, offset: int, buf: int, length: int, store: bool) -> int:
    """Copy between ``buf`` and the packet (into it when ``store``); on failure nothing is
    copied, so unlike ``bpf_skb_load_bytes`` a failed load leaves ``buf`` as it was."""
    at = _xdp_span(ctx, xdp_md, offset, length)
    if at < 0:
        return at
    src, dst = (buf, at) if store else (at, buf)
    ctx.write(dst, ctx.read(src, length & 0xFFFF_FFFF))
    return 0


@implements("bpf_xdp_load_bytes")
def xdp_load_bytes(ctx: ExecContext, xdp_md: int, offset: int, buf: int, length: int, _5: int) -> int:
    return _xdp_copy(ctx, xdp_md, offset, buf, length, store=False)


@implements("bpf_xdp_store_bytes")
def xdp_store_bytes(ctx: ExecContext, xdp_md: int, offset: int, buf: int, length: int, _5: int) -> int:
    return _xdp_copy(ctx, xdp_md, offset, buf, length, store=True)


FIB_LOOKUP_SIZE = 64  #: sizeof(struct bpf_fib_lookup)
FIB_LOOKUP_FLAGS = 0x3F  #: DIRECT, OUTPUT, SKIP_NEIGH, TBID, SRC, MARK
BPF_FIB_LKUP_RET_FWD_DISABLED = 5
AF_INET, AF_INET6 = 2, 10
ENODEV, EAFNOSUPPORT = 19, 97
LOOPBACK_IFINDEX = 1


@implements("bpf_fib_lookup")
def fib_lookup(ctx: ExecContext, context: int, params: int, plen: int, flags: int, _5: int) -> int:
    """What the kernel answers on a host whose only device is a loopback that does not forward
    (checked): -EINVAL for a short struct or unknown flags, -EAFNOSUPPORT for a family other
    than IPv4/IPv6, -ENODEV for another ifindex, else BPF_FIB_LKUP_RET_FWD_DISABLED."""
    plen = ((plen & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000
    if plen < FIB_LOOKUP_SIZE or flags & ~FIB_LOOKUP_FLAGS:
        return -EINVAL
    raw = ctx.read(params, FIB_LOOKUP_SIZE)
    if raw[0] not in (AF_INET, AF_INET6):
        return -EAFNOSUPPORT
    if int.from_bytes(raw[8:12], "little") != LOOPBACK_IFINDEX:
        return -ENODEV
    return BPF_FIB_LKUP_RET_FWD_DISABLED
