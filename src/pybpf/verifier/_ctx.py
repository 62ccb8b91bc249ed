"""Which context fields each program type may read or write, and what a load of them yields
(the kernel's per-type ``is_valid_access`` callbacks).

:func:`ctx_access` answers for one access ``(off, size, write)``: None when the kernel refuses
it ("invalid bpf_context access"), else the type of the loaded register (a scalar, or the
packet pointers ``__sk_buff``/``xdp_md`` hand out).
"""

from __future__ import annotations

from typing import Final

from .._spec import AttachType, ProgType
from ._ctx_sock import sk_msg_access, sock_access, sock_addr_access
from ._state import RegType

__all__ = ["CTX_SIZES", "ctx_access"]

SKB_SIZE: Final = 192
XDP_MD_SIZE: Final = 24
_U16_MAX: Final = 0xFFFF

# struct __sk_buff field offsets (UAPI)
_CB, _CB_END = 48, 68
_TC_CLASSID, _DATA, _DATA_END, _NAPI_ID = 72, 76, 80, 84
_FAMILY, _LOCAL_PORT_END = 88, 140
_REMOTE_IP4, _LOCAL_IP6_END = 92, 132
_DATA_META, _FLOW_KEYS, _TSTAMP, _WIRE_LEN, _SK = 140, 144, 152, 160, 168
_TSTAMP_TYPE, _HWTSTAMP = 180, 184
_MARK, _QUEUE_MAPPING, _PRIORITY, _TC_INDEX = 8, 12, 32, 44

_LWT_TYPES: Final = frozenset({ProgType.LWT_IN, ProgType.LWT_OUT, ProgType.LWT_XMIT, ProgType.LWT_SEG6LOCAL})
_SKB_TYPES: Final = frozenset({ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.SCHED_ACT,
                                ProgType.CGROUP_SKB}) | _LWT_TYPES
#: context sizes where the kernel bounds every access by the structure's size
CTX_SIZES: Final = {t: SKB_SIZE for t in _SKB_TYPES} | {ProgType.XDP: XDP_MD_SIZE}


def _in(off: int, lo: int, hi: int) -> bool:
    return lo <= off < hi


def _skb_generic(off: int, size: int, write: bool) -> bool:
    """``bpf_skb_is_valid_access``: alignment, sizes of pointer and 64-bit fields, narrow reads."""
    if off < 0 or off >= SKB_SIZE or off % size:
        return False
    if _in(off, _CB, _CB_END):
        return off + size <= _CB_END
    if _in(off, _REMOTE_IP4, _LOCAL_IP6_END) or any(_in(off, f, f + 4) for f in (_DATA, _DATA_META, _DATA_END)):
        return size == 4  # no narrow reads of a pointer (any byte of one)
    if off == _FLOW_KEYS:
        return size == 8 and not write
    if off == _SK:
        return size == 8 and not write
    if _in(off, _FLOW_KEYS, _FLOW_KEYS + 8) or _in(off, _SK, _SK + 8):
        return False
    if off in (_TSTAMP, _HWTSTAMP):
        return size == 8
    if _in(off, _TSTAMP, _TSTAMP + 8) or _in(off, _HWTSTAMP, _HWTSTAMP + 8):
        return False
    if off == _TSTAMP_TYPE:
        return size == 1 and not write
    if _in(off, _TSTAMP_TYPE, _HWTSTAMP):
        return False
    if write:
        return size == 4
    return size in (1, 2, 4) and (off & 3) + size <= 4


def _skb(ptype: ProgType, off: int, size: int, write: bool) -> RegType | None:
    if ptype == ProgType.SOCKET_FILTER:
        refused = (off in (_TSTAMP, _HWTSTAMP) or _in(off, _FAMILY, _LOCAL_PORT_END)
                   or any(_in(off, f, f + 4) for f in (_TC_CLASSID, _DATA_META, _WIRE_LEN))
                   or _in(off, _DATA, _NAPI_ID))
        if refused or write and not _in(off, _CB, _CB_END):
            return None
    elif ptype == ProgType.CGROUP_SKB:
        if _in(off, _TC_CLASSID, _TC_CLASSID + 4) or _in(off, _DATA_META, _DATA_META + 4) \
                or _in(off, _WIRE_LEN, _WIRE_LEN + 4):
            return None
        writable = _in(off, _MARK, _MARK + 4) or _in(off, _PRIORITY, _PRIORITY + 4) \
            or _in(off, _CB, _CB_END) or off == _TSTAMP
        if write and not writable:
            return None
    elif ptype in _LWT_TYPES:
        if _in(off, _TC_CLASSID, _TC_CLASSID + 4) or _in(off, _FAMILY, _LOCAL_PORT_END) \
                or any(_in(off, f, f + 4) for f in (_DATA_META, _WIRE_LEN)) \
                or any(_in(off, f, f + 8) for f in (_TSTAMP, _HWTSTAMP)):
            return None
        writable = _in(off, _MARK, _MARK + 4) or _in(off, _PRIORITY, _PRIORITY + 4) or _in(off, _CB, _CB_END)
        if write and not writable:
            return None
    else:  # tc
        writable = any(_in(off, f, f + 4) for f in (_MARK, _TC_INDEX, _PRIORITY, _QUEUE_MAPPING, _TC_CLASSID)) \
            or _in(off, _CB, _CB_END) or off == _TSTAMP
        if write and not writable or _in(off, _FAMILY, _LOCAL_PORT_END):
            return None
    if off == _TSTAMP_TYPE and ptype not in (ProgType.SCHED_CLS, ProgType.SCHED_ACT):
        return None  # only tc programs may read it (tc_cls_act_is_valid_access)
    if not _skb_generic(off, size, write):
        return None
    if ptype != ProgType.SOCKET_FILTER:
        if off == _DATA:
            return RegType.PACKET
        if off == _DATA_END:
            return RegType.PACKET_END
        if off == _DATA_META and ptype != ProgType.CGROUP_SKB and ptype not in _LWT_TYPES:
            return RegType.PACKET_META
    if off == _FLOW_KEYS:
        return None  # only flow dissector programs get flow keys
    if off == _SK:
        return RegType.SOCK_COMMON
    return RegType.SCALAR


