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
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .._spec import ProgType
from ..engine import Region
from ..engine._memory import LowMemoryError
from ._errors import TestRunError

__all__ = ["SKB_SIZE", "XDP_MD_SIZE", "RunInput", "args_context", "prepare_test_run", "pt_regs_context"]

EINVAL = 22
ENOTSUPP = 524
ETH_HLEN = 14
SKB_SIZE = 192  #: sizeof(struct __sk_buff)
XDP_MD_SIZE = 24  #: sizeof(struct xdp_md)
MAX_PACKET = 4096 - 320 - 256  #: the kernel's limit on test_run data (a page less overheads)
LOOPBACK_IFINDEX = 1

# struct __sk_buff offsets (UAPI)
_SKB = {"len": 0, "protocol": 16, "ingress_ifindex": 36, "ifindex": 40, "data": 76, "data_end": 80,
        "data_meta": 140}
# struct xdp_md offsets (UAPI)
_XDP = {"data": 0, "data_end": 4, "data_meta": 8, "ingress_ifindex": 12, "rx_queue_index": 16}
# struct pt_regs (x86-64): where the first six arguments and the return value live
PT_REGS_SIZE = 168
PT_REGS_ARGS = (112, 104, 96, 88, 72, 64)  # di, si, dx, cx, r8, r9
PT_REGS_RC = 80  # ax

_SKB_TYPES = {ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.SCHED_ACT, ProgType.CGROUP_SKB}


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
    if prog_type == ProgType.RAW_TRACEPOINT:
        if data:
            raise TestRunError("test_run: raw_tracepoint programs take no data (EINVAL)", EINVAL)
        region = Region.from_bytes(ctx or b"", "raw_tp args", writable=False)
        return RunInput(region.base if ctx else 0, (region,), None, lambda: (None, None))
    name = prog_type.name.lower()
    raise TestRunError(f"test_run: not supported for {name} programs (ENOTSUPP)", ENOTSUPP)


def _syscall(ctx: bytes | None, data: bytes | None) -> RunInput:
    if data:
        raise TestRunError("test_run: syscall programs take no data (EINVAL)", EINVAL)
    if not ctx:
        return RunInput(0, (), None, lambda: (None, None))
    region = Region.from_bytes(ctx, "ctx")
    return RunInput(region.base, (region,), None, lambda: (None, bytes(region.buf)))


def _packet(prog_type: ProgType, data: bytes | None) -> bytes:
    name = prog_type.name.lower()
    if data is None or len(data) < ETH_HLEN:
        raise TestRunError(f"test_run: {name} programs need a packet of at least {ETH_HLEN} bytes (EINVAL)", EINVAL)
    if len(data) > MAX_PACKET:
        raise TestRunError(f"test_run: packet of {len(data)} bytes is over {MAX_PACKET} (EINVAL)", EINVAL)
    return data


def _low_region(data: bytes, name: str) -> Region:
    try:
        return Region.from_bytes(data, name, low=True)
    except LowMemoryError as err:
        raise TestRunError(f"test_run: packet memory: {err}", EINVAL) from None


def _skb(prog_type: ProgType, ctx: bytes | None, data: bytes) -> RunInput:
    if ctx is not None and len(ctx) > SKB_SIZE:
        raise TestRunError(f"test_run: ctx of {len(ctx)} bytes is over sizeof(struct __sk_buff) (EINVAL)", EINVAL)
    packet = _low_region(data, "packet")
    # tc sees the frame from its Ethernet header; a socket filter from its network header,
    # which is also where its legacy packet loads count from.
    is_tc = prog_type in (ProgType.SCHED_CLS, ProgType.SCHED_ACT)
    start = packet.base if is_tc else packet.base + ETH_HLEN
    legacy = packet if is_tc else _low_region(data[ETH_HLEN:], "network header onwards")
    skb = Region(SKB_SIZE, "__sk_buff", data=ctx or b"", low=True)
    _put32(skb, "len", packet.end - start)
    skb.buf[_SKB["protocol"] : _SKB["protocol"] + 2] = data[12:14]  # __be16, as stored
    _put32(skb, "ifindex", LOOPBACK_IFINDEX)
    _put32(skb, "ingress_ifindex", LOOPBACK_IFINDEX)
    _put32(skb, "data", start)
    _put32(skb, "data_meta", start)
    _put32(skb, "data_end", packet.end)
    regions = (skb, packet) if is_tc else (skb, packet, legacy)
    return RunInput(skb.base, regions, legacy, lambda: (bytes(packet.buf), bytes(skb.buf)))


def _xdp(ctx: bytes | None, data: bytes) -> RunInput:
    if ctx is not None and len(ctx) > XDP_MD_SIZE:
        raise TestRunError(f"test_run: ctx of {len(ctx)} bytes is over sizeof(struct xdp_md) (EINVAL)", EINVAL)
    packet = _low_region(data, "packet")
    md = Region(XDP_MD_SIZE, "xdp_md", data=ctx or b"", low=True)
    for field, value in (("data", packet.base), ("data_meta", packet.base), ("data_end", packet.end)):
        struct.pack_into("<I", md.buf, _XDP[field], value)
    struct.pack_into("<I", md.buf, _XDP["ingress_ifindex"], LOOPBACK_IFINDEX)
    return RunInput(md.base, (md, packet), None, lambda: (bytes(packet.buf), bytes(md.buf)))


def _put32(region: Region, field: str, value: int) -> None:
    struct.pack_into("<I", region.buf, _SKB[field], value)


def args_context(args: Sequence[int], name: str = "args") -> Region:
    """The context of fentry/fexit/raw_tp programs: the arguments as an array of u64."""
    return Region.from_bytes(b"".join((a & (2**64 - 1)).to_bytes(8, "little") for a in args), name, writable=False)


def pt_regs_context(args: Sequence[int], ret: int = 0) -> Region:
    """A kprobe's ``struct pt_regs`` with ``args`` in the x86-64 argument registers."""
    regs = Region(PT_REGS_SIZE, "pt_regs", writable=False)
    for offset, value in zip(PT_REGS_ARGS, args):
        struct.pack_into("<Q", regs.buf, offset, value & (2**64 - 1))
    struct.pack_into("<Q", regs.buf, PT_REGS_RC, ret & (2**64 - 1))
    return regs
