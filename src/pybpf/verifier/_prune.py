"""State pruning: which registers are live where, and when a state already verified covers
the current one (the kernel's ``states_equal``/``regsafe``), so exploration can stop there.

Liveness is computed once, backwards over each subprogram (as the kernel's
``compute_live_registers`` does): a register dead at a point can hold anything. States compare
in one of three modes, as the kernel's: ``NOT_EXACT`` (pruning against a finished checkpoint:
an imprecise scalar there covers any scalar, see :mod:`._precision`), ``RANGE_WITHIN`` (against
a loop's checkpoint still being explored, whose precision marks are not final: every scalar by
range) and ``EXACT`` (infinite loop detection).
"""

from __future__ import annotations

from ..helpers import BY_ID, Arg
from ..isa import Instruction, register_use
from ._liveness import ALL_SLOTS
from ._state import (
    ADD_CONST,
    T_PACKET,
    T_PACKET_META,
    T_SCALAR,
    Frame,
    Reg,
    RegType,
    Slot,
    State,
    base_id,
    scalar_unknown,
)

__all__ = [
    "EXACT", "NOT_EXACT", "RANGE_WITHIN", "compute_liveness", "live_per_frame", "states_equal", "states_maybe_looping",
    "widen",
]

NOT_EXACT, RANGE_WITHIN, EXACT = 0, 1, 2
_ALL_ARGS = frozenset({1, 2, 3, 4, 5})


def _use_def(insn: Instruction) -> tuple[frozenset[int], frozenset[int]]:
    reads, writes, clobbers = register_use(insn)
    if insn.opcode == 0x85:
        if insn.src == 0:
            proto = BY_ID.get(insn.imm)
            reads = _ALL_ARGS if proto is None else frozenset(
                i + 1 for i, kind in enumerate(proto.args) if kind != Arg.DONTCARE)
        else:
            reads = _ALL_ARGS
    elif insn.cls == 0x00 and insn.opcode != 0x18:  # legacy packet loads read the context in r6
        reads = reads | {6}
    return frozenset(r for r in reads if r < 10), frozenset(r for r in writes | clobbers if r < 10)


def _successors(pc: int, insn: Instruction) -> list[int]:
    op, cls = insn.opcode, insn.cls
    if cls in (0x05, 0x06):
        jop = op & 0xF0
        if jop == 0x90:  # exit
            return []
        if jop == 0x80:  # call
            return [pc + 1]
        target = insn.jump_target(pc)
        if jop == 0x00:  # ja / gotol
            return [target] if target is not None else []
        if op == 0xE5:  # may_goto
            return [pc + 1, pc + 1 + insn.offset]
        return [pc + 1] + ([target] if target is not None else [])
    return [pc + insn.width]


def compute_liveness(insns: dict[int, Instruction]) -> dict[int, frozenset[int]]:
    """The registers live before each instruction."""
    live: dict[int, frozenset[int]] = {pc: frozenset() for pc in insns}
    info = {pc: (_use_def(insn), _successors(pc, insn)) for pc, insn in insns.items()}
    order = sorted(insns, reverse=True)
    changed = True
    while changed:
        changed = False
        for pc in order:
            (use, defs), succs = info[pc]
            out: frozenset[int] = frozenset()
            for s in succs:
                out |= live.get(s, frozenset())
            new = use | (out - defs)
            if new != live[pc]:
                live[pc] = new
                changed = True
    return live


class _IdMap:
    def __init__(self) -> None:
        self.fwd: dict[int, int] = {}
        self.back: dict[int, int] = {}

    def check(self, old: int, cur: int) -> bool:
        if not old and not cur:
            return True
        if not old or not cur:
            return False
        if old in self.fwd:
            return self.fwd[old] == cur
        if cur in self.back:
            return False
        self.fwd[old] = cur
        self.back[cur] = old
        return True


def _scalar_ids(ids: _IdMap, old: int, cur: int) -> bool:
    """Scalar ids map one to one, and so do their links without the offset flag (two registers
    linked in ``old`` must be linked in ``cur``, whatever their offsets)."""
    if not ids.check(old, cur):
        return False
    return not old & ADD_CONST or ids.check(base_id(old), base_id(cur))


def _range_within(old: Reg, cur: Reg) -> bool:
    return (old.umin <= cur.umin and cur.umax <= old.umax and old.smin <= cur.smin and cur.smax <= old.smax
            and old.u32min <= cur.u32min and cur.u32max <= old.u32max
            and old.s32min <= cur.s32min and cur.s32max <= old.s32max
            and old.var_off.contains(cur.var_off))


