"""Conditional jumps: deciding branches the ranges already decide, refining both operands on
each side, null checks of maybe-NULL pointers (for every copy sharing the id), equal scalars
(``find_equal_scalars``), and packet ranges proven by comparisons with ``data_end``."""

from __future__ import annotations

from ..isa import Instruction
from ._bounds import JEQ, JGE, JGT, JLE, JLT, JNE, NEGATE, SWAP, add_const, branch_taken, refine
from ._env import Env, Refuse, reg_read
from ._state import (
    ADD_CONST,
    T_MAP_VALUE,
    T_SCALAR,
    Reg,
    RegType,
    State,
    base_id,
    scalar_known,
    scalar_unknown,
)
from ._tnum import MASK32, MASK64

__all__ = ["check_cond_jmp"]

MAX_PACKET_OFF = 0xFFFF
#: pointers the kernel knows are not NULL (``reg_not_null``): comparing them with 0 is decided
_NEVER_NULL = frozenset({RegType.MAP_VALUE, RegType.MAP_KEY, RegType.MEM, RegType.CONST_MAP})


def _for_each_reg(st: State, fn: object) -> None:
    """Apply ``fn(reg) -> Reg | None`` to every register and spilled register of every frame."""
    for frame in st.frames:
        regs = frame.regs
        for i, r in enumerate(regs):
            new = fn(r)  # type: ignore[operator]
            if new is not None:
                regs[i] = new
        for spi, slot in list(frame.stack.items()):
            if slot.spilled is not None:
                new = fn(slot.spilled)  # type: ignore[operator]
                if new is not None:
                    from ._state import Slot
                    frame.stack[spi] = Slot(slot.kinds, new)


def mark_null(st: State, rid: int, is_null: bool) -> None:
    """Every maybe-NULL pointer with id ``rid`` becomes NULL (a zero scalar) or non-NULL."""
    def change(r: Reg) -> Reg | None:
        if r.id != rid or not r.null:
            return None
        if is_null:
            return scalar_known(0)
        new = r.copy()
        new.null = False
        if new.type == T_MAP_VALUE and new.map is not None and new.map.lock_off < 0:
            new.id = 0
        return new
    _for_each_reg(st, change)
    if is_null:
        st.refs = tuple(ref for ref in st.refs if ref.id != rid)


def _sync_equal(st: State, src: Reg) -> None:
    """Registers linked to ``src`` learn its new bounds (``sync_linked_regs``): a plain copy
    becomes ``src``; one linked with another offset becomes ``src`` moved by the difference,
    keeping its own id and offset."""
    if src.type != RegType.SCALAR or not src.id:
        return
    link = base_id(src.id)
    def change(r: Reg) -> Reg | None:
        if r.type != RegType.SCALAR or base_id(r.id) != link or r is src:
            return None
        if not (r.id | src.id) & ADD_CONST or r.off == src.off:
            return src
        new = src.copy()
        new.id, new.off = r.id, r.off
        add_const(new, r.off - src.off)
        return new
    _for_each_reg(st, change)


def _imm_reg(insn: Instruction, is64: bool) -> Reg:
    return scalar_known(insn.imm & (MASK64 if is64 else MASK32))


def _good_pkt(st: State, reg: Reg, right_open: bool) -> None:
    if reg.off < 0 or reg.off == 0 and right_open:
        return
    if reg.umax > MAX_PACKET_OFF or reg.umax + reg.off > MAX_PACKET_OFF:
        return
    new_range = reg.off + (1 if right_open else 0)
    def change(r: Reg) -> Reg | None:
        if r.type == reg.type and r.id == reg.id and r.range < new_range:
            new = r.copy()
            new.range = new_range
            return new
        return None
    _for_each_reg(st, change)


def _pkt_compare(op: int, dst: Reg, src: Reg, taken: State, fall: State) -> None:
    """Comparisons of a packet pointer with ``data_end`` (or meta with data) prove ranges."""
    def is_pkt(r: Reg, end: Reg) -> bool:
        return (r.type == RegType.PACKET and end.type == RegType.PACKET_END) or (
            r.type == RegType.PACKET_META and end.type == RegType.PACKET and end.off == 0 and end.is_const)
    if is_pkt(dst, src):
        pkt, opp = dst, op
    elif is_pkt(src, dst):
        pkt, opp = src, SWAP[op]
    else:
        return
    # opp: "pkt opp end" holds on the taken side
    if opp == JGT:      # taken: pkt > end; fall: pkt <= end
        _good_pkt(fall, pkt, False)
    elif opp == JGE:    # fall: pkt < end
        _good_pkt(fall, pkt, True)
    elif opp == JLT:    # taken: pkt < end
        _good_pkt(taken, pkt, True)
    elif opp == JLE:    # taken: pkt <= end
        _good_pkt(taken, pkt, False)


