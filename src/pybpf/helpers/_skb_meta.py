"""Helpers on what a test run's skb carries besides its bytes: its type, hash, timestamp and
checksum state, its cgroup class and route; relative loads; tc redirects to peers and
neighbours.

A test-run skb (``bpf_prog_test_run_skb``) has no route, no tunnel or xfrm state and a
``CHECKSUM_NONE`` checksum, and its task is in no net_cls cgroup: the helpers answer what the
kernel answers for such an skb. Fields a program can read back (``pkt_type``, ``hash``,
``tstamp``) live in the run's ``struct __sk_buff``, which these helpers update in place.
"""

from __future__ import annotations

import struct

from ..engine import BpfRuntimeError, ExecContext
from ._impl import host, implements
from ._packet import TC_ACT_REDIRECT, TC_ACT_SHOT, packet_bounds
from ._room import SkbPacket
from ._task import current_task_under_cgroup

EINVAL, EFAULT, ENOENT, ENOTSUPP = 22, 14, 2, 524
# struct __sk_buff offsets (UAPI)
SKB_PKT_TYPE, SKB_HASH, SKB_TSTAMP, SKB_TSTAMP_TYPE = 4, 68, 152, 183
SKB_DATA = 76
PACKET_OTHERHOST = 3  #: the highest pkt_type bpf_skb_change_type moves between
BPF_HDR_START_MAC, BPF_HDR_START_NET = 0, 1
ETH_HLEN = 14
RELATIVE_MAX_OFFSET = 0xFFFF
#: bpf_skb_set_tstamp's clocks: the time base of skb->tstamp
BPF_SKB_CLOCK_REALTIME, BPF_SKB_CLOCK_MONOTONIC, BPF_SKB_CLOCK_TAI = 0, 1, 2
BPF_F_INGRESS = 1


def _u32_at(ctx: ExecContext, skb: int, offset: int) -> int:
    return int.from_bytes(ctx.read(skb + offset, 4), "little")


@implements("bpf_get_cgroup_classid")
def get_cgroup_classid(ctx: ExecContext, *_: int) -> int:
    """0: the task is in no net_cls cgroup."""
    return 0


@implements("bpf_get_route_realm")
def get_route_realm(ctx: ExecContext, *_: int) -> int:
    """0: a test-run skb has no route (no dst)."""
    return 0


@implements("bpf_skb_change_type")
def skb_change_type(ctx: ExecContext, skb: int, pkt_type: int, *_: int) -> int:
    """Only between PACKET_HOST and PACKET_OTHERHOST, from and to (``skb_pkt_type_ok``)."""
    current = _u32_at(ctx, skb, SKB_PKT_TYPE)
    pkt_type &= 0xFFFF_FFFF
    if current > PACKET_OTHERHOST or pkt_type > PACKET_OTHERHOST:
        return -EINVAL
    ctx.write(skb + SKB_PKT_TYPE, pkt_type.to_bytes(4, "little"))
    return 0


@implements("bpf_set_hash")
def set_hash(ctx: ExecContext, skb: int, value: int, *_: int) -> int:
    ctx.write(skb + SKB_HASH, (value & 0xFFFF_FFFF).to_bytes(4, "little"))
    return 0


@implements("bpf_set_hash_invalid")
def set_hash_invalid(ctx: ExecContext, skb: int, *_: int) -> int:
    """``skb_clear_hash``: the hash reads 0 until recomputed."""
    ctx.write(skb + SKB_HASH, bytes(4))
    return 0


@implements("bpf_csum_update")
def csum_update(ctx: ExecContext, *_: int) -> int:
    """-ENOTSUPP: only a CHECKSUM_COMPLETE skb has a checksum to update, and a test run's is
    CHECKSUM_NONE."""
    return -ENOTSUPP