def _xdp(attach: AttachType, off: int, size: int, write: bool) -> RegType | None:
    if write or off < 0 or off >= XDP_MD_SIZE or off % size or size != 4:
        return None
    if off == 20 and attach != AttachType.XDP_DEVMAP:
        return None
    return {0: RegType.PACKET, 4: RegType.PACKET_END, 8: RegType.PACKET_META}.get(off, RegType.SCALAR)


# struct bpf_sk_lookup (UAPI), 72 bytes
_SKL_SIZE, _SKL_REMOTE_PORT, _SKL_LOCAL_IP4, _SKL_INGRESS_END = 72, 36, 40, 68


def _sk_lookup(off: int, size: int, write: bool) -> RegType | None:
    """``sk_lookup_is_valid_access``: read-only; the selected socket whole, the connection's
    4-byte fields whole or in part, the remote port (and the padding after it) in 2 bytes."""
    if write or off < 0 or off >= _SKL_SIZE or off % size:
        return None
    if off == 0:
        return RegType.SOCKET if size == 8 else None
    if 8 <= off < _SKL_REMOTE_PORT or _SKL_LOCAL_IP4 <= off < _SKL_INGRESS_END:
        return RegType.SCALAR if (off & 3) + size <= 4 else None
    if _SKL_REMOTE_PORT <= off < _SKL_LOCAL_IP4:
        ok = size == 4 and off == _SKL_REMOTE_PORT or (off & 1) + size <= 2
        return RegType.SCALAR if ok else None
    return None


def _flow_dissector(off: int, size: int, write: bool) -> RegType | None:
    """A flow dissector reads the packet pointers and its flow keys, and nothing else."""
    if write or off < 0 or off >= SKB_SIZE or off % size:
        return None
    if off in (_DATA, _DATA_END):
        return None if size != 4 else RegType.PACKET if off == _DATA else RegType.PACKET_END
    if _in(off, _FLOW_KEYS, _FLOW_KEYS + 8):
        return RegType.FLOW_KEYS if size == 8 else None
    return None


#: PERF_MAX_TRACE_SIZE: how far a tracepoint program may read its record
_TRACE_SIZE_MAX: Final = 8192
#: struct bpf_perf_event_data: the registers (x86-64 pt_regs), then sample_period and addr
_PE_SAMPLE_PERIOD, _PE_SIZE = 168, 184


def _perf_event(off: int, size: int, write: bool) -> RegType | None:
    """Registers are read as whole longs; sample_period and addr also in narrower reads."""
    if write or off < 0 or off >= _PE_SIZE or off % size:
        return None
    if off >= _PE_SAMPLE_PERIOD:
        return RegType.SCALAR if size & (size - 1) == 0 else None
    return RegType.SCALAR if size == 8 else None


# struct bpf_sock_ops (UAPI): reply, sk_txhash, the 64-bit fields and the pointers
_OPS_REPLY, _OPS_TXHASH = 4, 164
_OPS_U64 = frozenset({168, 176, 216})  #: bytes_received, bytes_acked, skb_hwtstamp
#: sk (a socket, or NULL: pybpf keeps it an untyped kernel pointer), skb_data, skb_data_end
_OPS_POINTERS = {184: RegType.BTF_ID, 192: RegType.PACKET, 200: RegType.PACKET_END}
_OPS_TCP_FLAGS, _SOCK_OPS_SIZE = 212, 224


def _sock_ops(off: int, size: int, write: bool) -> RegType | None:
    """``sock_ops_is_valid_access``: 32-bit fields read whole (skb_tcp_flags also in parts),
    the 64-bit ones and the pointers as 8 bytes; only ``reply`` (not the rest of ``replylong``,
    Linux 6.18) and sk_txhash written."""
    if not 0 <= off < _SOCK_OPS_SIZE or off % size:
        return None
    if write:
        return RegType.SCALAR if size == 4 and off in (_OPS_REPLY, _OPS_TXHASH) else None
    if off in _OPS_U64 or off in _OPS_POINTERS:
        return _OPS_POINTERS.get(off, RegType.SCALAR) if size == 8 else None
    if off - 4 in _OPS_U64 or off - 4 in _OPS_POINTERS:  # the upper half of an 8-byte field
        return None
    if off == _OPS_TCP_FLAGS:
        return RegType.SCALAR
    return RegType.SCALAR if size == 4 else None


