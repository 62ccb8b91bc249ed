"""ALU instructions: scalar arithmetic on ranges, and what arithmetic the kernel allows on
pointers for a privileged loader (``adjust_ptr_min_max_vals``), with its messages."""

from __future__ import annotations

from ..isa import Instruction
from ._bounds import alu_scalar, sync, zext32
from ._env import Env, Refuse, check_dst, reg_read
from ._log import type_str
from ._state import (
    ADD_CONST,
    S32_MAX,
    S32_MIN,
    S64_MIN,
    T_STACK,
    Reg,
    RegType,
    State,
    scalar_known,
    scalar_unknown,
)
from ._tnum import MASK32, MASK64, tnum_range

__all__ = ["check_alu", "link_source"]

BPF_MAX_VAR_OFF = 1 << 29
_OP_TEXT = {0x00: "+=", 0x10: "-=", 0x20: "*=", 0x30: "/=", 0x40: "|=", 0x50: "&=", 0x60: "<<=",
            0x70: ">>=", 0x80: "neg", 0x90: "%=", 0xA0: "^=", 0xB0: "=", 0xC0: "s>>=", 0xD0: "endian"}
_ADD, _SUB, _DIV, _MOD, _NEG, _MOV, _END = 0x00, 0x10, 0x30, 0x90, 0x80, 0xB0, 0xD0
_SHIFTS = (0x60, 0x70, 0xC0)
#: the pointers arithmetic may move
_MOVABLE = frozenset({RegType.CTX, RegType.MAP_VALUE, RegType.MAP_KEY, RegType.STACK, RegType.PACKET_META,
                      RegType.PACKET, RegType.BTF_ID, RegType.MEM, RegType.FUNC, RegType.ARENA})
_PACKETS = frozenset({RegType.PACKET, RegType.PACKET_META})


def check_alu(env: Env, st: State, insn: Instruction) -> None:
    """Check one ALU/ALU64 instruction and apply it to the state."""
    op = insn.opcode & 0xF0
    is64 = insn.opcode & 0x07 == 0x07
    bits = 64 if is64 else 32
    use_reg = bool(insn.opcode & 0x08)
    regs = st.cur.regs
    if op == _MOV:
        if use_reg:
            src = reg_read(st, insn.src)
            check_dst(insn.dst)
            regs[insn.dst] = _mov(env, st, insn, src, is64)
        else:
            check_dst(insn.dst)
            imm = insn.imm if is64 else insn.imm & MASK32
            regs[insn.dst] = scalar_known(imm & MASK64)
        return
    if op in (_NEG, _END):
        dst = reg_read(st, insn.dst)
        check_dst(insn.dst)
        regs[insn.dst] = _unary(insn, dst, is64)
        return
    dst = reg_read(st, insn.dst)
    if use_reg:
        src = reg_read(st, insn.src)
    else:
        if op in (_DIV, _MOD) and insn.imm == 0:
            raise Refuse("div by zero", 22)
        if op in _SHIFTS and not 0 <= insn.imm < bits:
            raise Refuse(f"invalid shift {insn.imm}", 22)
        src = scalar_known(insn.imm & MASK64)
    check_dst(insn.dst)
    if dst.is_pointer or src.is_pointer:
        moved = _pointer_alu(env, insn, dst, src, op, is64)
        if moved is not None:
            regs[insn.dst] = moved
            return
        # untyped tracing arguments that do not move as pointers are numbers: the operation
        # keeps what it proves of the other operand (``arg & 15`` is at most 15)
        dst, src = _as_number(dst), _as_number(src)
    oversized_shift = op in _SHIFTS and src.is_const and src.const >= bits  # the kernel knows nothing then
    if dst.var_off.mask == 0 and src.var_off.mask == 0 and op not in (_DIV, _MOD) and not oversized_shift:
        regs[insn.dst] = scalar_known(_const_alu(op, dst.var_off.value, src.var_off.value, bits))
        return
    out = dst.copy()
    _link_offset(out, insn, src, op, is64)
    if op in _SHIFTS and (not src.is_const or src.const >= bits) or op in (_DIV, _MOD):
        # the kernel computes no range for division (is_safe_to_compute_dst_reg_range), and
        # knows nothing of the whole register then: not even that a 32-bit result is zero-extended
        out.set_unknown()
    else:
        if not is64 and not src.is_const:
            src = src.copy()
        alu_scalar(op, out, src, bits, insn.offset)
    regs[insn.dst] = out


