"""What a program receives in r1, per program type, and the kernel's test_run contract for it.

- ``syscall``: the caller's context bytes, writable, copied back out (``ctx_out``); no packet.
- ``socket``, ``tc``/``classifier``/``action``: a packet of at least an Ethernet header, and a
  ``struct __sk_buff`` whose ``data``/``data_end`` point into it. ``tc`` sees the packet from
  its Ethernet header, a socket filter from its network header, as in the kernel.
- ``xdp``: a packet and a ``struct xdp_md``.
- ``raw_tp``: the arguments as an array of u64; ``fentry``/``fexit`` the same, from hooks.
- ``kprobe``: a ``struct pt_regs`` (x86-64 layout) with the arguments in the argument registers.

``struct __sk_buff`` and ``struct xdp_md`` keep packet pointers in 32-bit fields; the kernel
rewrites those loads, pybpf keeps programs as they are and places packets in memory whose
addresses fit in 32 bits (see :class:`Region`'s ``low`` argument).

What comes back follows ``net/bpf/test_run.c``: ``ctx_out`` only when a ``ctx`` went in, holding
the fields the kernel copies back (never packet pointers); a socket filter's ``data_out`` has its
Ethernet header zeroed, since the kernel pushes back an empty link-layer header after the run.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .._spec import ProgType
from ..engine import ExecContext, Region
from ..engine._context import forget_windows
from ..engine._memory import LowMemoryError
from ._errors import TestRunError
from ._net_contexts import flow_dissector_run, sk_lookup_run
from ._netfilter import netfilter_run
from ._test_sock import test_socket

__all__ = ["ARGS_COUNT_SIZE", "SKB_SIZE", "XDP_MD_SIZE", "RunInput", "args_context", "prepare_test_run", "pt_regs_context"]

E2BIG = 7
ENOMEM = 12
ENODEV = 19
EINVAL = 22
ENOTSUPP = 524
ETH_HLEN = 14
SKB_SIZE = 192  #: sizeof(struct __sk_buff)
XDP_MD_SIZE = 24  #: sizeof(struct xdp_md)
MAX_PACKET = 4096 - 320 - 256  #: the linear part of XDP test_run data (a page less overheads)
MAX_SKB_FRAGS = 17  #: the page fragments an XDP test run may add for the rest of data_in
MAX_SKB_PACKET = 4096 - 320 - 64  #: and on skb test_run data (less NET_SKB_PAD, not XDP headroom)
PAGE_SIZE = 4096  #: the longest ctx test_run reads (bpf_check_uarg_tail_zero)
GSO_MAX_SEGS = 65535  #: the largest gso_segs a ctx may give
LOOPBACK_IFINDEX = 1

# struct __sk_buff offsets (UAPI)
_SKB = {"len": 0, "pkt_type": 4, "protocol": 16, "ingress_ifindex": 36, "ifindex": 40, "data": 76,
        "data_end": 80, "data_meta": 140, "wire_len": 160, "gso_segs": 164}
# The __sk_buff fields test_run accepts from user space (convert___skb_to_skb; everything else
# must be zero) and copies back out (convert_skb_to___skb, plus gso_size as it came in):
# mark, priority, ingress_ifindex, ifindex, cb[5], tstamp, wire_len, gso_segs, gso_size, hwtstamp.
_SKB_SK = 168  #: the socket pointer
_SKB_USER_FIELDS = ((8, 12), (32, 44), (48, 68), (152, 168), (176, 180), (184, 192))
# struct xdp_md offsets (UAPI)
_XDP = {"data": 0, "data_end": 4, "data_meta": 8, "ingress_ifindex": 12, "rx_queue_index": 16,
        "egress_ifindex": 20}
_ZERO_SKB = bytes(SKB_SIZE)  #: the __sk_buff user space gives when it gives none
_U32_PAIR = struct.Struct("<II")  #: two adjacent __sk_buff fields: len and pkt_type, data and data_end
GSO_LEGACY_MAX_SIZE = 65536  #: the largest wire_len a ctx may give
PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST = 0, 2, 3  #: skb->pkt_type values
_L3_HEADER = {0x0800: 20, 0x86DD: 40}  #: EtherType -> the size of its network header
XDP_HEADROOM = 256  #: XDP_PACKET_HEADROOM: the room in front of an XDP packet's data
XDP_FRAME_END = 4096 - 320  #: where an XDP test run's page ends for the packet: its skb_shared_info follows
XDP_MAX_META = XDP_HEADROOM - 40  #: the most metadata before an XDP packet: the headroom less an xdp_frame
# struct pt_regs (x86-64): where the first six arguments and the return value live
PT_REGS_SIZE = 168
PT_REGS_ARGS = (112, 104, 96, 88, 72, 64)  # di, si, dx, cx, r8, r9
PT_REGS_RC = 80  # ax

_SKB_TYPES = {
    ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.SCHED_ACT, ProgType.CGROUP_SKB,
    ProgType.LWT_IN, ProgType.LWT_OUT, ProgType.LWT_XMIT, ProgType.LWT_SEG6LOCAL,
}
_NET_RUNS = {
    ProgType.FLOW_DISSECTOR: flow_dissector_run, ProgType.SK_LOOKUP: sk_lookup_run, ProgType.NETFILTER: netfilter_run,
}
#: Program types ``test_run`` can run (tracing programs run through their hooks instead).
RUNNABLE_TYPES = frozenset({ProgType.SYSCALL, ProgType.XDP, ProgType.RAW_TRACEPOINT}) | _SKB_TYPES | frozenset(_NET_RUNS)


@dataclass
class RunInput:
    """The regions and r1 of one run, and how to read ``data_out``/``ctx_out`` afterwards."""

    r1: int
    regions: tuple[Region, ...]
    packet: Region | None
    finish: Callable[[], tuple[bytes | None, bytes | None]]


def prepare_test_run(prog_type: ProgType, ctx: bytes | None, data: bytes | None) -> RunInput:
    """Check test_run's input as the kernel does and build the program's context.

    Raises:
        TestRunError: EINVAL for input the kernel refuses, ENOTSUPP for types it cannot run.
    """
    if prog_type == ProgType.SYSCALL:
        return _syscall(ctx, data)
    if prog_type in _SKB_TYPES:
        return _skb(prog_type, ctx, _packet(prog_type, data))
    if prog_type == ProgType.XDP:
        return _xdp(ctx, _packet(prog_type, data))
    if prog_type in _NET_RUNS:
        run = _NET_RUNS[prog_type](ctx, data)
        return RunInput(run.r1, run.regions, None, run.finish)
    if prog_type == ProgType.RAW_TRACEPOINT:
        if data:
            raise TestRunError("test_run: raw_tracepoint programs take no data (EINVAL)", EINVAL)
        region = Region.from_bytes(ctx or b"", "raw_tp args", writable=False)
        return RunInput(region.base if ctx else 0, (region,), None, lambda: (None, None))
    name = prog_type.name.lower()
    raise TestRunError(f"test_run: not supported for {name} programs (ENOTSUPP)", ENOTSUPP)


def _nothing_out() -> tuple[bytes | None, bytes | None]:
    return None, None


#: a run without context or packet (syscall programs called without ctx_in): shared, since a
#: RunInput is never changed
_NO_INPUT = RunInput(0, (), None, _nothing_out)


def _syscall(ctx: bytes | None, data: bytes | None) -> RunInput:
    if data:
        raise TestRunError("test_run: syscall programs take no data (EINVAL)", EINVAL)
    if not ctx:
        return _NO_INPUT
    region = Region.from_bytes(ctx, "ctx")
    return RunInput(region.base, (region,), None, lambda: (None, bytes(region.buf)))


def _packet(prog_type: ProgType, data: bytes | None) -> bytes:
    name = prog_type.name.lower()
    if data is None or len(data) < ETH_HLEN:
        raise TestRunError(f"test_run: {name} programs need a packet of at least {ETH_HLEN} bytes (EINVAL)", EINVAL)
    if prog_type != ProgType.XDP and len(data) > MAX_SKB_PACKET:  # XDP: see _xdp (fragments)
        raise TestRunError(f"test_run: packet of {len(data)} bytes is over {MAX_SKB_PACKET} (EINVAL)", EINVAL)
    return data


def _low_region(data: bytes, name: str) -> Region:
    try:
        return Region.from_bytes(data, name, low=True)
    except LowMemoryError as err:
        raise TestRunError(f"test_run: packet memory: {err}", EINVAL) from None


def _skb(prog_type: ProgType, ctx: bytes | None, data: bytes) -> RunInput:
    user = _ZERO_SKB if ctx is None else _skb_user_ctx(ctx)
    # An IPv4 or IPv6 frame must hold the whole network header (observed on Linux 6.18).
    network_header = _L3_HEADER.get(int.from_bytes(data[12:14], "big"), 0)
    if len(data) - ETH_HLEN < network_header:
        message = f"test_run: packet too short for its {network_header}-byte network header (EINVAL)"
        raise TestRunError(message, EINVAL)
    # tc sees the frame from its Ethernet header; a socket filter from its network header,
    # which is also where its legacy packet loads count from.
    is_tc = prog_type in (ProgType.SCHED_CLS, ProgType.SCHED_ACT)
    memory = _SkbMemory.take(is_tc, data, user)
    packet, skb = memory.packet, memory.skb
    start = packet.base if is_tc else packet.base + ETH_HLEN
    buf = skb.buf
    _U32_PAIR.pack_into(buf, 0, packet.end - start, _pkt_type(data[:6]))
    buf[_SKB["protocol"] : _SKB["protocol"] + 2] = data[12:14]  # __be16, as stored
    _put32(skb, "ifindex", LOOPBACK_IFINDEX)
    _U32_PAIR.pack_into(buf, _SKB["data"], start, packet.end)
    _put32(skb, "data_meta", start)
    if ctx is not None:
        # wire_len comes from the ctx, or is the packet length; without a ctx the kernel leaves it 0.
        wire_len = struct.unpack_from("<I", user, _SKB["wire_len"])[0]
        if not wire_len:
            _put32(skb, "wire_len", packet.end - start)
        elif not packet.end - start <= wire_len <= GSO_LEGACY_MAX_SIZE:
            raise TestRunError("test_run: ctx wire_len is below the packet's or too large (EINVAL)", EINVAL)
        if struct.unpack_from("<I", user, _SKB["gso_segs"])[0] > GSO_MAX_SEGS:
            raise TestRunError("test_run: ctx gso_segs is over GSO_MAX_SEGS (EINVAL)", EINVAL)
    sock = test_socket(data)
    struct.pack_into("<Q", buf, _SKB_SK, sock.base)

    def finish() -> tuple[bytes | None, bytes | None]:
        packet = memory.packet  # a helper may have replaced it (bpf_skb_adjust_room)
        frame = bytes(packet.buf) if is_tc else bytes(ETH_HLEN) + bytes(packet.buf[ETH_HLEN:])
        out = None
        if ctx is not None:
            out = bytearray(SKB_SIZE)
            for start, end in _SKB_USER_FIELDS:
                out[start:end] = skb.buf[start:end]
        memory.give_back()
        return frame, None if out is None else bytes(out)

    return RunInput(skb.base, (*memory.regions, sock), memory.legacy, finish)


class _SkbMemory:
    """The regions of one skb test run. Once the run's output is read they go back to a
    per-thread spare list, and the next run with a packet of the same length and program
    kind refills them: making low regions costs more than the rest of a trivial run. A run
    that faults never gives its regions back (they are collected).

    It is also the packet's owner (``packet.owner``), through which the helpers that change a
    tc packet's length (``pybpf.helpers._room.SkbPacket``) replace it."""

    __slots__ = ("csum_unnecessary", "encapsulated", "key", "legacy", "network_offset", "packet", "regions", "skb")

    #: spare memories per thread, by (tc?, packet length); at most SPARE_SHAPES lengths
    _spares = threading.local()
    SPARE_SHAPES = 8

    def __init__(self, is_tc: bool, data: bytes, user: bytes) -> None:
        self.key: tuple[bool, int] | None = (is_tc, len(data))
        self.packet = _low_region(data, "packet")
        self.packet.owner = self
        self.legacy = self.packet if is_tc else _low_region(data[ETH_HLEN:], "network header onwards")
        self.skb = Region(SKB_SIZE, "__sk_buff", data=user, low=True)
        self.regions = (self.skb, self.packet) if is_tc else (self.skb, self.packet, self.legacy)
        #: the skb's encapsulation bit, which bpf_skb_adjust_room sets once per run
        self.encapsulated = False
        #: where the network header starts in the frame (bpf_skb_change_head moves the MAC
        #: header, not the network header)
        self.network_offset = ETH_HLEN
        #: the checksum level when the skb is CHECKSUM_UNNECESSARY (bpf_csum_level), else
        #: None: a test-run skb starts CHECKSUM_NONE
        self.csum_unnecessary: int | None = None

    @property
    def resizable(self) -> bool:
        """Whether helpers may change the packet's length: tc packets (the frame from its
        Ethernet header, with no separate copy for legacy loads)."""
        return self.legacy is self.packet

    def replace(self, ctx: ExecContext, frame: bytes) -> None:
        """Make ``frame`` the packet of the running program (its length changed): new memory,
        the ``__sk_buff``'s len and packet pointers updated, the run's regions swapped."""
        old = self.packet
        self.packet = self.legacy = _low_region(frame, "packet")
        self.packet.owner = self
        self.regions = (self.skb, self.packet)
        self.key = None  # its shape is no longer the one it was pooled by
        ctx.private = tuple(self.packet if r is old else r for r in ctx.private)
        if ctx.packet is old:
            ctx.packet = self.packet
        start, end = self.packet.base, self.packet.end
        buf = self.skb.buf
        _U32_PAIR.pack_into(buf, 0, end - start, struct.unpack_from("<I", buf, 4)[0])
        _U32_PAIR.pack_into(buf, _SKB["data"], start, end)
        _put32(self.skb, "data_meta", start)
        forget_windows(ctx)

    @classmethod
    def take(cls, is_tc: bool, data: bytes, user: bytes) -> _SkbMemory:
        """Regions holding ``data`` and the context ``user``: spare ones refilled, or new."""
        memory = cls._by_shape().pop((is_tc, len(data)), None)
        if memory is None:
            return cls(is_tc, data, user)
        memory.encapsulated, memory.network_offset, memory.csum_unnecessary = False, ETH_HLEN, None
        memory.packet.buf[:] = data
        if not is_tc:
            memory.legacy.buf[:] = data[ETH_HLEN:]
        memory.skb.buf[:] = user
        return memory

    def give_back(self) -> None:
        """Keep these regions for the next run of this thread (the run is over)."""
        if self.key is None:
            return
        spares = self._by_shape()
        if len(spares) >= self.SPARE_SHAPES:
            spares.clear()
        spares[self.key] = self

    @classmethod
    def _by_shape(cls) -> dict[tuple[bool, int], _SkbMemory]:
        spares: dict[tuple[bool, int], _SkbMemory] | None = getattr(cls._spares, "by_shape", None)
        if spares is None:
            spares = cls._spares.by_shape = {}
        return spares


