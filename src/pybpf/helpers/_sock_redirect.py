"""Socket-map helpers of the socket hooks: sock_ops programs put the hook's socket into a
sockmap or sockhash, sk_msg and sk_skb programs redirect a message to a socket stored there.

pybpf has no sockets: what a sock_ops update stores is the cookie of the hook's connection (one
per address/port 4-tuple of the context, numbered as the runtime first sees it), which is what
user space reads back from such a map; a redirect is recorded (``TestRunResult.redirect``:
``(map name, key, stored value, "ingress"|"egress")``) when the map holds a socket at the key,
as an XDP redirect is.
"""

from __future__ import annotations

from typing import Any

from ..engine import ExecContext
from ._impl import host, implements, map_arg

EINVAL = 22
EOPNOTSUPP = 95
SK_DROP, SK_PASS = 0, 1
BPF_F_INGRESS = 1 << 0
BPF_EXIST = 2
#: the sock_ops callbacks whose socket may enter a map (``sock_map_op_okay``):
#: ACTIVE_ESTABLISHED_CB, PASSIVE_ESTABLISHED_CB, TCP_LISTEN_CB
_UPDATE_OPS = frozenset({4, 5, 11})
_SOCK_OPS_TUPLE = slice(20, 72)  #: family, the IPv4 and IPv6 addresses, the ports


def _key(ctx: ExecContext, target: Any, key: int, by_pointer: bool) -> bytes:
    size: int = target.key_size
    return ctx.read(key, size) if by_pointer else (key & 0xFFFF_FFFF).to_bytes(size, "little")


def _redirect(ctx: ExecContext, m: int, key: int, flags: int, helper: str, by_pointer: bool) -> int:
    """SK_PASS with the redirect recorded when the map holds a socket at key, else SK_DROP
    (and for flags other than BPF_F_INGRESS)."""
    target = map_arg(ctx, m, helper)
    if flags & ~BPF_F_INGRESS:
        return SK_DROP
    raw = _key(ctx, target, key, by_pointer)
    stored = target.stored(int.from_bytes(raw, "little"))
    if stored is None:
        return SK_DROP
    shown = int.from_bytes(raw, "little") if not by_pointer else raw
    host(ctx).record("redirect", (target.name, shown, stored, "ingress" if flags & BPF_F_INGRESS else "egress"))
    return SK_PASS


@implements("bpf_msg_redirect_map")
def msg_redirect_map(ctx: ExecContext, msg: int, m: int, key: int, flags: int, _5: int) -> int:
    return _redirect(ctx, m, key, flags, "bpf_msg_redirect_map", False)


@implements("bpf_msg_redirect_hash")
def msg_redirect_hash(ctx: ExecContext, msg: int, m: int, key: int, flags: int, _5: int) -> int:
    return _redirect(ctx, m, key, flags, "bpf_msg_redirect_hash", True)


@implements("bpf_sk_redirect_map")
def sk_redirect_map(ctx: ExecContext, skb: int, m: int, key: int, flags: int, _5: int) -> int:
    return _redirect(ctx, m, key, flags, "bpf_sk_redirect_map", False)


@implements("bpf_sk_redirect_hash")
def sk_redirect_hash(ctx: ExecContext, skb: int, m: int, key: int, flags: int, _5: int) -> int:
    return _redirect(ctx, m, key, flags, "bpf_sk_redirect_hash", True)


def _update(ctx: ExecContext, skops: int, m: int, key: int, flags: int, helper: str) -> int:
    """-EOPNOTSUPP outside the established and listen callbacks; else the map's update of
    the connection's socket (its cookie), with the map's errnos."""
    target = map_arg(ctx, m, helper)
    if int.from_bytes(ctx.read(skops, 4), "little") not in _UPDATE_OPS:
        return -EOPNOTSUPP
    if flags > BPF_EXIST:
        return -EINVAL
    connection = int.from_bytes(ctx.read(skops + _SOCK_OPS_TUPLE.start, _SOCK_OPS_TUPLE.stop - _SOCK_OPS_TUPLE.start), "little")
    cookie: int = host(ctx).socket_cookie(connection)
    value = cookie.to_bytes(8, "little")[: target.value_size]
    return int(target.update(ctx.read(key, target.key_size), value, flags, ctx.cpu))


@implements("bpf_sock_map_update")
def sock_map_update(ctx: ExecContext, skops: int, m: int, key: int, flags: int, _5: int) -> int:
    return _update(ctx, skops, m, key, flags, "bpf_sock_map_update")


@implements("bpf_sock_hash_update")
def sock_hash_update(ctx: ExecContext, skops: int, m: int, key: int, flags: int, _5: int) -> int:
    return _update(ctx, skops, m, key, flags, "bpf_sock_hash_update")
