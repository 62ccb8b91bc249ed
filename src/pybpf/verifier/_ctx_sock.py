"""The socket-side contexts: ``struct bpf_sock`` (cgroup/sock programs), ``struct
bpf_sock_addr`` (cgroup sock_addr hooks) and ``struct sk_msg_md`` (sk_msg programs), with the
fields each attach type may read or write (the kernel's ``sock_filter_is_valid_access``,
``sock_addr_is_valid_access`` and ``sk_msg_is_valid_access``).

Each function answers one access: None when the kernel refuses it, else the type of what a
load yields. Socket pointers are handed out as untyped BTF pointers.
"""

from __future__ import annotations

from typing import Final

from .._spec import AttachType
from ._state import RegType

__all__ = ["sk_msg_access", "sock_access", "sock_addr_access"]

_A = AttachType
_DEFAULT = 4  #: the size of a full field read, and of most writes

# struct bpf_sock (UAPI)
_BOUND_DEV_IF, _FAMILY, _TYPE, _PROTOCOL, _MARK, _PRIORITY = 0, 4, 8, 12, 16, 20
_SRC_IP4, _SRC_IP6, _SRC_PORT, _DST_PORT, _DST_IP4, _DST_IP6 = 24, 28, 44, 48, 52, 56
_STATE, _RX_QUEUE_MAPPING, _SOCK_SIZE = 72, 76, 80
#: whole u32 fields that allow 1-, 2- and 4-byte reads (exact offsets, then ranges)
_SOCK_NARROW_AT: Final = frozenset({_STATE, _FAMILY, _TYPE, _PROTOCOL, _SRC_PORT, _RX_QUEUE_MAPPING})
_SOCK_NARROW_IN: Final = ((_SRC_IP4, _SRC_IP6 + 16), (_DST_IP4, _DST_IP6 + 16))

# struct bpf_sock_addr (UAPI)
_USER_FAMILY, _USER_IP4, _USER_IP6, _USER_PORT, _SA_FAMILY = 0, 4, 8, 24, 28
_SA_TYPE, _SA_PROTOCOL, _MSG_SRC_IP4, _MSG_SRC_IP6, _SA_SK, _SOCK_ADDR_SIZE = 32, 36, 40, 44, 64, 72
_IP4_HOOKS: Final = frozenset({_A.CGROUP_INET4_BIND, _A.CGROUP_INET4_CONNECT, _A.CGROUP_INET4_GETPEERNAME,
                               _A.CGROUP_INET4_GETSOCKNAME, _A.CGROUP_UDP4_SENDMSG, _A.CGROUP_UDP4_RECVMSG})
_IP6_HOOKS: Final = frozenset({_A.CGROUP_INET6_BIND, _A.CGROUP_INET6_CONNECT, _A.CGROUP_INET6_GETPEERNAME,
                               _A.CGROUP_INET6_GETSOCKNAME, _A.CGROUP_UDP6_SENDMSG, _A.CGROUP_UDP6_RECVMSG})

# struct sk_msg_md (UAPI)
_MSG_DATA, _MSG_DATA_END, _MSG_FAMILY, _MSG_SIZE, _MSG_SK = 0, 8, 16, 68, 72
_MSG_END = 80


def _in(off: int, lo: int, hi: int) -> bool:
    return lo <= off < hi


def _narrow_ok(size: int, field: int) -> bool:
    """``bpf_ctx_narrow_access_ok``: a power-of-two read no wider than the field."""
    return size <= field and size & (size - 1) == 0


def _wide_ok(off: int, size: int, lo: int, hi: int) -> bool:
    """``bpf_ctx_wide_access_ok``: an aligned 8-byte access inside an array of u32s."""
    return size == 8 and off >= lo and off + 8 <= hi and off % 8 == 0


