"""Socket pointers: which fields of ``struct bpf_sock`` and ``struct bpf_tcp_sock`` a program
may read through each socket type (the kernel's ``bpf_sock_is_valid_access``,
``bpf_sock_common_is_valid_access``, ``bpf_tcp_sock_is_valid_access``), and the helper
argument kinds that take sockets. Sockets are never written and never moved.
"""

from __future__ import annotations

from typing import Final

from ._env import Refuse
from ._log import type_str
from ._state import Reg, RegType

__all__ = ["SOCK_TYPES", "check_sock_access", "sock_btf_arg", "sock_common_arg", "sock_or_null_arg", "sock_release_arg"]

SOCK_TYPES: Final = frozenset({RegType.SOCKET, RegType.SOCK_COMMON, RegType.TCP_SOCK})

# struct bpf_sock (UAPI), 80 bytes
_BPF_SOCK_SIZE: Final = 80
_TYPE, _PRIORITY_END = 8, 24
_SRC_IP4, _SRC_IP6, _SRC_IP6_END = 24, 28, 44
_DST_PORT, _DST_PORT_END, _DST_IP4, _DST_IP6, _DST_IP6_END = 48, 50, 52, 56, 72
#: 4-byte fields read whole or in part from their start (family, type, protocol, src_port,
#: state, rx_queue_mapping)
_NARROW_FIELDS: Final = frozenset({4, 8, 12, 44, 72, 76})
# struct bpf_tcp_sock (UAPI): up to icsk_retransmits, with two 8-byte counters
_TCP_SOCK_END: Final = 112
_TCP_U64_FIELDS: Final = frozenset({80, 88})

_SOCK_COMMON_ARG: Final = "sock_common, sock, tcp_sock, xdp_sock"


def _narrow_ok(off: int, size: int, field_size: int) -> bool:
    """``bpf_ctx_narrow_access_ok``: a read within one field of ``field_size`` bytes."""
    return size <= field_size and (off & (field_size - 1)) + size <= field_size


def _bpf_sock_ok(off: int, size: int) -> bool:
    if off < 0 or off >= _BPF_SOCK_SIZE or off % size:
        return False
    in_addr = _SRC_IP4 <= off < _SRC_IP6_END or _DST_IP4 <= off < _DST_IP6_END
    if off in _NARROW_FIELDS or in_addr:
        return _narrow_ok(off, size, 4)
    if _DST_PORT <= off < _DST_PORT_END:
        return _narrow_ok(off, size, 4 if size == 4 else 2)
    if _DST_PORT_END <= off < _DST_IP4:  # the padding after dst_port
        return False
    return size == 4


def _access_ok(t: RegType, off: int, size: int) -> bool:
    if t == RegType.SOCKET:
        return _bpf_sock_ok(off, size)
    if t == RegType.SOCK_COMMON:  # type, protocol, mark and priority are full sockets' only
        return not _TYPE <= off < _PRIORITY_END and _bpf_sock_ok(off, size)
    if off < 0 or off >= _TCP_SOCK_END or off % size:
        return False
    return size == (8 if off in _TCP_U64_FIELDS else 4)


def check_sock_access(reg: Reg, regno: int, off: int, size: int, write: bool) -> None:
    """A load or store through a (non-NULL) socket pointer (``check_sock_access``)."""
    if write:
        raise Refuse(f"R{regno} cannot write into {type_str(reg)}")
    if not _access_ok(reg.type, off, size):
        raise Refuse(f"R{regno} invalid {type_str(reg)} access off={off} size={size}")


def sock_common_arg(reg: Reg, regno: int) -> None:
    """``ARG_PTR_TO_SOCK_COMMON``: any non-NULL socket pointer."""
    if reg.type not in SOCK_TYPES or reg.null:
        raise Refuse(f"R{regno} type={type_str(reg)} expected={_SOCK_COMMON_ARG}")


def sock_or_null_arg(reg: Reg, regno: int) -> None:
    """``ARG_PTR_TO_SOCKET_OR_NULL``: a full socket, checked or not, or NULL."""
    if reg.type != RegType.SOCKET and not reg.is_null_scalar():
        raise Refuse(f"R{regno} type={type_str(reg)} expected=sock")


def sock_btf_arg(reg: Reg, regno: int) -> None:
    """``ARG_PTR_TO_BTF_ID_SOCK_COMMON``: a non-NULL socket pointer, or a kernel socket."""
    if reg.type not in SOCK_TYPES and reg.type != RegType.BTF_ID or reg.null:
        raise Refuse(f"R{regno} type={type_str(reg)} expected={_SOCK_COMMON_ARG}, ptr_, trusted_ptr_")


def sock_release_arg(reg: Reg, regno: int) -> int:
    """``bpf_sk_release``'s socket: an acquired socket, or a pointer derived from one; returns
    the reference it releases."""
    sock_btf_arg(reg, regno)
    if not reg.ref_obj_id:
        raise Refuse(f"R{regno} must be referenced when passed to release function")
    return reg.ref_obj_id
