"""Tunnel metadata of a packet (``bpf_skb_set/get_tunnel_key``, ``_opt``).

A packet a test run makes never came through a tunnel device: it has no tunnel metadata, so
the getters fail (-EINVAL for the key, -ENOENT for options, the buffer zeroed) and setting
options fails (-EINVAL) until the program sets a key, which gives the skb per-CPU metadata for
the rest of the run, as ``bpf_skb_set_tunnel_key`` does. Options set then read back as set.
"""

from __future__ import annotations

from ..engine import BpfRuntimeError, ExecContext
from ._impl import implements

EINVAL = 22
ENOENT = 2
ENOMEM = 12
TUNNEL_KEY_SIZE = 44  #: sizeof(struct bpf_tunnel_key)
#: the shorter layouts older programs pass (the struct up to local_ipv4, tunnel_label,
#: tunnel_ext, remote_ipv6[1]), which the kernel zero-extends
TUNNEL_KEY_OLD_SIZES = frozenset({28, 24, 22, 8})
BPF_F_TUNINFO_IPV6 = 1 << 0
BPF_F_TUNINFO_FLAGS = 1 << 4
#: set_tunnel_key's flags: TUNINFO_IPV6, ZERO_CSUM_TX, DONT_FRAGMENT, SEQ_NUMBER, NO_TUNNEL_KEY
TUNNEL_KEY_FLAGS = 0x1F
IP_TUNNEL_OPTS_MAX = 255  #: the most option bytes tunnel metadata holds


class _Metadata:
    """The tunnel metadata a run's skb carries after ``bpf_skb_set_tunnel_key``; kept among
    the run's finalizers, so it ends with the run (calling it is the no-op the end of the run
    does with it)."""

    def __init__(self) -> None:
        self.options = b""

    def __call__(self) -> None:
        pass


_KEY = "skb tunnel metadata"  #: where the run keeps it


def _metadata(ctx: ExecContext) -> _Metadata | None:
    found = ctx.finalizers.get(_KEY)
    return found if isinstance(found, _Metadata) else None


@implements("bpf_skb_set_tunnel_key")
def skb_set_tunnel_key(ctx: ExecContext, skb: int, key: int, size: int, flags: int, _5: int) -> int:
    """The kernel's checks of the key: known flags, a known layout size, no ``tunnel_ext``
    and no flow label on an IPv4 key; then the skb has tunnel metadata (without options)."""
    size &= 0xFFFF_FFFF
    if flags & ~TUNNEL_KEY_FLAGS or size not in TUNNEL_KEY_OLD_SIZES | {TUNNEL_KEY_SIZE}:
        return -EINVAL
    raw = ctx.read(key, size) + bytes(TUNNEL_KEY_SIZE - size)
    tunnel_ext, tunnel_label = int.from_bytes(raw[22:24], "little"), int.from_bytes(raw[24:28], "little")
    if tunnel_ext or (tunnel_label and not flags & BPF_F_TUNINFO_IPV6):
        return -EINVAL
    ctx.finalizers[_KEY] = _Metadata()
    return 0


@implements("bpf_skb_get_tunnel_key")
def skb_get_tunnel_key(ctx: ExecContext, skb: int, to: int, size: int, flags: int, _5: int) -> int:
    """-EINVAL with ``to`` zeroed without metadata or with unknown flags."""
    size &= 0xFFFF_FFFF
    if _metadata(ctx) is None or flags & ~(BPF_F_TUNINFO_IPV6 | BPF_F_TUNINFO_FLAGS):
        ctx.write(to, bytes(size))
        return -EINVAL
    raise BpfRuntimeError("bpf_skb_get_tunnel_key: not modelled by pybpf: reading back the key the program set")


@implements("bpf_skb_get_tunnel_opt")
def skb_get_tunnel_opt(ctx: ExecContext, skb: int, to: int, size: int, *_: int) -> int:
    """The options, zero-padded to ``size``, and their length; -ENOENT without any, -ENOMEM
    when they do not fit (``to`` zeroed on failure)."""
    size &= 0xFFFF_FFFF
    metadata = _metadata(ctx)
    if metadata is None or not metadata.options:
        ctx.write(to, bytes(size))
        return -ENOENT
    if size < len(metadata.options):
        ctx.write(to, bytes(size))
        return -ENOMEM
    ctx.write(to, metadata.options.ljust(size, b"\0"))
    return len(metadata.options)


@implements("bpf_skb_set_tunnel_opt")
def skb_set_tunnel_opt(ctx: ExecContext, skb: int, source: int, size: int, *_: int) -> int:
    """Options for metadata the program set: whole 32-bit words, at most 255 bytes."""
    size &= 0xFFFF_FFFF
    metadata = _metadata(ctx)
    if metadata is None or size & 3:
        return -EINVAL
    if size > IP_TUNNEL_OPTS_MAX:
        return -ENOMEM
    metadata.options = ctx.read(source, size)
    return 0