@implements("bpf_skb_load_bytes_relative")
def skb_load_bytes_relative(ctx: ExecContext, skb: int, offset: int, to: int, length: int, start: int) -> int:
    """Copy from the MAC or network header (the frame's start, or 14 bytes in); -EFAULT, with
    ``to`` zeroed, for another header, an offset over 64 KiB or bytes past the packet."""
    length &= 0xFFFF_FFFF
    offset &= 0xFFFF_FFFF
    data, end = packet_bounds(ctx, skb)
    # The MAC header opens the frame: at data for tc, 14 bytes before it for the types that
    # see the packet from its network header.
    frame = data if _sees_link_layer(ctx) else data - ETH_HLEN
    base = {BPF_HDR_START_MAC: frame, BPF_HDR_START_NET: frame + ETH_HLEN}.get(start & 0xFFFF_FFFF)
    if base is None or offset > RELATIVE_MAX_OFFSET or base + offset + length > end:
        ctx.write(to, bytes(length))
        return -EFAULT
    ctx.write(to, ctx.read(base + offset, length))
    return 0


def _sees_link_layer(ctx: ExecContext) -> bool:
    program = ctx.program
    return program is not None and program.type.name in ("SCHED_CLS", "SCHED_ACT")


@implements("bpf_skb_set_tstamp")
def skb_set_tstamp(ctx: ExecContext, skb: int, tstamp: int, clock: int, *_: int) -> int:
    """A delivery time on the monotonic or TAI clock must not be 0; a real-time stamp may be
    anything (Linux 6.18)."""
    clock &= 0xFFFF_FFFF
    if clock not in (BPF_SKB_CLOCK_REALTIME, BPF_SKB_CLOCK_MONOTONIC, BPF_SKB_CLOCK_TAI):
        return -EINVAL
    if clock != BPF_SKB_CLOCK_REALTIME and not tstamp:
        return -EINVAL
    ctx.write(skb + SKB_TSTAMP, struct.pack("<Q", tstamp))
    ctx.write(skb + SKB_TSTAMP_TYPE, bytes([clock]))
    return 0


@implements("bpf_get_branch_snapshot")
def get_branch_snapshot(ctx: ExecContext, buf: int, size: int, flags: int, *_: int) -> int:
    """-EINVAL for flags, else -ENOENT: pybpf's CPUs record no branches (as a CPU without
    LBR; the size need not be whole entries)."""
    return -EINVAL if flags else -ENOENT


@implements("bpf_redirect_peer")
def redirect_peer(ctx: ExecContext, ifindex: int, flags: int, *_: int) -> int:
    if flags:
        return TC_ACT_SHOT
    host(ctx).record("redirect", ("peer", ifindex & 0xFFFF_FFFF))
    return TC_ACT_REDIRECT


REDIR_NEIGH_SIZE = 20  #: sizeof(struct bpf_redir_neigh)


