"""Test-run contexts of the networking program types that take neither an skb nor an XDP buffer:
flow dissectors (``bpf_prog_test_run_flow_dissector``) and socket lookups
(``bpf_prog_test_run_sk_lookup``).

A flow dissector sees a ``struct __sk_buff`` of which only ``data``, ``data_end`` and
``flow_keys`` exist, with the frame from its Ethernet header; it fills ``struct
bpf_flow_keys``, which comes back as ``data_out``. ``ctx_in`` may give only the keys' ``flags``.
A socket lookup takes no packet, only a ``struct bpf_sk_lookup`` naming the connection (an
IPv4 or IPv6 family, no socket chosen yet, nothing after ``local_port``: the kernel fills in
the rest); it comes back as ``ctx_out`` with the cookie of the socket the program selected (0:
pybpf has no sockets to select).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from ..engine import Region
from ._errors import TestRunError

__all__ = ["FLOW_KEYS_SIZE", "SK_LOOKUP_SIZE", "flow_dissector_run", "sk_lookup_run"]

EINVAL = 22
E2BIG = 7
ETH_HLEN = 14
SKB_SIZE = 192
SKB_DATA, SKB_DATA_END, SKB_FLOW_KEYS = 76, 80, 144  #: offsets in struct __sk_buff
FLOW_KEYS_SIZE = 56  #: sizeof(struct bpf_flow_keys)
FLOW_KEYS_FLAGS = 48  #: offsetof(struct bpf_flow_keys, flags)
SK_LOOKUP_SIZE = 72  #: sizeof(struct bpf_sk_lookup)
SK_LOOKUP_FAMILY, SK_LOOKUP_LOCAL_PORT = 8, 60  #: offsets in struct bpf_sk_lookup
AF_INET, AF_INET6 = 2, 10
ERANGE, EAFNOSUPPORT = 34, 97
_SK_LOOKUP_V4 = ((16, 20), (40, 44))  #: remote_ip4, local_ip4
_SK_LOOKUP_V6 = ((20, 36), (44, 60))  #: remote_ip6, local_ip6


@dataclass
class NetRun:
    """r1 and the regions of one run, and how to read data_out/ctx_out after it."""

    r1: int
    regions: tuple[Region, ...]
    finish: Callable[[], tuple[bytes | None, bytes | None]]


def _low(data: bytes, name: str) -> Region:
    return Region.from_bytes(data, name, low=True)


def flow_dissector_run(ctx: bytes | None, data: bytes | None) -> NetRun:
    """The flow dissector's skb and keys for a test run.

    Raises:
        TestRunError: EINVAL for a frame shorter than an Ethernet header or keys other than
            ``flags`` set in ``ctx``.
    """
    if data is None or len(data) < ETH_HLEN:
        raise TestRunError(f"test_run: flow_dissector programs need a packet of at least {ETH_HLEN} bytes (EINVAL)", EINVAL)
    user = bytes(ctx or b"")
    if len(user) > FLOW_KEYS_SIZE and any(user[FLOW_KEYS_SIZE:]):
        raise TestRunError("test_run: ctx has non-zero bytes past struct bpf_flow_keys (E2BIG)", E2BIG)
    user = user[:FLOW_KEYS_SIZE].ljust(FLOW_KEYS_SIZE, b"\0")
    if any(user[:FLOW_KEYS_FLAGS]) or any(user[FLOW_KEYS_FLAGS + 4 :]):
        raise TestRunError("test_run: ctx may set only the flags of struct bpf_flow_keys (EINVAL)", EINVAL)
    packet = _low(data, "packet")
    keys = Region(FLOW_KEYS_SIZE, "flow keys")
    # bpf_flow_dissect: the keys start zeroed but for where the network header is, its
    # protocol (as the frame has it) and the caller's flags
    struct.pack_into("<HH", keys.buf, 0, ETH_HLEN, ETH_HLEN)
    keys.buf[10:12] = data[12:14]
    keys.buf[FLOW_KEYS_FLAGS : FLOW_KEYS_FLAGS + 4] = user[FLOW_KEYS_FLAGS : FLOW_KEYS_FLAGS + 4]
    skb = Region(SKB_SIZE, "__sk_buff", low=True)
    struct.pack_into("<II", skb.buf, SKB_DATA, packet.base, packet.end)
    struct.pack_into("<Q", skb.buf, SKB_FLOW_KEYS, keys.base)
    given = user if ctx is not None else None  # a given ctx comes back as it went in
    return NetRun(skb.base, (skb, packet, keys), lambda: (bytes(keys.buf), given))


def sk_lookup_run(ctx: bytes | None, data: bytes | None) -> NetRun:
    """The socket lookup's context for a test run.

    Raises:
        TestRunError: EINVAL for a packet, a family other than AF_INET/AF_INET6, a protocol
            other than TCP/UDP, or a socket cookie given in ``ctx``.
    """
    if data:
        raise TestRunError("test_run: sk_lookup programs take no data (EINVAL)", EINVAL)
    user = bytes(ctx or b"")
    if len(user) > SK_LOOKUP_SIZE and any(user[SK_LOOKUP_SIZE:]):
        raise TestRunError("test_run: ctx has non-zero bytes past struct bpf_sk_lookup (E2BIG)", E2BIG)
    user = user[:SK_LOOKUP_SIZE].ljust(SK_LOOKUP_SIZE, b"\0")
    if ctx is None or any(user[:8]) or any(user[SK_LOOKUP_LOCAL_PORT + 4 :]):
        raise TestRunError("test_run: sk_lookup needs a ctx with no socket and nothing after local_port (EINVAL)", EINVAL)
    family, local_port = struct.unpack_from("<I", user, SK_LOOKUP_FAMILY)[0], struct.unpack_from("<I", user, SK_LOOKUP_LOCAL_PORT)[0]
    if local_port > 0xFFFF:
        raise TestRunError("test_run: sk_lookup local_port over 65535 (ERANGE)", ERANGE)
    if family not in (AF_INET, AF_INET6):
        raise TestRunError(f"test_run: sk_lookup family {family} is neither AF_INET nor AF_INET6 (EAFNOSUPPORT)", EAFNOSUPPORT)
    # The program sees the addresses of the family only (the kernel builds its own lookup).
    view = bytearray(user)
    for start, end in _SK_LOOKUP_V6 if family == AF_INET else _SK_LOOKUP_V4:
        view[start:end] = bytes(end - start)
    region = Region.from_bytes(bytes(view), "bpf_sk_lookup", writable=False)
    return NetRun(region.base, (region,), lambda: (None, bytes(8) + user[8:]))