def check_cond_jmp(env: Env, st: State, pc: int, insn: Instruction) -> tuple[State | None, State | None]:
    """Check a conditional jump; return the states of the taken and fall-through sides (None for
    a side no path takes). ``st`` is reused as one of them."""
    op = insn.opcode & 0xF0
    is64 = insn.opcode & 0x07 == 0x05
    bits = 64 if is64 else 32
    dst = reg_read(st, insn.dst)
    src = reg_read(st, insn.src) if insn.opcode & 0x08 else _imm_reg(insn, is64)
    if op not in NEGATE:
        raise Refuse(f"invalid BPF_JMP/JMP32 opcode {insn.opcode:x}", 22)
    taken_pc = pc + 1 + insn.offset
    dst, src = _as_number(dst, src, op), _as_number(src, dst, op)
    decided = _decide(dst, src, op, bits)
    if decided == 1:
        return st, None
    if decided == 0:
        return None, st
    other = st.copy()
    # null checks: a maybe-NULL destination compared with the immediate 0 (a register that
    # holds 0 is no null check to the kernel)
    if dst.null and dst.id and not insn.opcode & 0x08 and insn.imm == 0 and op in (JEQ, JNE) and is64:
        mark_null(other if op == JEQ else st, dst.id, True)
        mark_null(st if op == JEQ else other, dst.id, False)
        return other, st
    if dst.type == T_SCALAR and src.type == T_SCALAR:
        a_t, b_t = dst.copy(), src.copy()
        a_f, b_f = dst.copy(), src.copy()
        ok_t = refine(a_t, b_t, op, bits)
        ok_f = refine(a_f, b_f, NEGATE[op], bits)
        if not ok_t:
            return None, st
        if not ok_f:
            return st, None
        _place(other, insn, a_t, b_t)
        _place(st, insn, a_f, b_f)
    else:
        if insn.opcode & 0x08 and is64 and op in (JEQ, JNE):
            _infer_not_null(insn, dst, src, other if op == JEQ else st)
        if is64:  # a 32-bit comparison proves no packet range
            _pkt_compare(op, dst, src, other, st)
    del taken_pc
    return other, st


def _infer_not_null(insn: Instruction, dst: Reg, src: Reg, equal: State) -> None:
    """Two pointers found equal, one maybe NULL and the other not: on the side where they are
    equal the maybe-NULL one is not NULL either (only that register: its copies still need
    their own check). BTF pointers are left out, as the kernel leaves them."""
    if not (dst.is_pointer and src.is_pointer) or dst.null == src.null:
        return
    if RegType.BTF_ID in (dst.type, src.type):
        return
    regno = insn.src if src.null else insn.dst
    new = (src if src.null else dst).copy()
    new.null = False
    equal.cur.regs[regno] = new


def _as_number(reg: Reg, other: Reg, op: int) -> Reg:
    """An untyped tracing argument (which may be a plain number) compared with a number, other
    than in a null check, is taken to be one: the comparison then bounds it, as the kernel,
    which knows the argument is an integer, bounds it."""
    if reg.type == RegType.BTF_ID and not reg.btf_id and other.type == T_SCALAR \
            and not (other.is_null_scalar() and op in (JEQ, JNE)):
        return scalar_unknown()
    return reg


def _place(st: State, insn: Instruction, a: Reg, b: Reg) -> None:
    regs = st.cur.regs
    regs[insn.dst] = a
    _sync_equal(st, a)
    if insn.opcode & 0x08:
        regs[insn.src] = b
        _sync_equal(st, b)


def _not_null(reg: Reg) -> bool:
    """``reg_not_null``: map values and keys, memory, map pointers, and trusted, referenced or
    program-allocated BTF pointers, unless marked maybe-NULL."""
    if reg.null:
        return False
    return reg.type in _NEVER_NULL or reg.type == RegType.BTF_ID and bool(
        reg.ref_obj_id or reg.trust in ("trusted", "alloc"))


def _decide(dst: Reg, src: Reg, op: int, bits: int) -> int:
    if dst.type == T_SCALAR and src.type == T_SCALAR:
        return branch_taken(dst, src, op, bits)
    for ptr, other, o in ((dst, src, op), (src, dst, SWAP[op])):
        if _not_null(ptr) and other.is_null_scalar() and o in (JEQ, JNE):
            return 0 if o == JEQ else 1
    return -1
