"""Loads, stores and atomics: each access checked against the region its pointer may reach,
with the kernel's messages, and the stack's contents tracked slot by slot (spills and fills)."""

from __future__ import annotations

from typing import Final

from .._spec import ProgType
from ..btf import BtfError, Spec, Struct
from ._bounds import sync
from ._btf_ptr import check_btf_access, tracing_arg, typed
from ._btf_walk import struct_walk
from ._ctx import ctx_access
from ._dynptr import DYNPTR_BYTE, destroy_dynptrs
from ._env import Env, Refuse
from ._kptr import owned_field_access
from ._ksyms import check_percpu_access, is_percpu
from ._liveness import note_read, slot_bits
from ._log import type_str
from ._sockets import SOCK_TYPES, check_sock_access
from ._state import (
    MAX_BPF_STACK,
    T_CTX,
    T_MAP_VALUE,
    T_PACKET,
    T_PACKET_META,
    T_SCALAR,
    T_STACK,
    MapInfo,
    Reg,
    RegType,
    Slot,
    State,
    scalar_known,
    scalar_unknown,
)
from ._tnum import MASK64, tnum_const

__all__ = ["MAP_STRUCTS", "check_aligned_arg", "check_mem_access", "check_ptr_off_reg", "check_stack_range"]

BPF_MAX_VAR_OFF = 1 << 29
BPF_F_WRONLY_PROG = 1 << 8
MAX_PACKET_OFF = 0xFFFF
_PKT_WRITERS = frozenset({3, 4, 6, 12, 14, 16, 25})  # tc cls/act, xdp, lwt_xmit, sk_skb, sk_msg, sockopt
#: program types whose context holds the BTF-typed arguments of their attach target
_BTF_ARGS: Final = frozenset({ProgType.TRACING, ProgType.LSM, ProgType.STRUCT_OPS})


def _mem_error(reg: Reg, regno: int, off: int, size: int, mem_size: int) -> str:
    if reg.type == RegType.MAP_VALUE:
        return f"invalid access to map value, value_size={mem_size} off={off} size={size}"
    if reg.type in (RegType.PACKET, RegType.PACKET_META, RegType.PACKET_END):
        return f"invalid access to packet, off={off} size={size}, R{regno}(id={reg.id},off={reg.off},r={reg.range})"
    if reg.type == RegType.MAP_KEY:
        return f"invalid access to map key, key_size={mem_size} off={off} size={size}"
    return f"invalid access to memory, mem_size={mem_size} off={off} size={size}"


def _region(env: Env, reg: Reg, regno: int, off: int, size: int, mem_size: int, zero_ok: bool = False) -> None:
    """``check_mem_region_access``: the whole range the variable offset allows must fit."""
    smin = reg.smin
    if smin < 0 and (smin + off < 0 or smin < -(1 << 62)):
        raise Refuse(f"R{regno} min value is negative, either use unsigned index or do a if (index >=0) check.")
    lo = smin + off
    if lo < 0 or lo + size > mem_size or size == 0 and not zero_ok:
        env.log.add(_mem_error(reg, regno, lo, size, mem_size))
        raise Refuse(f"R{regno} min value is outside of the allowed memory range")
    if reg.umax >= BPF_MAX_VAR_OFF:
        raise Refuse(f"R{regno} unbounded memory access, make sure to bounds check any such access")
    hi = reg.umax + off
    if hi + size > mem_size:
        env.log.add(_mem_error(reg, regno, hi, size, mem_size))
        raise Refuse(f"R{regno} max value is outside of the allowed memory range")


def check_ptr_off_reg(reg: Reg, regno: int) -> None:
    """A pointer used, or passed to a helper, only as the program got it (``check_ptr_off_reg``):
    no fixed offset, negative ones named apart, and no variable offset."""
    if reg.off < 0:
        raise Refuse(f"negative offset {type_str(reg)} ptr R{regno} off={reg.off} disallowed")
    if reg.off:
        raise Refuse(f"dereference of modified {type_str(reg)} ptr R{regno} off={reg.off} disallowed")
    if not reg.is_const or reg.const:
        raise Refuse(f"variable {type_str(reg)} access var_off=({reg.var_off.value:#x}; {reg.var_off.mask:#x}) "
                      "disallowed")


def _special_fields(reg: Reg, regno: int, off: int, size: int, m: MapInfo) -> None:
    lo, hi = reg.smin + off, reg.umax + off + size
    for foff, fsize in m.special:
        if lo < foff + fsize and foff < hi:
            name = {16: "bpf_timer", 4: "bpf_spin_lock"}.get(fsize, "bpf_timer")
            if foff == m.wq_off:
                name = "bpf_wq"
            raise Refuse(f"{name} cannot be accessed directly by load/store")