def _link_offset(out: Reg, insn: Instruction, src: Reg, op: int, is64: bool) -> None:
    """What a scalar ALU operation leaves of ``out``'s link: a 64-bit add or subtraction of
    a constant that fits an s32 (and, subtracted, can be negated) keeps a linked register
    linked, ``off`` away from the others (the kernel's ``BPF_ADD_CONST``; once only: a second
    one, any other operation, a 32-bit one or ``rX += rX`` breaks the link)."""
    if op in (_ADD, _SUB) and is64 and out.id and src.is_const and not (insn.opcode & 0x08 and insn.src == insn.dst):
        val = s64v(src.const)
        if not out.id & ADD_CONST and S32_MIN <= val <= S32_MAX and not (op == _SUB and val == S32_MIN):
            out.id |= ADD_CONST
            out.off = -val if op == _SUB else val
            return
    out.id = 0
    out.off = 0


def link_source(env: Env, st: State, regno: int) -> Reg:
    """Register ``regno`` about to be copied (a move, a spill): a scalar that is not constant
    gets an id its copies share, so that bounds learnt on one hold for all (the kernel's
    ``assign_scalar_id_before_mov``); one already linked with an offset starts a new link.
    Returns the register as it is now."""
    src = st.cur.regs[regno]
    if src.type != RegType.SCALAR or src.id and not src.id & ADD_CONST:
        return src
    if src.is_const and not src.id:
        return src
    src = src.copy()
    src.id = 0 if src.is_const else env.new_id()
    src.off = 0
    st.cur.regs[regno] = src
    return src


def _const_alu(op: int, a: int, b: int, bits: int) -> int:
    """The exact result of an ALU operation on two known values (shifts already checked)."""
    mask = MASK64 if bits == 64 else MASK32
    a &= mask
    b &= mask
    if op == _ADD:
        r = a + b
    elif op == _SUB:
        r = a - b
    elif op == 0x20:
        r = a * b
    elif op == 0x40:
        r = a | b
    elif op == 0x50:
        r = a & b
    elif op == 0xA0:
        r = a ^ b
    elif op == 0x60:
        r = a << (b & (bits - 1))
    elif op == 0x70:
        r = a >> (b & (bits - 1))
    else:  # ARSH
        top = 1 << (bits - 1)
        r = ((a ^ top) - top) >> (b & (bits - 1))
    return r & mask


def _mov(env: Env, st: State, insn: Instruction, src: Reg, is64: bool) -> Reg:
    if insn.offset:  # movsx
        if src.is_pointer:
            return _width(Reg().set_unknown(), is64)
        return _sign_extend(src, insn.offset, is64)
    if is64:
        return link_source(env, st, insn.src)
    if src.is_pointer:
        return _width(Reg().set_unknown(), False)
    if src.umax <= MASK32 and not src.is_const:
        # no bits above the low 32: the copy equals the source and stays linked to it
        return link_source(env, st, insn.src)
    out = src.copy()
    out.id = 0
    out.off = 0
    sync(out)
    zext32(out)
    sync(out)
    return out


def _width(r: Reg, is64: bool) -> Reg:
    if not is64:
        zext32(r)
        sync(r)
    return r