#: what two registers must share to be exactly equal: every field but the ids (compared
#: through the id map), the precision mark and a stack pointer's frame number (the fields the
#: kernel's ``regs_exact`` leaves out of its comparison)
_SHAPE = tuple(n for n in Reg.__slots__ if n not in ("id", "ref_obj_id", "precise", "frameno"))


def _same_fields(old: Reg, cur: Reg) -> bool:
    return all(getattr(old, n) == getattr(cur, n) for n in _SHAPE)


def states_maybe_looping(old: State, cur: State) -> bool:
    """Whether every register of ``cur``'s innermost frame, dead ones included, is ``old``'s
    to the id (the kernel's cheap ``states_maybe_looping`` test before the exact comparison
    that proves an infinite loop)."""
    if len(old.frames) != len(cur.frames):
        return False
    for ro, rc in zip(old.frames[-1].regs, cur.frames[-1].regs):
        if ro is not rc and not (_same_fields(ro, rc) and ro.id == rc.id and ro.ref_obj_id == rc.ref_obj_id):
            return False
    return True


def regsafe(old: Reg, cur: Reg, ids: _IdMap, mode: int) -> bool:
    if old is cur and not old.id and not old.ref_obj_id:
        return True  # a register both states share since they forked, with no ids to map
    if mode == EXACT:
        if not _same_fields(old, cur) or not ids.check(old.ref_obj_id, cur.ref_obj_id):
            return False
        return _scalar_ids(ids, old.id, cur.id) if old.type == RegType.SCALAR else ids.check(old.id, cur.id)
    if old.type == RegType.NOT_INIT:
        return True
    if cur.type != old.type:
        return False
    if old.type == RegType.SCALAR:
        if not old.precise and mode == NOT_EXACT:
            return True
        if not _range_within(old, cur):
            return False
        if not old.id:
            return True
        # a link with an offset covers only one with the same offset, a plain one only a plain one
        if old.id & ADD_CONST and (not cur.id & ADD_CONST or old.off != cur.off) or \
                not old.id & ADD_CONST and cur.id & ADD_CONST:
            return False
        return _scalar_ids(ids, old.id, cur.id)
    if (old.off, old.null, old.map, old.map_uid, old.frameno, old.subprog, old.mem_size, old.ringbuf, old.rdonly,
            old.btf_id, old.btf_name, old.trust) != (
            cur.off, cur.null, cur.map, cur.map_uid, cur.frameno, cur.subprog, cur.mem_size, cur.ringbuf, cur.rdonly,
            cur.btf_id, cur.btf_name, cur.trust):
        return False  # a kernel pointer covers only one to the same struct with the same trust
    if old.type in (T_PACKET, T_PACKET_META) and cur.range < old.range:
        return False
    if not _range_within(old, cur):
        return False
    return ids.check(old.id, cur.id) and ids.check(old.ref_obj_id, cur.ref_obj_id)


def _stacksafe(old: Frame, cur: Frame, ids: _IdMap, mode: int, reads: int) -> bool:
    """Whether ``cur``'s stack is as safe as ``old``'s: ``reads`` are the slots that matter
    (a mask of the frame's 64 slots: what the paths below ``old`` read)."""
    exact = mode == EXACT
    for spi, oslot in old.stack.items():
        if not reads >> spi & 1:
            continue
        cslot = cur.stack.get(spi)
        if cslot is oslot and oslot.spilled is None:
            continue  # unchanged since the paths forked (slots are never changed in place)
        if oslot.spilled is not None:
            if cslot is None or cslot.spilled is None or cslot.kinds != oslot.kinds:
                if exact:
                    return False
                if cslot is not None and cslot.spilled is not None and _bytes_cover(oslot.kinds, cslot.kinds):
                    # the bytes old left uninitialised or unknown may be anything in cur
                    if not regsafe(oslot.spilled, cslot.spilled, ids, mode):
                        return False
                    continue
                # a spilled unknown (or imprecise) scalar covers initialised bytes
                osp = oslot.spilled
                if osp.type == T_SCALAR and (osp.var_off.is_unknown or not osp.precise and mode == NOT_EXACT) and \
                        cslot is not None and "?" not in cslot.kinds and cslot.spilled is None:
                    continue
                return False
            if not regsafe(oslot.spilled, cslot.spilled, ids, mode):
                return False
            continue
        ckinds = cslot.kinds if cslot is not None else "????????"
        if ckinds == oslot.kinds or not exact and not oslot.kinds.strip("?m"):
            continue  # the same bytes, or none whose kind matters
        for b, k in enumerate(oslot.kinds):
            c = ckinds[b]
            if k in "?m" and not exact:
                continue
            if k != c:
                if k == "0" and cslot is not None and cslot.spilled is not None and cslot.spilled.is_null_scalar():
                    continue
                return False
    if exact:
        return all(spi in old.stack or _blank(slot) for spi, slot in cur.stack.items())
    return True


