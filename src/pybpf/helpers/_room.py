"""Helpers that change a tc packet's length: ``bpf_skb_adjust_room`` (room for encapsulation
headers, or less of it for decapsulation), ``bpf_skb_change_tail`` and ``bpf_skb_change_head``.

The kernel's test-run skb grows by reallocating its head when it lacks room; pybpf gives the
run a new packet region (the verifier makes programs reload their packet pointers after these
helpers, so none points into the old one). The packet's owner, the run's memory, does the
replacing: see :class:`SkbPacket`. The checks and errnos are ``bpf_skb_adjust_room``'s for a
test-run skb: not GSO unless the context gave it a ``gso_size``, which makes it GSO of no
known type (so every adjustment is -ENOTSUPP), MAC header 14 bytes before the network header.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..engine import BpfRuntimeError, ExecContext
from ._impl import implements
from ._packet import packet_bounds

EFAULT, EINVAL, EALREADY, ENOMEM, ENOTSUPP = 14, 22, 114, 12, 524
ETH_HLEN = 14
SKB_PROTOCOL, SKB_GSO_SIZE = 16, 176  #: struct __sk_buff offsets
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD
_NET_BASE_LEN = {ETH_P_IP: 20, ETH_P_IPV6: 40}  #: bpf_skb_net_base_len
BPF_ADJ_ROOM_NET, BPF_ADJ_ROOM_MAC = 0, 1
FIXED_GSO, ENCAP_L3_IPV4, ENCAP_L3_IPV6, ENCAP_L4_GRE, ENCAP_L4_UDP = 1, 1 << 1, 1 << 2, 1 << 3, 1 << 4
NO_CSUM_RESET, ENCAP_L2_ETH, DECAP_L3_IPV4, DECAP_L3_IPV6 = 1 << 5, 1 << 6, 1 << 7, 1 << 8
ENCAP_L2_SHIFT = 56  #: the inner MAC header's length sits in the top byte
_ENCAP_L3 = ENCAP_L3_IPV4 | ENCAP_L3_IPV6
_DECAP_L3 = DECAP_L3_IPV4 | DECAP_L3_IPV6
ADJ_ROOM_MASK = FIXED_GSO | _ENCAP_L3 | ENCAP_L4_GRE | ENCAP_L4_UDP | ENCAP_L2_ETH | 0xFF << ENCAP_L2_SHIFT | _DECAP_L3
ADJ_ROOM_MAX_DIFF = 0xFFF
#: the longest packet adjust_room grows to: SKB_MAX_ALLOC (four pages less the shared info)
SKB_MAX_ALLOC = 4 * 4096 - 320


@runtime_checkable
class SkbPacket(Protocol):
    """What owns a test run's tc packet (``Region.owner`` of its packet region)."""

    #: the skb's encapsulation bit (set by an encapsulating adjust_room, once per run)
    encapsulated: bool
    #: where the network header starts in the frame (14 until bpf_skb_change_head)
    network_offset: int
    #: the CHECKSUM_UNNECESSARY level (bpf_csum_level), None while CHECKSUM_NONE
    csum_unnecessary: int | None

    @property
    def resizable(self) -> bool:
        """Whether the packet's length may change (a tc packet)."""
        ...

    def replace(self, ctx: ExecContext, frame: bytes) -> None:
        """Make ``frame`` the running program's packet."""
        ...