def _sign_extend(src: Reg, bits: int, is64: bool) -> Reg:
    """``movsx`` (``coerce_reg_to_size_sx`` / ``coerce_subreg_to_size_sx``): the signed range
    of the source (its s32 range for the 32-bit form) survives when every value in it has the
    same bits above ``bits`` and the extended ends have one sign; otherwise the result is any
    value of the extended width (for the 32-bit form, zero-extended to 64 bits)."""
    out = Reg().set_unknown()
    top = 1 << (bits - 1)
    width = MASK64 if is64 else MASK32

    def ext(v: int) -> int:
        v &= (top << 1) - 1
        return v - (top << 1) if v & top else v

    if src.is_const:
        out.set_known(ext(src.const) & width)
        return out
    lo, hi = (src.smin, src.smax) if is64 else (src.s32min, src.s32max)
    if (lo & width) >> bits == (hi & width) >> bits:
        a, b = sorted((ext(lo), ext(hi)))
        if (a >= 0) == (b >= 0):
            if is64:
                out.smin, out.smax, out.umin, out.umax = a, b, a & MASK64, b & MASK64
                out.var_off = tnum_range(a & MASK64, b & MASK64)
            out.s32min, out.s32max, out.u32min, out.u32max = a, b, a & MASK32, b & MASK32
            if not is64:
                out.var_off = tnum_range(a & MASK32, b & MASK32).subreg()
                zext32(out)
            sync(out)
            return out
    out.s32min, out.s32max = -top, top - 1
    if is64:
        out.smin, out.smax = -top, top - 1
    else:
        out.var_off = out.var_off.subreg()
        zext32(out)
    sync(out)
    return out