def _skb_user_ctx(ctx: bytes) -> bytes:
    """A user ``struct __sk_buff``, refused as the kernel refuses it where it sets what
    test_run does not take or names another device."""
    user = _user_ctx(ctx, SKB_SIZE, "struct __sk_buff")
    allowed = bytearray(SKB_SIZE)
    for start, end in _SKB_USER_FIELDS:
        allowed[start:end] = user[start:end]
    if allowed != user:
        raise TestRunError("test_run: ctx sets __sk_buff fields test_run does not take (EINVAL)", EINVAL)
    if struct.unpack_from("<I", user, _SKB["ifindex"])[0] > LOOPBACK_IFINDEX:
        raise TestRunError("test_run: no such device for ctx ifindex (ENODEV)", ENODEV)
    return user


def _xdp(ctx: bytes | None, data: bytes) -> RunInput:
    user = _user_ctx(ctx, XDP_MD_SIZE, "struct xdp_md")
    fields = {name: struct.unpack_from("<I", user, offset)[0] for name, offset in _XDP.items()}
    meta = fields["data"]  # bytes of metadata at the front of data_in
    # A user xdp_md's data_end is where the linear part of the packet ends (Linux 6.18: the
    # rest goes to fragments, out of reach of direct packet access); by default, the end.
    linear = fields["data_end"] if ctx is not None else len(data)
    if ctx is not None:
        # The kernel's checks of a user xdp_md (bpf_prog_test_run_xdp, xdp_convert_md_to_buff).
        bad_meta = meta > linear or meta % 4 or meta > XDP_MAX_META or len(data) - meta < ETH_HLEN
        if fields["data_meta"] or linear > len(data) or bad_meta:
            raise TestRunError("test_run: xdp_md ctx does not describe data_in (EINVAL)", EINVAL)
        if fields["egress_ifindex"] or (not fields["ingress_ifindex"] and fields["rx_queue_index"]):
            raise TestRunError("test_run: xdp_md ctx sets egress_ifindex, or a queue alone (EINVAL)", EINVAL)
        if fields["ingress_ifindex"] > LOOPBACK_IFINDEX:
            raise TestRunError("test_run: no such device for ctx ingress_ifindex (ENODEV)", ENODEV)
        if fields["rx_queue_index"]:
            raise TestRunError("test_run: the loopback device has one rx queue (EINVAL)", EINVAL)
    # The linear part is what fits a page after the headroom (less the metadata) and the
    # skb_shared_info; the rest of data_in goes to page fragments, at most MAX_SKB_FRAGS of
    # them (ENOMEM beyond), out of the program's direct reach but in data_out (Linux 6.18).
    max_linear = MAX_PACKET + meta
    linear = min(linear, max_linear)
    if len(data) > max_linear + MAX_SKB_FRAGS * PAGE_SIZE:
        raise TestRunError(f"test_run: packet of {len(data)} bytes needs over {MAX_SKB_FRAGS} fragments (ENOMEM)", ENOMEM)
    # The buffer is the kernel's page: headroom in front (bpf_xdp_adjust_head/meta grow into
    # it), tailroom up to the skb_shared_info at its end (bpf_xdp_adjust_tail grows into it).
    page = bytes(XDP_HEADROOM - meta) + data[:linear]
    packet = _low_region(page.ljust(XDP_FRAME_END, b"\0"), "packet")
    start = packet.base + XDP_HEADROOM - meta  # data_meta
    fragments = data[linear:]
    md = Region(XDP_MD_SIZE, "xdp_md", data=user, low=True)
    pointers = {"data": start + meta, "data_meta": start, "data_end": start + linear}
    for field, value in pointers.items():
        struct.pack_into("<I", md.buf, _XDP[field], value)
    struct.pack_into("<I", md.buf, _XDP["ingress_ifindex"], LOOPBACK_IFINDEX)

    def frame() -> bytes:
        """data_out: from data_meta to data_end as the program left them, then the fragments."""
        meta_at, end_at = (struct.unpack_from("<I", md.buf, _XDP[f])[0] - packet.base for f in ("data_meta", "data_end"))
        return bytes(packet.buf[meta_at:end_at]) + fragments

    def finish() -> tuple[bytes | None, bytes | None]:
        if ctx is None:
            return frame(), None
        # Packet pointers go back as offsets from data_meta (xdp_convert_buff_to_md).
        out = bytearray(user)
        base = struct.unpack_from("<I", md.buf, _XDP["data_meta"])[0]
        for field in ("data", "data_end"):
            offset = struct.unpack_from("<I", md.buf, _XDP[field])[0] - base
            struct.pack_into("<I", out, _XDP[field], offset)
        return frame(), bytes(out)

    return RunInput(md.base, (md, packet), None, finish)


