"""The socket a packet test run's ``skb->sk`` points to.

For ``BPF_PROG_RUN`` of socket filters, tc and cgroup skb programs the kernel gives the packet
a dummy socket: not bound, not connected (``TCP_CLOSE``), of no socket type and no protocol,
with no receive queue mapping, its family and addresses taken from the frame's IPv4 or IPv6
header (observed on Linux 6.18). Programs read it as a ``struct bpf_sock``; it is a full
socket but not a TCP one and not a listener.
"""

from __future__ import annotations

import struct
from typing import Final

__all__ = ["BPF_SOCK_SIZE", "SOCKET_SOURCE", "socket_bytes"]

BPF_SOCK_SIZE: Final = 80
_AF_INET, _AF_INET6 = 2, 10
_TCP_CLOSE: Final = 7
_ETH_HLEN: Final = 14
# struct bpf_sock offsets (UAPI)
_FAMILY, _SRC_IP4, _SRC_IP6, _DST_IP4, _DST_IP6, _STATE, _RX_QUEUE = 4, 24, 28, 52, 56, 72, 76


#: the bytes of a frame the socket is made of: up to the end of an IPv6 header's addresses
SOCKET_SOURCE: Final = _ETH_HLEN + 40


def socket_bytes(frame: bytes) -> bytes:
    """The ``struct bpf_sock`` view of the dummy socket for ``frame`` (which only its first
    :data:`SOCKET_SOURCE` bytes decide)."""
    view = bytearray(BPF_SOCK_SIZE)
    ethertype = int.from_bytes(frame[12:14], "big")
    ip = frame[_ETH_HLEN:]
    if ethertype == 0x0800 and len(ip) >= 20:
        struct.pack_into("<I", view, _FAMILY, _AF_INET)
        view[_SRC_IP4:_SRC_IP4 + 4] = ip[12:16]  # addresses stay in network byte order
        view[_DST_IP4:_DST_IP4 + 4] = ip[16:20]
    elif ethertype == 0x86DD and len(ip) >= 40:
        struct.pack_into("<I", view, _FAMILY, _AF_INET6)
        view[_SRC_IP6:_SRC_IP6 + 16] = ip[8:24]
        view[_DST_IP6:_DST_IP6 + 16] = ip[24:40]
    struct.pack_into("<Ii", view, _STATE, _TCP_CLOSE, -1)
    return bytes(view)