def _unary(insn: Instruction, dst: Reg, is64: bool) -> Reg:
    op = insn.opcode & 0xF0
    if dst.type != RegType.SCALAR:  # a pointer becomes a number the kernel knows nothing of,
        return Reg().set_unknown()     # not even that a 32-bit result is zero-extended
    if op == _NEG:
        return _neg(dst, is64)
    width = insn.imm
    if dst.is_const:
        raw = (dst.const & ((1 << width) - 1)).to_bytes(width // 8, "little")
        swap = insn.opcode & 0x08 or insn.opcode & 0x07 == 0x07
        return scalar_known(int.from_bytes(raw, "big" if swap else "little"))
    to_le = not insn.opcode & 0x08 and insn.opcode & 0x07 == 0x04
    out = dst.copy() if to_le else Reg().set_unknown()  # to little-endian here: a truncation
    out.id = out.off = 0
    if width < 64:
        alu_scalar(0x50, out, scalar_known((1 << width) - 1), 64, 0)
    return out


def _neg(dst: Reg, is64: bool) -> Reg:
    """``-x``: the signed range mirrored, when it cannot overflow."""
    if dst.is_const:
        v = -dst.const if is64 else -(dst.const & MASK32)
        return scalar_known(v & (MASK64 if is64 else MASK32))
    out = Reg().set_unknown()
    if is64:
        out.var_off = dst.var_off.neg()
        if dst.smin != S64_MIN:
            out.smin, out.smax = -dst.smax, -dst.smin
        sync(out)
        return out
    if dst.s32min != -(1 << 31):
        out.s32min, out.s32max = -dst.s32max, -dst.s32min
    sync(out)
    zext32(out)
    sync(out)
    return out


def _as_number(reg: Reg) -> Reg:
    return scalar_unknown() if reg.type == RegType.BTF_ID else reg


def _pointer_alu(env: Env, insn: Instruction, dst: Reg, src: Reg, op: int, is64: bool) -> Reg | None:
    """The pointer an operation on a pointer makes, or None when an untyped tracing argument
    (which may be a plain number) takes part other than by moving by a constant."""
    if _untyped(dst) and (src.type == RegType.BTF_ID or not src.is_pointer) \
            or _untyped(src) and not dst.is_pointer:
        return _untyped_alu(dst, src, op, is64)
    if dst.is_pointer and src.is_pointer:
        if op == _SUB:
            return Reg().set_unknown()
        raise Refuse(f"R{insn.dst} pointer {_OP_TEXT[op]} pointer prohibited")
    ptr, off_reg, swapped = (dst, src, False) if dst.is_pointer else (src, dst, True)
    if not is64:
        if op == _SUB:
            return Reg().set_unknown()
        raise Refuse(f"R{insn.dst} 32-bit pointer arithmetic prohibited")
    if ptr.null:
        raise Refuse(f"R{insn.dst} pointer arithmetic on {type_str(ptr)} prohibited, null-check it first")
    known = off_reg.is_const
    allowed = ptr.type in _MOVABLE
    if ptr.type == RegType.FLOW_KEYS and known:
        allowed = True
    if ptr.type == RegType.CONST_MAP and known and off_reg.smin == 0 and op == _ADD:
        allowed = True
    if not allowed:
        raise Refuse(f"R{insn.dst} pointer arithmetic on {type_str(ptr)} prohibited")
    if off_reg.smin > off_reg.smax or off_reg.umin > off_reg.umax:
        return Reg().set_unknown()
    _sane(off_reg, ptr)
    _sane(ptr, ptr)
    out = ptr.copy()
    if op == _ADD:
        if known:
            out.off = ptr.off + s64v(off_reg.const)
        else:
            _add_var(out, ptr, off_reg, sub=False)
            if ptr.type in _PACKETS:
                out.id = env.new_id()
                out.range = 0
    elif op == _SUB:
        if swapped:
            raise Refuse(f"R{insn.dst} tried to subtract pointer from scalar")
        if ptr.type == T_STACK:
            raise Refuse(f"R{insn.dst} subtraction from stack pointer prohibited")
        if known and off_reg.smin != S64_MIN:
            out.off = ptr.off - s64v(off_reg.const)
        else:
            _add_var(out, ptr, off_reg, sub=True)
            if ptr.type in _PACKETS:
                out.id = env.new_id()
                out.range = 0
    elif op in (0x40, 0x50, 0xA0):
        raise Refuse(f"R{insn.dst} bitwise operator {_OP_TEXT[op]} on pointer prohibited")
    else:
        raise Refuse(f"R{insn.dst} pointer arithmetic with {_OP_TEXT[op]} operator prohibited")
    _sane(out, ptr)
    return out


def _untyped(reg: Reg) -> bool:
    """A kernel pointer the target BTF does not type (pybpf cannot tell it from a number)."""
    return reg.type == RegType.BTF_ID and not reg.btf_id


def _untyped_alu(dst: Reg, src: Reg, op: int, is64: bool) -> Reg | None:
    """An untyped argument moved by a constant stays a pointer; anything else makes a number."""
    ptr, off_reg, swapped = (dst, src, False) if _untyped(dst) else (src, dst, True)
    if op in (_ADD, _SUB) and is64 and not off_reg.is_pointer and off_reg.is_const and not (swapped and op == _SUB):
        moved = ptr.copy()
        delta = s64v(off_reg.const)
        moved.off += delta if op == _ADD else -delta
        if abs(moved.off) < BPF_MAX_VAR_OFF:
            return moved
    return None


def s64v(u: int) -> int:
    return u - (1 << 64) if u >> 63 else u


def _add_var(out: Reg, ptr: Reg, off_reg: Reg, sub: bool) -> None:
    alu_scalar(0x10 if sub else 0x00, out, off_reg, 64, 0)


def _sane(reg: Reg, ptr: Reg) -> None:
    """``check_reg_sane_offset``: offsets the kernel refuses to track."""
    problem = _offset_problem(reg)
    if problem is not None:  # the pointer's type is named only then: most programs have none
        raise Refuse(problem.format(type_str(ptr)), 22)


def _offset_problem(reg: Reg) -> str | None:
    """Why ``check_reg_sane_offset`` refuses ``reg`` (the pointer's type left as ``{}``)."""
    if reg.is_const:
        val = s64v(reg.const)
        if val >= BPF_MAX_VAR_OFF or val <= -BPF_MAX_VAR_OFF:
            return f"math between {{}} pointer and {val} is not allowed"
    if reg.off >= BPF_MAX_VAR_OFF or reg.off <= -BPF_MAX_VAR_OFF:
        return f"{{}} pointer offset {reg.off} is not allowed"
    if reg.smin == S64_MIN:
        return "math between {} pointer and register with unbounded min value is not allowed"
    if reg.smin >= BPF_MAX_VAR_OFF or reg.smin <= -BPF_MAX_VAR_OFF:
        return f"value {reg.smin} makes {{}} pointer be out of bounds"
    return None