def _bytes_cover(old: str, cur: str) -> bool:
    """Whether each byte of a slot is what ``old`` had, or one ``old`` did not know."""
    return all(o == c or o in "?m" for o, c in zip(old, cur))


def _blank(slot: Slot) -> bool:
    return slot.spilled is None and slot.kinds == "????????"


def live_per_frame(st: State, live: dict[int, frozenset[int]], pc: int) -> list[frozenset[int]]:
    """The registers live in each frame of ``st`` at ``pc`` (callers: after their call)."""
    last = len(st.frames) - 1
    return [live.get(pc if i == last else st.frames[i + 1].callsite + 1, _ALL_REGS) for i in range(last + 1)]


_ALL_REGS = frozenset(range(10))


def states_equal(old: State, cur: State, live: dict[int, frozenset[int]], pc: int, mode: int = NOT_EXACT,
                 reads: int = ALL_SLOTS) -> bool:
    """Whether ``old`` covers ``cur`` at ``pc`` in ``mode``; with ``NOT_EXACT``, ``reads`` are
    the stack slots that matter (the others are ignored, see :mod:`._liveness`)."""
    if mode != NOT_EXACT:
        reads = ALL_SLOTS
    if len(old.frames) != len(cur.frames) or old.lock != cur.lock or old.rcu != cur.rcu or len(old.refs) != len(cur.refs):
        return False
    if old.preempt != cur.preempt:
        return False
    ids = _IdMap()
    for i, (fo, fc) in enumerate(zip(old.frames, cur.frames)):
        if fo.callsite != fc.callsite or fo.subprog != fc.subprog or fo.callback_depth > fc.callback_depth:
            return False
        at = pc if i == len(old.frames) - 1 else old.frames[i + 1].callsite + 1
        alive = live.get(at, _ALL_REGS)
        for r in alive:  # only live registers, in every mode (as the kernel's since 6.15)
            if not regsafe(fo.regs[r], fc.regs[r], ids, mode):
                return False
        if not _stacksafe(fo, fc, ids, mode, reads >> (i * 64)):
            return False
    for ro, rc in zip(old.refs, cur.refs):
        if not ids.check(ro.id, rc.id):
            return False
    return True


def widen(old: State, cur: State, keep_precise: bool = False) -> bool:
    """At a loop head (a callback-calling helper, ``may_goto``): scalars of ``cur`` that differ
    from the same loop's earlier state become unknown, so that a counter the loop keeps
    changing converges (the kernel's ``widen_imprecise_scalars``). With ``keep_precise`` (a
    callback's loop, which the kernel widens on the callback's return), a scalar precise in the
    earlier state stays: its value matters, and the runs go on until it repeats. The state only
    grows, so this is sound. Only the same loop widens: a state of another call of the function
    (the kernel's ``find_prev_entry`` wants the same call sites) leaves ``cur`` as it is.
    Returns whether anything changed."""
    if len(old.frames) != len(cur.frames) or any(
            fo.callsite != fc.callsite for fo, fc in zip(old.frames, cur.frames)):
        return False
    changed = False
    for fo, fc in zip(old.frames, cur.frames):
        for i in range(10):
            ro, rc = fo.regs[i], fc.regs[i]
            if ro.type == rc.type == T_SCALAR and not (keep_precise and ro.precise) and not _range_within(ro, rc):
                fc.regs[i] = scalar_unknown()
                changed = True
        for spi, cslot in list(fc.stack.items()):
            oslot = fo.stack.get(spi)
            sp = cslot.spilled
            if sp is None or sp.type != T_SCALAR or oslot is None:
                continue
            osp = oslot.spilled
            if osp is not None and osp.type == T_SCALAR and not (keep_precise and osp.precise) \
                    and not _range_within(osp, sp):
                fc.stack[spi] = Slot(cslot.kinds, scalar_unknown())
                changed = True
    return changed