def _user_ctx(ctx: bytes | None, size: int, name: str) -> bytes:
    """The ctx as the kernel copies it in (bpf_ctx_init): zero-padded to ``size``; longer is
    fine if the extra bytes are zeros (bpf_check_uarg_tail_zero), else E2BIG."""
    data = bytes(ctx or b"")
    if len(data) > PAGE_SIZE or any(data[size:]):
        message = f"test_run: ctx is over a page or has non-zero bytes past sizeof({name}) (E2BIG)"
        raise TestRunError(message, E2BIG)
    return data[:size].ljust(size, b"\0")


def _pkt_type(dest: bytes) -> int:
    """What eth_type_trans makes of a destination MAC on the loopback device, whose address and
    broadcast address are both zero: ff:ff:ff:ff:ff:ff is then just another multicast address."""
    if dest == bytes(6):
        return PACKET_HOST
    return PACKET_MULTICAST if dest[0] & 1 else PACKET_OTHERHOST


def _put32(region: Region, field: str, value: int) -> None:
    struct.pack_into("<I", region.buf, _SKB[field], value)


ARGS_COUNT_SIZE = 8  #: the u64 before a tracing context: how many arguments the function has


def args_context(args: Sequence[int], nr_args: int | None = None, name: str = "args") -> Region:
    """The context of fentry/fexit/raw_tp programs: the arguments as an array of u64 (then, for
    fexit, the return value), preceded, as the kernel's trampoline lays it out, by the number of
    arguments (what ``bpf_get_func_arg_cnt`` reads). The program's r1 is the array: the region's
    base plus :data:`ARGS_COUNT_SIZE`."""
    count = len(args) if nr_args is None else nr_args
    words = [count, *args]
    return Region.from_bytes(b"".join((a & (2**64 - 1)).to_bytes(8, "little") for a in words), name, writable=False)


def pt_regs_context(args: Sequence[int], ret: int = 0) -> Region:
    """A kprobe's ``struct pt_regs`` with ``args`` in the x86-64 argument registers."""
    regs = Region(PT_REGS_SIZE, "pt_regs", writable=False)
    for offset, value in zip(PT_REGS_ARGS, args):
        struct.pack_into("<Q", regs.buf, offset, value & (2**64 - 1))
    struct.pack_into("<Q", regs.buf, PT_REGS_RC, ret & (2**64 - 1))
    return regs
