"""Precision tracking, as the kernel's ``__mark_chain_precision`` does it.

Scalars start imprecise: a checkpoint's imprecise scalar covers any scalar of a later state
(:mod:`._prune`), so that states differing only in values that never mattered prune. When a
value does matter to safety (a memory offset or size, a helper's constant argument, a branch
the ranges decide, a return value checked against a range), :func:`mark_precise` walks back
through the instructions of the current path (each state keeps those processed since its
checkpoint, :attr:`State.hist`) to find which registers and stack slots of each checkpoint
that value came from, and marks them precise there: a later state then has to fall within
their ranges to be pruned. The walk follows ALU operations, spills and fills, calls and
returns of subprograms; where it cannot follow (through a callback) it falls back, as the
kernel does, to marking every scalar of every checkpoint of the path precise.

Precision is only ever recorded in checkpoints, never in the state being explored (the kernel
drops the marks a new checkpoint would inherit), so a register's flag always means that the
checkpoints above it are marked too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from ._env import Env
from ._state import MAX_BPF_STACK, T_SCALAR, Checkpoint, Reg, RegType, Slot, State, base_id

__all__ = [
    "FALLBACK", "linked_info", "mark_all_precise", "mark_precise", "propagate_precision", "stack_info",
]

#: the history note of an instruction the walk does not follow (a callback's entry or exit)
FALLBACK: Final = "callback"
_FRAMES: Final = 10
_NONE: Final = [0] * _FRAMES
_ARGS: Final = 0b111110  #: R1-R5
_SCRATCHED: Final = 0b111111  #: R0-R5
_LOAD_ACQ, _STORE_REL, _CMPXCHG = 0x100, 0x110, 0xF1


class _Unsupported(Exception):
    """Raised by the walk where it cannot follow the path (the caller falls back)."""


def stack_info(frameno: int, lo: int, size: int) -> tuple[int, int, int, bool]:
    """The history note of a load or store of ``size`` bytes at fp+``lo`` of frame ``frameno``:
    the slots it touches, and whether it wrote one whole slot."""
    return frameno, (-lo - size) // 8, (-lo - 1) // 8, lo % 8 == 0 and size == 8


def linked_info(st: State, ids: Iterable[int]) -> frozenset[tuple[int, int, int]]:
    """The registers and spilled slots sharing a scalar id with an operand of a conditional
    jump (the jump refines them all together): ``(frame, 0, regno)`` and ``(frame, 1, spi)``."""
    want = {base_id(i) for i in ids if i}
    found: set[tuple[int, int, int]] = set()
    if not want:
        return frozenset()
    for f, frame in enumerate(st.frames):
        for regno, r in enumerate(frame.regs):
            if r.id and base_id(r.id) in want and r.type == RegType.SCALAR:
                found.add((f, 0, regno))
        for spi, slot in frame.stack.items():
            sp = slot.spilled
            if sp is not None and sp.id and base_id(sp.id) in want and sp.type == RegType.SCALAR:
                found.add((f, 1, spi))
    return frozenset(found) if len(found) > 1 else frozenset()


class _Backtrack:
    """What the walk still looks for: registers and stack slots per frame (bit masks), and
    the frame the instruction being walked ran in."""

    __slots__ = ("frame", "regs", "slots")

    def __init__(self, frame: int) -> None:
        self.frame = frame
        self.regs = [0] * _FRAMES
        self.slots = [0] * _FRAMES

    def empty(self) -> bool:
        return self.regs == _NONE and self.slots == _NONE

    def step(self, env: Env, pc: int, note: object) -> None:
        """Undo one instruction: what the tracked values were computed from before it."""
        if note is FALLBACK:
            if not self.empty():
                raise _Unsupported
            return
        insn = env.insns[pc]
        op = insn.opcode
        cls = op & 0x07
        f = self.frame
        regs = self.regs[f]
        if cls in (0x04, 0x07):
            if not regs >> insn.dst & 1:
                return
            alu = op & 0xF0
            if alu == 0xB0:  # mov: the value came from the source (or the immediate)
                regs &= ~(1 << insn.dst)
                if op & 0x08 and insn.src != 10:
                    regs |= 1 << insn.src
            elif op & 0x08 and alu not in (0x80, 0xD0):
                regs |= 1 << insn.src
            self.regs[f] = regs
        elif cls == 0x01:
            if regs >> insn.dst & 1:
                self.regs[f] = regs & ~(1 << insn.dst)
                if isinstance(note, tuple):
                    fr, lo, hi, _ = note
                    self.slots[fr] |= _span(lo, hi)
        elif cls in (0x02, 0x03):
            self._store(insn.opcode, insn.src, insn.imm, insn.dst, note)
        elif cls in (0x05, 0x06):
            self._jump(env, pc, note)
        elif op == 0x18:
            self.regs[f] = regs & ~(1 << insn.dst)
        else:  # legacy packet loads: r0 from the packet, r1-r5 scratched
            self.regs[f] = regs & ~_SCRATCHED

    def _store(self, op: int, src: int, imm: int, dst: int, note: object) -> None:
        f = self.frame
        regs = self.regs[f]
        stack = note if isinstance(note, tuple) else None
        hit = 0
        if stack is not None:
            fr, lo, hi, _ = stack
            hit = self.slots[fr] & _span(lo, hi)
        if op & 0xE0 == 0xC0:  # atomics: what they load, and stack slots they change
            if imm == _LOAD_ACQ:
                if regs >> dst & 1:
                    raise _Unsupported
                return
            if imm != _STORE_REL and (hit or regs >> src & 1 and imm & 0x01 or imm == _CMPXCHG and regs & 1):
                raise _Unsupported
            if imm != _STORE_REL:
                return
        if stack is None or not hit:
            return
        if stack[3]:  # the store wrote the slot whole: what it holds came from this store
            self.slots[stack[0]] &= ~hit
        if op & 0x07 == 0x03:
            self.regs[f] = regs | 1 << src

    def _jump(self, env: Env, pc: int, note: object) -> None:
        insn = env.insns[pc]
        op = insn.opcode
        f = self.frame
        regs = self.regs[f]
        if op == 0x85:
            if insn.src == 1 and pc + 1 + insn.imm not in env.inp.global_funcs:
                self._leave_callee()
            else:  # a helper, kfunc or global function: R0 is its result, R1-R5 scratched
                self.regs[f] = regs & ~_SCRATCHED
            return
        if op == 0x95:  # the callee's exit: the caller's R0 was the callee's
            callee = f + 1
            if callee >= _FRAMES:
                raise _Unsupported
            self.regs[callee] = regs & 1
            self.slots[callee] = 0
            self.regs[f] = regs & ~_SCRATCHED
            self.frame = callee
            return
        if op in (0x05, 0x06, 0xE5):  # ja, gotol, may_goto
            return
        if isinstance(note, frozenset):
            if any((self.regs if kind == 0 else self.slots)[fr] >> idx & 1 for fr, kind, idx in note):
                for fr, kind, idx in note:
                    (self.regs if kind == 0 else self.slots)[fr] |= 1 << idx
            regs = self.regs[f]
        if op & 0x08 and (regs >> insn.dst & 1 or regs >> insn.src & 1):
            self.regs[f] = regs | 1 << insn.dst | 1 << insn.src

    def _leave_callee(self) -> None:
        """Walking back over a subprogram call: the callee's arguments were the caller's."""
        f = self.frame
        regs = self.regs[f]
        if f == 0 or regs & ~_ARGS or self.slots[f]:
            raise _Unsupported
        self.regs[f - 1] |= regs
        self.regs[f] = 0
        self.frame = f - 1

    def mark(self, cp: Checkpoint) -> None:
        """Mark what is tracked precise in ``cp``; what already was is no longer looked for
        (the checkpoints above it were marked then)."""
        state = cp.state
        if len(state.frames) - 1 != self.frame:
            raise _Unsupported
        for f, frame in enumerate(state.frames):
            tracked = self.regs[f]
            if tracked:
                for regno in range(tracked.bit_length()):
                    if tracked >> regno & 1:
                        r = frame.regs[regno]
                        if r.type != T_SCALAR or r.precise:
                            tracked &= ~(1 << regno)
                        else:
                            frame.regs[regno] = _precise(r)
                self.regs[f] = tracked
            slots = self.slots[f]
            if slots:
                for spi in range(slots.bit_length()):
                    if slots >> spi & 1:
                        slot = frame.stack.get(spi)
                        sp = slot.spilled if slot is not None else None
                        if slot is None or sp is None or sp.type != T_SCALAR or sp.precise:
                            slots &= ~(1 << spi)
                        else:
                            frame.stack[spi] = Slot(slot.kinds, _precise(sp))
                self.slots[f] = slots
        deeper = len(state.frames)
        self.regs[deeper:] = self.slots[deeper:] = _NONE[deeper:]


def _span(lo: int, hi: int) -> int:
    """The slots ``lo`` to ``hi`` as a bit mask."""
    if hi < lo or hi < 0:
        return 0
    lo = max(lo, 0)
    return ((1 << (hi - lo + 1)) - 1) << lo


def _precise(r: Reg) -> Reg:
    new = r.copy()
    new.precise = True
    return new


def _walk(env: Env, st: State, bt: _Backtrack, skip_head: bool) -> None:
    node = st.hist
    if skip_head and node is not None:
        node = node[2]
    cp = st.parent
    try:
        while True:
            while node is not None:
                pc, note, node = node
                bt.step(env, pc, note)
                if bt.regs == _NONE and bt.slots == _NONE:  # bt.empty(), spelled out: the hottest loop
                    return
            if cp is None:
                return
            bt.mark(cp)
            if bt.empty():
                return
            node, cp = cp.state.hist, cp.parent
    except _Unsupported:
        mark_all_precise(st)


def mark_precise(env: Env, st: State, regnos: Iterable[int] = (),
                 slots: Iterable[tuple[int, int]] = ()) -> None:
    """The values of registers ``regnos`` (of the current frame) and of the stack slots
    ``slots`` (``(frame, spi)``) matter to the safety of the instruction being checked: mark
    where they came from precise in the checkpoints of the path."""
    bt = _Backtrack(len(st.frames) - 1)
    regs = st.cur.regs
    for r in regnos:
        if r < 10 and regs[r].type == T_SCALAR:
            bt.regs[bt.frame] |= 1 << r
    for f, spi in slots:
        if 0 <= spi < MAX_BPF_STACK // 8:
            bt.slots[f] |= 1 << spi
    if not bt.empty():
        _walk(env, st, bt, skip_head=True)


def propagate_precision(env: Env, old: State, st: State, live: Iterable[frozenset[int]]) -> None:
    """``st`` was pruned by ``old``: the values precise in ``old`` matter to ``st``'s safety
    too (``propagate_precision``). ``live`` gives the registers live in each frame."""
    bt = _Backtrack(len(st.frames) - 1)
    for f, (frame, alive) in enumerate(zip(old.frames, live)):
        for r in alive:
            if frame.regs[r].precise:
                bt.regs[f] |= 1 << r
        for spi, slot in frame.stack.items():
            if slot.spilled is not None and slot.spilled.precise:
                bt.slots[f] |= 1 << spi
    if not bt.empty():
        _walk(env, st, bt, skip_head=False)


def mark_all_precise(st: State, stop: Checkpoint | None = None) -> None:
    """Every scalar of every checkpoint above ``st`` (up to ``stop``, excluded) becomes
    precise: the kernel's fallback where backtracking cannot follow the path."""
    cp = st.parent
    while cp is not None and cp is not stop:
        for frame in cp.state.frames:
            regs = frame.regs
            for regno in range(10):
                r = regs[regno]
                if r.type == T_SCALAR and not r.precise:
                    regs[regno] = _precise(r)
            for spi, slot in list(frame.stack.items()):
                sp = slot.spilled
                if sp is not None and sp.type == T_SCALAR and not sp.precise:
                    frame.stack[spi] = Slot(slot.kinds, _precise(sp))
        cp = cp.parent
