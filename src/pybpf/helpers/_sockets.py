"""Socket helpers. pybpf has no sockets of its own: lookups find nothing, and the only socket a
program meets is the dummy socket of a packet test run (``skb->sk``), a full socket that is
neither a TCP socket nor a listener."""

from __future__ import annotations

from ..engine import ExecContext
from ._impl import implements


def _lookup(ctx: ExecContext, *_: int) -> int:
    """No socket matches any tuple: NULL, as the kernel returns when nothing is found."""
    return 0


implements("bpf_sk_lookup_tcp")(_lookup)
implements("bpf_sk_lookup_udp")(_lookup)
implements("bpf_skc_lookup_tcp")(_lookup)


@implements("bpf_sk_release")
def sk_release(ctx: ExecContext, sk: int, *_: int) -> int:
    """Nothing to release: lookups acquire nothing in pybpf."""
    return 0


@implements("bpf_sk_fullsock")
def sk_fullsock(ctx: ExecContext, sk: int, *_: int) -> int:
    """The test run's socket is a full socket: itself."""
    return sk


@implements("bpf_tcp_sock")
def tcp_sock(ctx: ExecContext, sk: int, *_: int) -> int:
    """The test run's socket has no protocol: not a TCP socket."""
    return 0


@implements("bpf_get_listener_sock")
def get_listener_sock(ctx: ExecContext, sk: int, *_: int) -> int:
    """The test run's socket is closed, not listening."""
    return 0


def _not_that_kind(ctx: ExecContext, sk: int, *_: int) -> int:
    """The test run's socket has no protocol and an IPv4 or IPv6 family: no cast applies."""
    return 0


for _cast in ("tcp6_sock", "tcp_sock", "tcp_timewait_sock", "tcp_request_sock", "udp6_sock", "unix_sock",
              "mptcp_sock"):
    implements(f"bpf_skc_to_{_cast}")(_not_that_kind)


_EINVAL, _EOPNOTSUPP = 22, 95
_SK_LOOKUP_FLAGS = 0b11  #: BPF_SK_LOOKUP_F_REPLACE | BPF_SK_LOOKUP_F_NO_REUSEPORT


@implements("bpf_sk_assign")
def sk_assign(ctx: ExecContext, context: int, sk: int, flags: int, *_: int) -> int:
    """sk_lookup: selecting no socket (pybpf has none to select) succeeds for valid flags.
    tc: a test run's packet is not at tc ingress, where alone a socket can be assigned."""
    if sk == 0:
        return -_EINVAL if flags & ~_SK_LOOKUP_FLAGS else 0
    return -_EINVAL if flags else -_EOPNOTSUPP