def check_map_value(env: Env, reg: Reg, regno: int, off: int, size: int, write: bool,
                    helper: bool = False, zero_ok: bool = False) -> None:
    """A map value access (direct or by a helper): bounds, special fields, write permission."""
    m = reg.map
    assert m is not None
    off += reg.off
    if write and m.readonly_prog:
        raise Refuse(f"write into map forbidden, value_size={m.value_size} off={off + reg.smin} size={size}")
    if not write and m.flags & BPF_F_WRONLY_PROG:
        raise Refuse(f"read from map forbidden, value_size={m.value_size} off={off + reg.smin} size={size}")
    _region(env, reg, regno, off, size, m.value_size, zero_ok)
    if not helper or size:
        _special_fields(reg, regno, off, size, m)


def check_stack_range(env: Env, st: State, reg: Reg, regno: int, off: int, size: int, kind: str,
                      zero_ok: bool = False) -> tuple[int, int]:
    """``check_stack_access_within_bounds``: the bytes ``[lo, hi)`` relative to the frame
    pointer an access may touch, refused outside the 512-byte frame. ``kind`` is "read from",
    "write to" or "indirect access to"; ``zero_ok``: a helper's access of no bytes."""
    if size == 0 and not zero_ok:
        raise Refuse("invalid zero-sized read")
    # the first byte must be in the frame even when no byte is accessed
    if reg.is_const:
        lo = reg.off + off + _s64(reg.const)
        hi = lo + size
        if lo < -MAX_BPF_STACK or lo > -1 or hi > 0:
            raise Refuse(f"invalid {kind} stack R{regno} off={lo} size={size}")
    else:
        if reg.smax >= BPF_MAX_VAR_OFF or reg.smin <= -BPF_MAX_VAR_OFF:
            raise Refuse(f"invalid unbounded variable-offset {kind} stack R{regno}")
        lo = reg.off + off + reg.smin
        hi = reg.off + off + reg.smax + size
        if lo < -MAX_BPF_STACK or lo > -1 or hi > 0:
            raise Refuse(f"invalid variable-offset {kind} stack R{regno} var_off=({reg.var_off.value:#x}; "
                         f"{reg.var_off.mask:#x}) off={reg.off + off} size={size}")
    frame = st.frames[reg.frameno]
    frame.depth = max(frame.depth, -lo)
    if kind != "write to":
        note_read(st, slot_bits(reg.frameno, lo, hi))
    return lo, hi


def _s64(u: int) -> int:
    return u - (1 << 64) if u >> 63 else u