@implements("bpf_redirect_neigh")
def redirect_neigh(ctx: ExecContext, ifindex: int, params: int, plen: int, flags: int, _5: int) -> int:
    plen = ((plen & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000
    if (plen and plen < REDIR_NEIGH_SIZE) or flags:
        return TC_ACT_SHOT
    host(ctx).record("redirect", ("neigh", ifindex & 0xFFFF_FFFF))
    return TC_ACT_REDIRECT


SKB_PROTOCOL = 16
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD
INET_ECN_MASK, INET_ECN_CE = 3, 3


@implements("bpf_skb_ecn_set_ce")
def skb_ecn_set_ce(ctx: ExecContext, skb: int, *_: int) -> int:
    """``INET_ECN_set_ce``: an ECN-capable IPv4 or IPv6 packet gets the CE mark (IPv4's header
    checksum updated incrementally) and 1; a CE one stays and gives 1; any other packet 0."""
    protocol = int.from_bytes(ctx.read(skb + SKB_PROTOCOL, 2), "big")
    data, end = packet_bounds(ctx, skb)
    network = data + ETH_HLEN if _sees_link_layer(ctx) else data
    header = {ETH_P_IP: 20, ETH_P_IPV6: 40}.get(protocol)
    if header is None or network + header > end:
        return 0
    if protocol == ETH_P_IPV6:
        word = int.from_bytes(ctx.read(network, 4), "big")
        if not (word >> 20) & INET_ECN_MASK:
            return 0
        ctx.write(network, (word | INET_ECN_CE << 20).to_bytes(4, "big"))
        return 1
    tos, check = ctx.read(network + 1, 1)[0], int.from_bytes(ctx.read(network + 10, 2), "big")
    ecn = (tos + 1) & INET_ECN_MASK
    if not ecn & 2:
        return int(not ecn)
    total = check + 0xFFFB + ecn
    check = (total & 0xFFFF) + (total >> 16)
    ctx.write(network + 1, bytes([tos | INET_ECN_CE]))
    ctx.write(network + 10, (check & 0xFFFF).to_bytes(2, "big"))
    return 1


@implements("bpf_skb_cgroup_id")
def skb_cgroup_id(ctx: ExecContext, *_: int) -> int:
    """The cgroup of the packet's socket: a test run's socket is made by the calling task,
    so it is that task's cgroup (checked)."""
    return int(host(ctx).current_task().cgroup_id)


@implements("bpf_sk_cgroup_id")
def sk_cgroup_id(ctx: ExecContext, *_: int) -> int:
    """A socket's cgroup: pybpf's only sockets are test runs', made by the calling task."""
    return int(host(ctx).current_task().cgroup_id)


@implements("bpf_skb_under_cgroup")
def skb_under_cgroup(ctx: ExecContext, skb: int, m: int, index: int, *_: int) -> int:
    """Whether the packet's socket is in the cgroup at index of a cgroup array: the socket is
    the calling task's, so as ``bpf_current_task_under_cgroup`` answers."""
    return current_task_under_cgroup(ctx, m, index, 0, 0, 0)


@implements("bpf_skb_cgroup_classid")
def skb_cgroup_classid(ctx: ExecContext, *_: int) -> int:
    """0: the socket's task is in no net_cls cgroup."""
    return 0


@implements("bpf_get_socket_uid")
def get_socket_uid(ctx: ExecContext, *_: int) -> int:
    """0: a test run's socket belongs to no ``struct socket``, so the kernel reports the
    namespace's root (``sock_net_uid``), whoever runs the test (checked)."""
    return 0


EACCES = 13
BPF_CSUM_LEVEL_QUERY, BPF_CSUM_LEVEL_INC, BPF_CSUM_LEVEL_DEC, BPF_CSUM_LEVEL_RESET = 0, 1, 2, 3
SKB_MAX_CSUM_LEVEL = 3


@implements("bpf_csum_level")
def csum_level(ctx: ExecContext, skb: int, level: int, *_: int) -> int:
    """The skb's CHECKSUM_UNNECESSARY level: a test-run skb starts CHECKSUM_NONE (a query is
    -EACCES); INC makes it UNNECESSARY at level 0, then counts up to 3; DEC counts down and
    past 0 makes it NONE again; RESET makes it NONE."""
    owner = ctx.region(packet_bounds(ctx, skb)[0], 1, -1, "load").owner
    if not isinstance(owner, SkbPacket):
        raise BpfRuntimeError("bpf_csum_level: the packet is not a test run's")
    current = owner.csum_unnecessary
    if level == BPF_CSUM_LEVEL_QUERY:
        return -EACCES if current is None else current
    if level == BPF_CSUM_LEVEL_INC:
        current = 0 if current is None else min(current + 1, SKB_MAX_CSUM_LEVEL)
    elif level == BPF_CSUM_LEVEL_DEC:
        current = None if not current else current - 1
    elif level == BPF_CSUM_LEVEL_RESET:
        current = None
    else:
        return -EINVAL
    owner.csum_unnecessary = current
    return 0


@implements("bpf_clone_redirect")
def clone_redirect(ctx: ExecContext, skb: int, ifindex: int, flags: int, *_: int) -> int:
    """A copy of the packet goes to the loopback device (ifindex 1, the only one: recorded in
    result.redirect) and 0 comes back; -EINVAL for another device or unknown flags."""
    ifindex &= 0xFFFF_FFFF
    if flags & ~BPF_F_INGRESS or ifindex != LOOPBACK_IFINDEX:
        return -EINVAL
    host(ctx).record("redirect", ("clone", ifindex, "ingress" if flags else "egress"))
    return 0


LOOPBACK_IFINDEX = 1


LOOPBACK_MTU, LOOPBACK_HARD_HEADER = 65536, 14  #: the loopback device test runs use
BPF_MTU_CHK_SEGS = 1
BPF_MTU_CHK_RET_SUCCESS, BPF_MTU_CHK_RET_FRAG_NEEDED = 0, 1
ENODEV = 19
SKB_GSO_SIZE = 176


@implements("bpf_check_mtu")
def check_mtu(ctx: ExecContext, context: int, ifindex: int, mtu_len: int, len_diff: int, flags: int) -> int:
    """Whether the packet (or an L3 length given in ``*mtu_len``), changed by len_diff, fits
    the device's MTU (with its link-layer header); the MTU goes to ``*mtu_len`` in every case.
    The device is the loopback one (ifindex 0 or 1; -ENODEV for others). A GSO skb (a context
    gave gso_size) passes, as its segments are checked later; checking them now (SEGS) is
    not modelled."""
    xdp = ctx.program is not None and ctx.program.type.name == "XDP"
    given = int.from_bytes(ctx.read(mtu_len, 4), "little")
    diff = ((len_diff & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000
    allowed = 0 if xdp else BPF_MTU_CHK_SEGS
    result, mtu = BPF_MTU_CHK_RET_FRAG_NEEDED, 0
    if flags & ~allowed or (flags & BPF_MTU_CHK_SEGS and (diff or given)):
        result = -EINVAL
    elif ifindex & 0xFFFF_FFFF not in (0, LOOPBACK_IFINDEX):
        result = -ENODEV
    else:
        mtu = LOOPBACK_MTU
        data, end = packet_bounds(ctx, context)
        length = (given + LOOPBACK_HARD_HEADER if given else end - data) + diff
        gso = not xdp and bool(int.from_bytes(ctx.read(context + SKB_GSO_SIZE, 4), "little"))
        if length <= mtu + LOOPBACK_HARD_HEADER or gso:
            if gso and length > mtu + LOOPBACK_HARD_HEADER and flags & BPF_MTU_CHK_SEGS:
                raise BpfRuntimeError("bpf_check_mtu: checking a GSO packet's segments is not modelled by pybpf")
            result = BPF_MTU_CHK_RET_SUCCESS
    ctx.write(mtu_len, mtu.to_bytes(4, "little"))
    return result


@implements("bpf_skb_get_xfrm_state")
def skb_get_xfrm_state(ctx: ExecContext, skb: int, index: int, to: int, size: int, flags: int) -> int:
    """A test-run skb has no IPsec path: ``to`` zeroed and -EINVAL, whatever is asked."""
    ctx.write(to, bytes(size & 0xFFFF_FFFF))
    return -EINVAL


@implements("bpf_get_netns_cookie")
def get_netns_cookie(ctx: ExecContext, context: int, *_: int) -> int:
    """The cookie of the context's network namespace, which for pybpf's runs is the calling
    process's (as a test run's skb and socket are); for NULL, the host's first namespace's."""
    cookie = host(ctx).netns_cookie(initial=not context)
    if cookie is None:
        raise BpfRuntimeError("bpf_get_netns_cookie: the host does not tell pybpf this network namespace's cookie")
    return cookie


ROOT_CGROUP_ID = 1  #: the cgroup v2 root's id


def _ancestor_cgroup_id(ctx: ExecContext, level: int, helper: str) -> int:
    """The id of the current task's cgroup ancestor at ``level`` (0: the root), 0 below its
    own level. pybpf knows a task's cgroup id, not the path to it: for a task in the root
    (the default task) every answer is known, for another only the root's."""
    level = ((level & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000
    own = int(host(ctx).current_task().cgroup_id)
    if level < 0:
        return 0
    if level == 0:
        return ROOT_CGROUP_ID
    if own == ROOT_CGROUP_ID:
        return 0
    raise BpfRuntimeError(f"{helper}: pybpf knows the task's cgroup id ({own}), not the cgroups above it")


@implements("bpf_get_current_ancestor_cgroup_id")
def get_current_ancestor_cgroup_id(ctx: ExecContext, level: int, *_: int) -> int:
    return _ancestor_cgroup_id(ctx, level, "bpf_get_current_ancestor_cgroup_id")


@implements("bpf_skb_ancestor_cgroup_id")
def skb_ancestor_cgroup_id(ctx: ExecContext, skb: int, level: int, *_: int) -> int:
    """The packet socket's: a test run's socket is in the calling task's cgroup."""
    return _ancestor_cgroup_id(ctx, level, "bpf_skb_ancestor_cgroup_id")


@implements("bpf_sk_ancestor_cgroup_id")
def sk_ancestor_cgroup_id(ctx: ExecContext, sk: int, level: int, *_: int) -> int:
    return _ancestor_cgroup_id(ctx, level, "bpf_sk_ancestor_cgroup_id")
