"""The test run of a netfilter program (``bpf_prog_test_run_nf`` of ``net/bpf/test_run.c``).

The program's context is a ``struct bpf_nf_ctx``: pointers to the hook state and the skb, both
laid out as the modelled BTF says (CO-RE programs read them through relocations). ``data_in``
is the packet; ``ctx_in`` is an optional ``struct nf_hook_state`` of which user space may set
only ``hook`` and ``pf`` (the protocol family: IPv4 or IPv6). The kernel's checks, in its order:

- a packet shorter than an IPv4 header: EINVAL; a ctx longer than the state with anything
  after it: E2BIG; a ctx naming devices, a socket, a namespace or ``okfn``, or another family:
  EINVAL;
- at the default hook (``NF_INET_LOCAL_OUT``) the packet is the IP packet itself, its protocol
  the family's; at any other hook it is an Ethernet frame of at least 34 bytes whose EtherType
  must be IPv4 or IPv6 (else EPROTO) and agree with the family (an IPv6 frame needs a whole
  IPv6 header), else EINVAL; the Ethernet header is then pulled.

Nothing comes back but the return value: ``data_out`` is empty. Without a ctx the state is
IPv4 at LOCAL_OUT with no devices; with one, the kernel sets ``out`` to the loopback device
(it picks the devices by the default hook, whatever hook the ctx names).
"""

from __future__ import annotations

import struct

from ..engine import Region
from ._errors import TestRunError
from ._kernel_btf import struct_offsets
from ._net_contexts import NetRun

__all__ = ["NF_HOOK_STATE_SIZE", "netfilter_run"]

EINVAL, E2BIG, EPROTO = 22, 7, 71
ETH_HLEN = 14
IPV4_HLEN, IPV6_HLEN = 20, 40
NFPROTO_IPV4, NFPROTO_IPV6 = 2, 10
NF_INET_LOCAL_OUT = 3
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD
NF_HOOK_STATE_SIZE = 48  #: sizeof(struct nf_hook_state): what ctx_in may hold
_STATE_POINTERS = (8, 48)  #: in, out, sk, net and okfn: user space must leave them NULL
NET_SKB_PAD = 64  #: the skb's headroom in front of the packet
MAX_PACKET = 4096 - NET_SKB_PAD - 320  #: a page less the headroom and struct skb_shared_info
LOOPBACK_IFINDEX = 1


def _fail(message: str, errno: int) -> TestRunError:
    return TestRunError(f"test_run: netfilter {message}", errno)


def netfilter_run(ctx: bytes | None, data: bytes | None) -> NetRun:
    """Check a netfilter test run's input as the kernel does and build its context.

    Raises:
        TestRunError: with the kernel's errno for input it refuses.
    """
    packet = bytes(data or b"")
    if len(packet) < IPV4_HLEN:
        raise _fail(f"programs need a packet of at least an IPv4 header ({IPV4_HLEN} bytes) (EINVAL)", EINVAL)
    if len(packet) > MAX_PACKET:
        raise _fail(f"packet of {len(packet)} bytes is over {MAX_PACKET} (EINVAL)", EINVAL)
    hook, pf, user_ctx = NF_INET_LOCAL_OUT, NFPROTO_IPV4, ctx is not None
    if ctx is not None:
        user = bytes(ctx)
        if len(user) > NF_HOOK_STATE_SIZE and any(user[NF_HOOK_STATE_SIZE:]):
            raise _fail("ctx has non-zero bytes past struct nf_hook_state (E2BIG)", E2BIG)
        user = user[:NF_HOOK_STATE_SIZE].ljust(NF_HOOK_STATE_SIZE, b"\0")
        if any(user[_STATE_POINTERS[0] : _STATE_POINTERS[1]]):
            raise _fail("ctx may not name devices, a socket, a namespace or okfn (EINVAL)", EINVAL)
        hook, pf = user[0], user[1]
        if pf not in (NFPROTO_IPV4, NFPROTO_IPV6):
            raise _fail(f"ctx protocol family {pf} is neither IPv4 (2) nor IPv6 (10) (EINVAL)", EINVAL)
    if hook == NF_INET_LOCAL_OUT:
        protocol, pulled = ETH_P_IP if pf == NFPROTO_IPV4 else ETH_P_IPV6, 0
    else:
        protocol, pulled = _frame_protocol(packet, pf), ETH_HLEN
    return _context(packet, hook, pf, protocol, pulled, loopback_out=user_ctx)