def _sock_field_ok(off: int, size: int) -> bool:
    """``bpf_sock_is_valid_access``: sizes and narrow reads of ``struct bpf_sock``."""
    if off in _SOCK_NARROW_AT or any(_in(off, lo, hi) for lo, hi in _SOCK_NARROW_IN):
        return _narrow_ok(size, _DEFAULT)
    if _in(off, _DST_PORT, _DST_PORT + 2):
        return _narrow_ok(size, _DEFAULT if size == _DEFAULT else 2)
    if _in(off, _DST_PORT + 2, _DST_IP4):
        return False
    return size == _DEFAULT


def sock_access(attach: AttachType, off: int, size: int, write: bool) -> RegType | None:
    """One access to a cgroup/sock program's ``struct bpf_sock``."""
    if off < 0 or off >= _SOCK_SIZE or off % size or not _sock_field_ok(off, size):
        return None
    if off in (_BOUND_DEV_IF, _MARK, _PRIORITY):
        # the only writable fields, and only where the socket is being created or released
        ok = attach in (_A.CGROUP_INET_SOCK_CREATE, _A.CGROUP_INET_SOCK_RELEASE)
    elif _in(off, _SRC_IP4, _SRC_IP4 + 4):
        ok = attach == _A.CGROUP_INET4_POST_BIND and not write
    elif _in(off, _SRC_IP6, _SRC_IP6 + 16):
        ok = attach == _A.CGROUP_INET6_POST_BIND and not write
    elif _in(off, _SRC_PORT, _SRC_PORT + 4):
        ok = attach in (_A.CGROUP_INET4_POST_BIND, _A.CGROUP_INET6_POST_BIND) and not write
    else:
        ok = not write
    return RegType.SCALAR if ok else None


def _sock_addr_family_ok(attach: AttachType, off: int) -> bool:
    """The address fields of the other family (or of sendmsg only) are out of reach."""
    if _in(off, _USER_IP4, _USER_IP4 + 4):
        return attach in _IP4_HOOKS
    if _in(off, _USER_IP6, _USER_IP6 + 16):
        return attach in _IP6_HOOKS
    if _in(off, _MSG_SRC_IP4, _MSG_SRC_IP4 + 4):
        return attach == _A.CGROUP_UDP4_SENDMSG
    if _in(off, _MSG_SRC_IP6, _MSG_SRC_IP6 + 16):
        return attach == _A.CGROUP_UDP6_SENDMSG
    return True


def sock_addr_access(attach: AttachType, off: int, size: int, write: bool) -> RegType | None:
    """One access to a sock_addr program's ``struct bpf_sock_addr``."""
    if off < 0 or off >= _SOCK_ADDR_SIZE or off % size or not _sock_addr_family_ok(attach, off):
        return None
    if _in(off, _USER_IP4, _SA_FAMILY) or _in(off, _MSG_SRC_IP4, _MSG_SRC_IP6 + 16):
        if _wide_ok(off, size, _USER_IP6, _USER_IP6 + 16) or _wide_ok(off, size, _MSG_SRC_IP6, _MSG_SRC_IP6 + 16):
            return RegType.SCALAR
        ok = size == _DEFAULT if write else _narrow_ok(size, _DEFAULT)
        return RegType.SCALAR if ok else None
    if _in(off, _SA_SK, _SA_SK + 8):
        return RegType.BTF_ID if not write and size == 8 else None
    if _in(off, _USER_FAMILY, _USER_FAMILY + 4) or _in(off, _SA_FAMILY, _MSG_SRC_IP4):
        return RegType.SCALAR if not write and size == _DEFAULT else None
    return None


def sk_msg_access(off: int, size: int, write: bool) -> RegType | None:
    """One access to an sk_msg program's ``struct sk_msg_md`` (read-only)."""
    if write or off < 0 or off % size:
        return None
    if _in(off, _MSG_DATA, _MSG_DATA + 8):
        return RegType.PACKET if size == 8 else None
    if _in(off, _MSG_DATA_END, _MSG_DATA_END + 8):
        return RegType.PACKET_END if size == 8 else None
    if _in(off, _MSG_SK, _MSG_END):
        return RegType.BTF_ID if size == 8 else None
    if _in(off, _MSG_FAMILY, _MSG_SIZE + 4):
        return RegType.SCALAR if size == _DEFAULT else None
    return None
