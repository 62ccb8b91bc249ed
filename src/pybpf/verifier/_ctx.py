"""Which context fields each program type may read or write, and what a load of them yields
(the kernel's per-type ``is_valid_access`` callbacks).

:func:`ctx_access` answers for one access ``(off, size, write)``: None when the kernel refuses
it ("invalid bpf_context access"), else the type of the loaded register (a scalar, or the
packet pointers ``__sk_buff``/``xdp_md`` hand out).
"""

from __future__ import annotations

from typing import Final

from .._spec import AttachType, ProgType
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

_SKB_TYPES: Final = frozenset({ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.SCHED_ACT,
                                ProgType.CGROUP_SKB})
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
    if _in(off, _REMOTE_IP4, _LOCAL_IP6_END) or off in (_DATA, _DATA_META, _DATA_END):
        return size == 4
    if off == _FLOW_KEYS:
        return size == 8 and not write
    if _in(off, _FLOW_KEYS, _FLOW_KEYS + 8) or _in(off, _SK, _SK + 8):
        return False
    if off in (_TSTAMP, _HWTSTAMP):
        return size == 8
    if _in(off, _TSTAMP, _TSTAMP + 8) or _in(off, _HWTSTAMP, _HWTSTAMP + 8):
        return False
    if off == _SK:
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
        refused = (off in (_TC_CLASSID, _DATA, _DATA_META, _DATA_END, _TSTAMP, _WIRE_LEN, _HWTSTAMP)
                   or _in(off, _FAMILY, _LOCAL_PORT_END) or _in(off, _TC_CLASSID, _TC_CLASSID + 4)
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
    else:  # tc
        writable = any(_in(off, f, f + 4) for f in (_MARK, _TC_INDEX, _PRIORITY, _QUEUE_MAPPING, _TC_CLASSID)) \
            or _in(off, _CB, _CB_END) or off == _TSTAMP
        if write and not writable or _in(off, _FAMILY, _LOCAL_PORT_END):
            return None
    if not _skb_generic(off, size, write):
        return None
    if ptype != ProgType.SOCKET_FILTER:
        if off == _DATA:
            return RegType.PACKET
        if off == _DATA_END:
            return RegType.PACKET_END
        if off == _DATA_META and ptype != ProgType.CGROUP_SKB:
            return RegType.PACKET_META
    if off == _FLOW_KEYS:
        return None  # only flow dissector programs get flow keys
    return RegType.SCALAR


def _xdp(attach: AttachType, off: int, size: int, write: bool) -> RegType | None:
    if write or off < 0 or off >= XDP_MD_SIZE or off % size or size != 4:
        return None
    if off == 20 and attach != AttachType.NONE and attach.name != "XDP_DEVMAP":
        return None
    if off == 20 and attach == AttachType.NONE:
        return None
    return {0: RegType.PACKET, 4: RegType.PACKET_END, 8: RegType.PACKET_META}.get(off, RegType.SCALAR)


def ctx_access(ptype: ProgType, attach: AttachType, off: int, size: int, write: bool) -> RegType | None:
    """What the kernel allows for one context access (None: refused)."""
    if ptype in _SKB_TYPES:
        return _skb(ptype, off, size, write)
    if ptype == ProgType.XDP:
        return _xdp(attach, off, size, write)
    if ptype == ProgType.SYSCALL:
        return RegType.SCALAR if 0 <= off < _U16_MAX and off % size == 0 else None
    if ptype in (ProgType.TRACING, ProgType.LSM):
        # an argument may be a pointer the kernel types by BTF: pybpf lets it be dereferenced
        return RegType.BTF_ID if not write and 0 <= off < 8 * 12 and off % size == 0 else None
    if ptype == ProgType.NETFILTER:
        # struct bpf_nf_ctx: read-only pointers to the hook state and the skb (nf_is_valid_access)
        return RegType.BTF_ID if not write and off in (0, 8) and size == 8 else None
    if ptype in (ProgType.RAW_TRACEPOINT, ProgType.RAW_TRACEPOINT_WRITABLE):
        return RegType.SCALAR if not write and 0 <= off < 8 * 12 and off % size == 0 else None
    if ptype == ProgType.KPROBE:
        return RegType.SCALAR if not write and 0 <= off < 168 and off % size == 0 else None
    # types pybpf does not model in detail: aligned accesses are allowed and what is read may
    # be a pointer (an untyped one: dereferenced without proof), as a lenient default
    return RegType.BTF_ID if off >= 0 and off % size == 0 else None