def _set_bytes(st: State, frameno: int, lo: int, hi: int, kind: str) -> None:
    """Mark the bytes ``[lo, hi)`` of the stack ``kind``; a spilled register they touch is gone."""
    frame = st.frames[frameno]
    for spi in range((-hi) // 8, (-lo - 1) // 8 + 1):
        base = -(spi + 1) * 8
        old = frame.stack.get(spi)
        kinds = list(old.kinds if old is not None else "????????")
        if old is not None and old.spilled is not None:
            kinds = ["m" if k == "r" else k for k in kinds]
        for b in range(8):
            if lo <= base + b < hi:
                kinds[b] = kind
        frame.stack[spi] = Slot("".join(kinds))


def stack_write(st: State, frameno: int, lo: int, size: int, value: Reg | None, st_imm: bool) -> None:
    """Record a store of ``size`` bytes at fp+``lo`` (``check_stack_write_fixed_off``): a
    scalar at a slot's start, or an 8-byte pointer, is spilled (the register is remembered);
    anything else leaves initialised bytes, zeros when a zero was stored."""
    destroy_dynptrs(st, frameno, lo, lo + size)
    frame = st.frames[frameno]
    aligned = lo % 8 == 0
    if value is not None and value.type == RegType.BTF_ID and size < 8:
        value = scalar_unknown()  # an untyped tracing argument stored in part: a number
    if value is not None and aligned and (value.type == T_SCALAR or value.is_pointer and size == 8):
        spi = (-lo - 1) // 8
        old = frame.stack.get(spi)
        kinds = ["r"] * size + [("m" if k not in "0?" else k) for k in (old.kinds if old is not None and old.spilled is None else "????????")[size:]]
        spilled = value
        if value.type == T_SCALAR and size < 8 and not _fits(value, size):
            spilled = value.copy()
            spilled.id = 0
        frame.stack[spi] = Slot("".join(kinds), spilled)
        return
    if value is not None and value.is_pointer:
        raise Refuse("invalid size of register spill")
    zero = value is not None and value.is_null_scalar() or st_imm and value is not None and value.is_const \
        and value.const == 0
    _set_bytes(st, frameno, lo, lo + size, "0" if zero else "m")


def _fits(r: Reg, size: int) -> bool:
    return r.umax < (1 << (size * 8))


def _stack_read(st: State, frameno: int, lo: int, size: int) -> Reg:
    """``check_stack_read_fixed_off``: a fill restores a spilled register; other reads give
    an unknown scalar (uninitialised bytes are readable for a privileged loader), or zero."""
    frame = st.frames[frameno]
    spi = (-lo - 1) // 8
    slot = frame.stack.get(spi)
    base = -(spi + 1) * 8
    if slot is not None and slot.spilled is not None and slot.kinds[0] == "r":
        spilled = slot.spilled
        spill_size = len(slot.kinds) - len(slot.kinds.lstrip("r"))
        if size == 8 and spill_size == 8:
            return spilled
        if spilled.type != T_SCALAR:
            raise Refuse("invalid size of register fill")
        if size <= spill_size and lo == base:
            out = spilled.copy()
            if not _fits(spilled, size):
                out.id = 0
            return out
        kinds = slot.kinds[lo - base:lo - base + size]
        if kinds.count("r") == size and spilled.is_null_scalar() or kinds.count("0") == size:
            return scalar_known(0)
        return scalar_unknown()
    kinds = ""
    for addr in range(lo, lo + size):
        s = frame.stack.get((-addr - 1) // 8)
        kinds += s.kinds[addr % 8] if s is not None else "?"
    for kernel_owned in "i" + DYNPTR_BYTE:  # an iterator's or dynptr's state is never the program's to read
        if kernel_owned in kinds:
            raise Refuse(f"invalid read from stack off {lo}+{kinds.index(kernel_owned)} size {size}")
    if kinds and all(k == "0" for k in kinds):
        return scalar_known(0)
    return scalar_unknown()


def read_stack_value(st: State, frameno: int, lo: int, size: int) -> Reg:
    """What a load of ``size`` bytes at fp+``lo`` would give (the state is not changed), an
    unknown scalar where a load would be refused: a helper may read bytes no load may (part
    of a spilled pointer, for a privileged loader)."""
    if lo % size or lo < -MAX_BPF_STACK or lo + size > 0:
        return scalar_unknown()
    try:
        return coerce(_stack_read(st, frameno, lo, size), size)
    except Refuse:
        return scalar_unknown()


def coerce(r: Reg, size: int) -> Reg:
    """A scalar loaded with ``size`` bytes: its value truncated and zero-extended
    (``coerce_reg_to_size``)."""
    if size >= 8:
        return r
    out = r.copy()
    mask = (1 << (size * 8)) - 1
    out.var_off = out.var_off.cast(size)
    if out.umax <= mask and out.umin <= out.umax and (out.umin >> (size * 8)) == (out.umax >> (size * 8)):
        lo, hi = out.umin & mask, out.umax & mask
    else:
        lo, hi = 0, mask
    out.umin, out.umax = lo, hi
    out.smin, out.smax = lo, hi
    out.u32min, out.u32max = min(lo, 0xFFFF_FFFF), min(hi, 0xFFFF_FFFF)
    out.s32min, out.s32max = (lo, hi) if hi < (1 << 31) else (-(1 << 31), (1 << 31) - 1)
    sync(out)
    return out


def _sign_load(r: Reg, size: int) -> Reg:
    if r.is_const:
        top = 1 << (size * 8 - 1)
        v = r.const & ((top << 1) - 1)
        return scalar_known((v - (top << 1) if v & top else v) & MASK64)
    out = scalar_unknown()
    out.smin, out.smax = -(1 << (size * 8 - 1)), (1 << (size * 8 - 1)) - 1
    sync(out)
    return out


#: the kernel structure behind a map pointer, by map type: arrays (and program, perf event,
#: cgroup and map arrays), hash tables (and LRU, per-CPU and map hashes), ring buffers
MAP_STRUCTS: Final = {2: "bpf_array", 3: "bpf_array", 4: "bpf_array", 6: "bpf_array", 8: "bpf_array",
                       12: "bpf_array", 1: "bpf_htab", 5: "bpf_htab", 9: "bpf_htab", 10: "bpf_htab",
                       13: "bpf_htab", 27: "bpf_ringbuf_map"}

def _map_struct_id(env: Env, map_type: int) -> int:
    """The target BTF's id of the kernel struct of maps of ``map_type`` (0: none known)."""
    spec = env.inp.kernel_btf
    if spec is None:
        return 0
    try:
        return spec.type_by_name(MAP_STRUCTS[map_type], Struct).id
    except BtfError:
        return 0


def _map_struct_read(env: Env, spec: Spec, type_id: int, off: int, size: int) -> Reg:
    """What a load from a map's kernel struct reads: a number, or a pointer the kernel types
    by BTF (untrusted: nothing vouches for it)."""
    walked = struct_walk(spec, type_id, off, size)
    if walked.kind == "scalar":
        return scalar_unknown()
    if walked.kind == "mem":
        out = Reg(RegType.MEM)
        out.rdonly, out.trust = True, "untrusted"
        return out
    out = Reg(RegType.BTF_ID)
    out.btf_name, out.btf_id = spec.type_by_id(walked.type_id).name, walked.type_id
    return out


#: what an atomic's misalignment message calls each region (stack accesses are always strict)
_STRICT_ATOMIC: Final = {RegType.MAP_VALUE: "value ", RegType.MAP_KEY: "key ", RegType.MEM: ""}


def _check_atomic_alignment(reg: Reg, off: int, size: int, desc: str) -> None:
    """Atomics are aligned to their size even where plain accesses need not be
    (``check_generic_ptr_alignment`` with strict alignment)."""
    at = reg.var_off.add(tnum_const((reg.off + off) & MASK64))
    if size > 1 and (at.value | at.mask) & (size - 1):
        v = reg.var_off
        where = (str(v.value) if v.value < 1 << 16 else hex(v.value)) if v.mask == 0 else f"({v.value:#x}; {v.mask:#x})"
        raise Refuse(f"misaligned {desc}access off {where}+{reg.off}+{off} size {size}")


def check_aligned_arg(reg: Reg, size: int) -> None:
    """A helper argument the kernel wants aligned to its size (``MEM_ALIGNED``: strtol's
    result, for one), wherever it points."""
    desc = "stack " if reg.type == RegType.STACK else _STRICT_ATOMIC.get(reg.type)
    if desc is not None:
        _check_atomic_alignment(reg, 0, size, desc)


#: pointer types an instruction may not share with another type (``reg_type_mismatch_ok``):
#: the kernel rewrites their accesses, each in its own way
_ONE_KIND_ONLY = frozenset({RegType.CTX, RegType.BTF_ID, RegType.ARENA})


def same_pointer_kind(env: Env, pc: int, t: int) -> None:
    """Refuse a load or store that reaches memory through a pointer type another path already
    used it with, when either is one whose accesses the kernel rewrites (``save_aux_ptr_type``)."""
    prev = env.access_type.setdefault(pc, t)
    if prev != t and (prev in _ONE_KIND_ONLY or t in _ONE_KIND_ONLY):
        raise Refuse("same insn cannot be used with different pointers")


def check_mem_access(env: Env, st: State, pc: int, regno: int, off: int, size: int, write: bool,
                     value: Reg | None = None, sign: bool = False, atomic: bool = False,
                     st_imm: bool = False) -> Reg | None:
    """Check one access through register ``regno`` and return what a load yields."""
    reg = st.cur.regs[regno]
    t = reg.type
    result: Reg | None = None
    proven = True
    own_frame = False
    if atomic and t in _STRICT_ATOMIC:
        _check_atomic_alignment(reg, off, size, _STRICT_ATOMIC[t])
    if t == T_STACK:
        kind = "write to" if write else "read from"
        at = reg.var_off.add(tnum_const((reg.off + off) & MASK64))
        if (at.value | at.mask) & (size - 1):
            where = str(_s64(reg.const)) if reg.is_const else f"({reg.var_off.value:#x}; {reg.var_off.mask:#x})"
            raise Refuse(f"misaligned stack access off {where}+{reg.off}+{off} size {size}")
        lo, _ = check_stack_range(env, st, reg, regno, off, size, kind)
        own_frame = reg.frameno == st.cur.frameno  # aligned and inside it: checked just above
        if not reg.is_const:
            if write:
                destroy_dynptrs(st, reg.frameno, lo, reg.off + off + reg.smax + size)
                _set_bytes(st, reg.frameno, lo, reg.off + off + reg.smax + size, "m")
            result = None if write else scalar_unknown()
        elif write:
            stack_write(st, reg.frameno, lo, size, None if atomic else value, st_imm)
        else:
            result = _stack_read(st, reg.frameno, lo, size)
    elif t == T_MAP_VALUE and not reg.null:
        check_map_value(env, reg, regno, off, size, write)
        m = reg.map
        assert m is not None
        kptr = owned_field_access(env, st, reg, off, size, write, value, atomic, st_imm)
        if kptr is not None:
            result = kptr
        elif not write and m.frozen_value is not None and reg.is_const and not atomic:
            start = reg.off + off + reg.const
            raw = m.frozen_value[start:start + size]
            result = scalar_known(int.from_bytes(raw, "little"))
        elif not write:
            result = scalar_unknown()
    elif t == T_CTX:
        if atomic:
            raise Refuse(f"BPF_ATOMIC stores into R{regno} ctx is not allowed")
        check_ptr_off_reg(reg, regno)
        field = ctx_access(env.inp.prog_type, env.inp.attach_type, off, size, write, sign)
        if field is None:
            raise Refuse(f"invalid bpf_context access off={off} size={size}")
        env.max_ctx = max(env.max_ctx, off + size)
        arg = tracing_arg(env, off, size) if env.inp.prog_type in _BTF_ARGS else None
        if arg is not None:
            field, result = arg.type, arg
        elif not write:
            result = scalar_unknown() if field == T_SCALAR else Reg(field)
            if field in SOCK_TYPES:  # skb->sk: a socket that may be NULL
                result.null = True
                result.id = env.new_id()
            if field == RegType.BTF_ID and size < 4:
                result = scalar_unknown()
    elif t in (T_PACKET, T_PACKET_META):
        if write and env.inp.prog_type not in _PKT_WRITERS:
            raise Refuse("cannot write into packet")
        if reg.smin < 0:
            raise Refuse(f"R{regno} min value is negative, either use unsigned index or do a if (index >=0) check.")
        start = off + reg.off
        if start < 0 or start + size > reg.range or size <= 0:
            env.log.add(_mem_error(reg, regno, start, size, reg.range))
            raise Refuse(f"R{regno} offset is outside of the packet")
        if not write:
            result = scalar_unknown()
    elif t == RegType.MEM and not reg.null:
        if write and reg.rdonly:
            raise Refuse(f"R{regno} cannot write into {type_str(reg)}")
        if reg.trust == "untrusted":  # read from a kernel pointer to no struct: any byte may
            proven = False            # be read, and a bad address reads as 0
        else:
            _region(env, reg, regno, off + reg.off, size, reg.mem_size)
        if not write:
            result = scalar_unknown()
    elif t == RegType.MAP_KEY:
        if write:
            raise Refuse(f"write to change key R{regno} not allowed")
        assert reg.map is not None
        _region(env, reg, regno, off + reg.off, size, reg.map.key_size)
        result = scalar_unknown()
    elif is_percpu(reg) and not typed(env, reg):
        check_percpu_access(reg, regno, off)
    elif t == RegType.BTF_ID and not reg.null and typed(env, reg):
        proven = False
        result = check_btf_access(env, st, reg, regno, off, size, write) or (None if write else scalar_unknown())
    elif t in (RegType.BTF_ID, RegType.ARENA) and not reg.null:
        proven = False
        result = None if write else scalar_unknown()
    elif t == RegType.FLOW_KEYS:
        result = None if write else scalar_unknown()
    elif t in SOCK_TYPES and not reg.null:
        check_sock_access(reg, regno, off + reg.off, size, write)
        result = None if write else scalar_unknown()
    elif t == RegType.CONST_MAP and reg.map is not None and reg.map.type in MAP_STRUCTS \
            and (write or reg.off + off < 0 or _map_struct_id(env, reg.map.type)):
        # the map's own kernel structure (``check_ptr_to_map_access``): read-only, walked by
        # the target BTF's struct of the map's type; the runtime lays that struct out at the
        # map's address (``Map.expose_kernel_struct``)
        name = MAP_STRUCTS[reg.map.type]
        if reg.off + off < 0:
            raise Refuse(f"R{regno} is {name} invalid negative access: off={reg.off + off}")
        if write:
            raise Refuse(f"only read from {name} is supported")
        assert env.inp.kernel_btf is not None
        proven = False
        result = _map_struct_read(env, env.inp.kernel_btf, _map_struct_id(env, reg.map.type), reg.off + off, size)
    else:
        raise Refuse(f"R{regno} invalid mem access '{type_str(reg)}'")
    env.proved(pc, proven, own_frame)
    if result is not None and result.type == T_SCALAR and size < 8:
        result = _sign_load(result, size) if sign else coerce(result, size)
    return result