def _s32(value: int) -> int:
    return ((value & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000


def _owner(ctx: ExecContext, skb: int, helper: str) -> tuple[SkbPacket, bytes]:
    """The packet's owner and its frame (from the MAC header)."""
    data, end = packet_bounds(ctx, skb)
    owner = ctx.region(data, 1, -1, "load").owner
    if not isinstance(owner, SkbPacket) or not owner.resizable:
        raise BpfRuntimeError(f"{helper}: pybpf changes the length of tc test-run packets only")
    return owner, ctx.read(data, end - data)


def _set_protocol(ctx: ExecContext, skb: int, protocol: int) -> None:
    ctx.write(skb + SKB_PROTOCOL, protocol.to_bytes(2, "big"))


def _switch_l3(ctx: ExecContext, skb: int, protocol: int, to_ipv6: bool, to_ipv4: bool) -> None:
    """Match the skb's protocol to the outer header an (en/de)capsulation left."""
    if protocol == ETH_P_IP and to_ipv6:
        _set_protocol(ctx, skb, ETH_P_IPV6)
    elif protocol == ETH_P_IPV6 and to_ipv4:
        _set_protocol(ctx, skb, ETH_P_IP)


@implements("bpf_skb_adjust_room")
def skb_adjust_room(ctx: ExecContext, skb: int, len_diff: int, mode: int, flags: int, _5: int) -> int:
    """Insert zeroed bytes at, or remove bytes from, the end of the MAC header (mode MAC) or
    of the base network header (mode NET), with the kernel's checks and protocol changes."""
    diff, mode = _s32(len_diff), mode & 0xFFFF_FFFF
    shrink, amount = diff < 0, abs(diff)
    protocol = int.from_bytes(ctx.read(skb + SKB_PROTOCOL, 2), "big")
    if flags & ~(ADJ_ROOM_MASK | NO_CSUM_RESET):
        return -EINVAL
    if amount > ADJ_ROOM_MAX_DIFF:
        return -EFAULT
    if protocol not in _NET_BASE_LEN:
        return -ENOTSUPP
    len_min = _NET_BASE_LEN[protocol]
    if mode not in (BPF_ADJ_ROOM_NET, BPF_ADJ_ROOM_MAC):
        return -ENOTSUPP
    owner, frame = _owner(ctx, skb, "bpf_skb_adjust_room")
    network = owner.network_offset
    offset = network + (len_min if mode == BPF_ADJ_ROOM_NET else 0)
    if flags & _DECAP_L3:
        if not shrink or flags & _DECAP_L3 == _DECAP_L3:
            return -EINVAL
        len_min = 20 if flags & DECAP_L3_IPV4 else 40
    current = len(frame) - network
    gso = bool(int.from_bytes(ctx.read(skb + SKB_GSO_SIZE, 4), "little"))
    if shrink and (amount >= current or current - amount < len_min):
        return -ENOTSUPP
    if not shrink and len(frame) + amount > SKB_MAX_ALLOC and not gso:
        return -ENOTSUPP
    if shrink:
        if flags & ~(FIXED_GSO | _DECAP_L3 | NO_CSUM_RESET):
            return -EINVAL
        if gso:  # GSO of no known type: neither TCP nor UDP_L4
            return -ENOTSUPP
        if offset + amount > len(frame):
            return -ENOMEM
        owner.replace(ctx, frame[:offset] + frame[offset + amount :])
        if not flags & NO_CSUM_RESET:
            owner.csum_unnecessary = None
        _switch_l3(ctx, skb, protocol, bool(flags & DECAP_L3_IPV6), bool(flags & DECAP_L3_IPV4))
        return 0
    if gso:
        return -ENOTSUPP
    if flags & _ENCAP_L3:
        inner_mac = (flags >> ENCAP_L2_SHIFT) & 0xFF
        if flags & _ENCAP_L3 == _ENCAP_L3 or flags & (ENCAP_L4_GRE | ENCAP_L4_UDP) == ENCAP_L4_GRE | ENCAP_L4_UDP:
            return -EINVAL
        if flags & ENCAP_L2_ETH and inner_mac < ETH_HLEN:
            return -EINVAL
        if owner.encapsulated:
            return -EALREADY
        if inner_mac > amount:
            return -EINVAL
    owner.replace(ctx, frame[:offset] + bytes(amount) + frame[offset:])
    if not flags & NO_CSUM_RESET:
        owner.csum_unnecessary = None
    if flags & _ENCAP_L3:
        owner.encapsulated = True
        _switch_l3(ctx, skb, protocol, bool(flags & ENCAP_L3_IPV6), bool(flags & ENCAP_L3_IPV4))
    return 0


@implements("bpf_skb_change_tail")
def skb_change_tail(ctx: ExecContext, skb: int, new_len: int, flags: int, *_: int) -> int:
    """Trim the packet to new_len bytes or grow it with zeros: -EINVAL for flags or a length
    below the network header or over SKB_MAX_ALLOC, -ENOTSUPP once encapsulated."""
    new_len &= 0xFFFF_FFFF
    owner, frame = _owner(ctx, skb, "bpf_skb_change_tail")
    if flags or new_len > SKB_MAX_ALLOC or new_len < owner.network_offset:
        return -EINVAL
    if owner.encapsulated:
        return -ENOTSUPP
    if new_len != len(frame):
        owner.replace(ctx, frame[:new_len].ljust(new_len, b"\0"))
    return 0


@implements("bpf_skb_change_head")
def skb_change_head(ctx: ExecContext, skb: int, room: int, flags: int, *_: int) -> int:
    """Put room zeroed bytes in front of the packet, where its MAC header now starts (its
    network header stays): -EINVAL for flags or a packet over SKB_MAX_ALLOC."""
    room &= 0xFFFF_FFFF
    owner, frame = _owner(ctx, skb, "bpf_skb_change_head")
    gso = bool(int.from_bytes(ctx.read(skb + SKB_GSO_SIZE, 4), "little"))
    new_len = len(frame) + room
    if flags or (not gso and new_len > SKB_MAX_ALLOC) or new_len > 0xFFFF_FFFF:
        return -EINVAL
    if room:
        owner.replace(ctx, bytes(room) + frame)
        owner.network_offset += room
    return 0


# struct __sk_buff offsets of the hardware-accelerated VLAN tag: where pybpf keeps it
SKB_VLAN_PRESENT, SKB_VLAN_TCI, SKB_VLAN_PROTO = 20, 24, 28
ETH_P_8021Q, ETH_P_8021AD = 0x8100, 0x88A8
VLAN_HLEN = 4
_VLAN_TYPES = (ETH_P_8021Q, ETH_P_8021AD)


def _hw_tag(ctx: ExecContext, skb: int) -> tuple[int, int] | None:
    """The skb's accelerated tag, (protocol, tci), or None."""
    raw = ctx.read(skb + SKB_VLAN_PRESENT, 12)
    if not int.from_bytes(raw[0:4], "little"):
        return None
    return int.from_bytes(raw[8:10], "big"), int.from_bytes(raw[4:6], "little")


def _put_hw_tag(ctx: ExecContext, skb: int, tag: tuple[int, int] | None) -> None:
    """Store (or clear) the accelerated tag as a program reads it: the protocol as the
    kernel keeps it, in network byte order."""
    proto, tci = tag or (0, 0)
    raw = int(tag is not None).to_bytes(4, "little") + tci.to_bytes(4, "little") + proto.to_bytes(2, "big") + bytes(2)
    ctx.write(skb + SKB_VLAN_PRESENT, raw)


@implements("bpf_skb_vlan_push")
def skb_vlan_push(ctx: ExecContext, skb: int, proto: int, tci: int, *_: int) -> int:
    """``skb_vlan_push``: the new tag goes to the skb's accelerated tag (the bytes do not
    change); a tag already there is first written into the frame after the MAC addresses.
    A protocol other than 802.1Q or 802.1ad is taken as 802.1Q."""
    proto = int.from_bytes((proto & 0xFFFF).to_bytes(2, "little"), "big")
    if proto not in _VLAN_TYPES:
        proto = ETH_P_8021Q
    owner, frame = _owner(ctx, skb, "bpf_skb_vlan_push")
    present = _hw_tag(ctx, skb)
    if present is not None:
        old_proto, old_tci = present
        owner.replace(ctx, frame[:12] + old_proto.to_bytes(2, "big") + old_tci.to_bytes(2, "big") + frame[12:])
        _set_protocol(ctx, skb, old_proto)
    _put_hw_tag(ctx, skb, (proto, tci & 0xFFFF))
    return 0


def _pop_from_frame(ctx: ExecContext, skb: int, owner: SkbPacket, frame: bytes) -> tuple[int, bytes] | int:
    """``__skb_vlan_pop``: remove the tag after the MAC addresses; (its TCI, the new frame),
    or -ENOMEM for a frame too short to hold one."""
    if len(frame) < ETH_HLEN + VLAN_HLEN:
        return -ENOMEM
    tci = int.from_bytes(frame[14:16], "big")
    inner = int.from_bytes(frame[16:18], "big")
    frame = frame[:12] + frame[16:]
    owner.replace(ctx, frame)
    owner.network_offset = max(owner.network_offset - VLAN_HLEN, ETH_HLEN)
    if inner >= 0x600:  # ETH_P_802_3_MIN: an EtherType, not a length
        _set_protocol(ctx, skb, inner)
    return tci, frame


@implements("bpf_skb_vlan_pop")
def skb_vlan_pop(ctx: ExecContext, skb: int, *_: int) -> int:
    """``skb_vlan_pop``: drop the accelerated tag, or else the frame's outer tag; then move
    the frame's next tag, if any, into the accelerated tag."""
    owner, frame = _owner(ctx, skb, "bpf_skb_vlan_pop")
    if _hw_tag(ctx, skb) is not None:
        _put_hw_tag(ctx, skb, None)
    else:
        if int.from_bytes(ctx.read(skb + SKB_PROTOCOL, 2), "big") not in _VLAN_TYPES:
            return 0
        popped = _pop_from_frame(ctx, skb, owner, frame)
        if isinstance(popped, int):
            return popped
        frame = popped[1]
    protocol = int.from_bytes(ctx.read(skb + SKB_PROTOCOL, 2), "big")
    if protocol not in _VLAN_TYPES:
        return 0
    popped = _pop_from_frame(ctx, skb, owner, frame)
    if isinstance(popped, int):
        return popped
    _put_hw_tag(ctx, skb, (protocol, popped[0]))
    return 0


SKB_HASH = 68  #: struct __sk_buff offset
XLAT_DIFF = 20  #: sizeof(struct ipv6hdr) - sizeof(struct iphdr)


@implements("bpf_skb_change_proto")
def skb_change_proto(ctx: ExecContext, skb: int, proto: int, flags: int, *_: int) -> int:
    """IPv4 to IPv6 (20 zeroed bytes after the MAC header) or back (20 bytes removed there),
    the skb's protocol changed and its hash cleared; the program writes the new header
    itself. -EINVAL for flags, -ENOTSUPP for any other change."""
    if flags:
        return -EINVAL
    to = int.from_bytes((proto & 0xFFFF).to_bytes(2, "little"), "big")  # a __be16 as passed
    current = int.from_bytes(ctx.read(skb + SKB_PROTOCOL, 2), "big")
    if (current, to) not in ((ETH_P_IP, ETH_P_IPV6), (ETH_P_IPV6, ETH_P_IP)):
        return -ENOTSUPP
    owner, frame = _owner(ctx, skb, "bpf_skb_change_proto")
    at = owner.network_offset
    if to == ETH_P_IPV6:
        owner.replace(ctx, frame[:at] + bytes(XLAT_DIFF) + frame[at:])
    elif at + XLAT_DIFF > len(frame):
        return -ENOMEM
    else:
        owner.replace(ctx, frame[:at] + frame[at + XLAT_DIFF :])
    _set_protocol(ctx, skb, to)
    ctx.write(skb + SKB_HASH, bytes(4))
    return 0