def _frame_protocol(frame: bytes, pf: int) -> int:
    """The EtherType of a frame at a hook before LOCAL_OUT (``eth_type_trans``), checked against
    the family."""
    if len(frame) < ETH_HLEN + IPV4_HLEN:
        raise _fail(f"frames need an Ethernet and an IPv4 header ({ETH_HLEN + IPV4_HLEN} bytes) (EINVAL)", EINVAL)
    ethertype = struct.unpack_from(">H", frame, 12)[0]
    if ethertype not in (ETH_P_IP, ETH_P_IPV6):
        raise _fail(f"frame of EtherType {ethertype:#06x} is neither IPv4 nor IPv6 (EPROTO)", EPROTO)
    if ethertype == ETH_P_IPV6 and len(frame) < ETH_HLEN + IPV6_HLEN:
        raise _fail(f"IPv6 frames need {ETH_HLEN + IPV6_HLEN} bytes (EINVAL)", EINVAL)
    if (ethertype == ETH_P_IP) != (pf == NFPROTO_IPV4):
        raise _fail("frame's EtherType does not match the ctx's protocol family (EINVAL)", EINVAL)
    return int(ethertype)


def _context(packet: bytes, hook: int, pf: int, protocol: int, pulled: int, *, loopback_out: bool) -> NetRun:
    size, dev_fields = struct_offsets("net_device")
    loopback = Region(size, "loopback device", writable=False)
    loopback.buf[0:2] = b"lo"
    struct.pack_into("<i", loopback.buf, dev_fields["ifindex"], LOOPBACK_IFINDEX)
    size, fields = struct_offsets("nf_hook_state")
    state = Region(size, "nf_hook_state", writable=False)
    state.buf[fields["hook"]], state.buf[fields["pf"]] = hook, pf
    if loopback_out:
        struct.pack_into("<Q", state.buf, fields["out"], loopback.base)
    head = Region.from_bytes(bytes(NET_SKB_PAD) + packet, "skb head", writable=False)
    size, fields = struct_offsets("sk_buff")
    skb = Region(size, "sk_buff", writable=False)
    data_offset = NET_SKB_PAD + pulled
    struct.pack_into("<I", skb.buf, fields["len"], len(packet) - pulled)
    struct.pack_into(">H", skb.buf, fields["protocol"], protocol)  # __be16
    struct.pack_into("<Q", skb.buf, fields["head"], head.base)
    struct.pack_into("<Q", skb.buf, fields["data"], head.base + data_offset)
    if pulled:  # eth_type_trans set the device and the MAC header; the network header follows
        struct.pack_into("<Q", skb.buf, fields["dev"], loopback.base)
        struct.pack_into("<H", skb.buf, fields["mac_header"], NET_SKB_PAD)
        struct.pack_into("<H", skb.buf, fields["network_header"], data_offset)
    else:
        struct.pack_into("<H", skb.buf, fields["mac_header"], 0xFFFF)  # unset
    size, fields = struct_offsets("bpf_nf_ctx")
    nf_ctx = Region(size, "bpf_nf_ctx", writable=False)
    struct.pack_into("<QQ", nf_ctx.buf, fields["state"], state.base, skb.base)
    return NetRun(nf_ctx.base, (nf_ctx, state, skb, head, loopback), lambda: (b"", None))