# struct bpf_sockopt (UAPI): sk, optval and optval_end (pointers), then level, optname,
# optlen and retval
_SOCKOPT_POINTERS: Final = {0: RegType.BTF_ID, 8: RegType.PACKET, 16: RegType.PACKET_END}
_SOCKOPT_LEVEL, _SOCKOPT_OPTNAME, _SOCKOPT_OPTLEN, _SOCKOPT_RETVAL, _SOCKOPT_SIZE = 24, 28, 32, 36, 40


def _sockopt(attach: AttachType, off: int, size: int, write: bool) -> RegType | None:
    """``cg_sockopt_is_valid_access``: the pointers read whole (``optval``..``optval_end`` is
    the option's buffer, read and written as a packet), the 32-bit fields whole; getsockopt
    programs read and set ``retval``, setsockopt ones set ``level`` and ``optname``, both set
    ``optlen``."""
    if not 0 <= off < _SOCKOPT_SIZE or off % size:
        return None
    get = attach == AttachType.CGROUP_GETSOCKOPT
    if off in _SOCKOPT_POINTERS:
        return _SOCKOPT_POINTERS[off] if size == 8 and not write else None
    if off - 4 in _SOCKOPT_POINTERS:
        return None
    if size != 4:
        return None
    if off == _SOCKOPT_RETVAL:
        return RegType.SCALAR if get else None
    if write and off in (_SOCKOPT_LEVEL, _SOCKOPT_OPTNAME):
        return RegType.SCALAR if attach == AttachType.CGROUP_SETSOCKOPT else None
    return RegType.SCALAR if not write or off == _SOCKOPT_OPTLEN else None


_POINTER_FIELDS: Final = frozenset({RegType.PACKET, RegType.PACKET_END, RegType.PACKET_META})


def ctx_access(ptype: ProgType, attach: AttachType, off: int, size: int, write: bool,
               sign: bool = False) -> RegType | None:
    """What the kernel allows for one context access (None: refused). A sign-extending load
    (``sign``) may not read a packet pointer."""
    field = _ctx_access(ptype, attach, off, size, write)
    return None if sign and field in _POINTER_FIELDS else field


def _ctx_access(ptype: ProgType, attach: AttachType, off: int, size: int, write: bool) -> RegType | None:
    if ptype == ProgType.SK_LOOKUP:
        return _sk_lookup(off, size, write)
    if ptype in _SKB_TYPES:
        return _skb(ptype, off, size, write)
    if ptype == ProgType.XDP:
        return _xdp(attach, off, size, write)
    if ptype == ProgType.FLOW_DISSECTOR:
        return _flow_dissector(off, size, write)
    if ptype == ProgType.CGROUP_SOCK:
        return sock_access(attach, off, size, write)
    if ptype == ProgType.CGROUP_SOCK_ADDR:
        return sock_addr_access(attach, off, size, write)
    if ptype == ProgType.SK_MSG:
        return sk_msg_access(off, size, write)
    if ptype == ProgType.SYSCALL:
        return RegType.SCALAR if 0 <= off < _U16_MAX and off % size == 0 else None
    if ptype in (ProgType.TRACING, ProgType.LSM, ProgType.STRUCT_OPS):
        # an argument may be a pointer the kernel types by BTF: pybpf lets it be dereferenced
        return RegType.BTF_ID if not write and 0 <= off < 8 * 12 and off % size == 0 else None
    if ptype == ProgType.NETFILTER:
        # struct bpf_nf_ctx: read-only pointers to the hook state and the skb (nf_is_valid_access)
        return RegType.BTF_ID if not write and off in (0, 8) and size == 8 else None
    if ptype in (ProgType.RAW_TRACEPOINT, ProgType.RAW_TRACEPOINT_WRITABLE):
        return RegType.SCALAR if not write and 0 <= off < 8 * 12 and off % size == 0 else None
    if ptype == ProgType.TRACEPOINT:
        # the record after its 8-byte common header, read-only, up to the largest trace size
        return RegType.SCALAR if not write and 8 <= off < _TRACE_SIZE_MAX and off % size == 0 else None
    if ptype == ProgType.PERF_EVENT:
        return _perf_event(off, size, write)
    if ptype == ProgType.KPROBE:
        return RegType.SCALAR if not write and 0 <= off < 168 and off % size == 0 else None
    if ptype == ProgType.SOCK_OPS:
        return _sock_ops(off, size, write)
    if ptype == ProgType.CGROUP_SOCKOPT:
        return _sockopt(attach, off, size, write)
    # types pybpf does not model in detail: aligned accesses are allowed and what is read may
    # be a pointer (an untyped one: dereferenced without proof), as a lenient default
    return RegType.BTF_ID if off >= 0 and off % size == 0 else None
