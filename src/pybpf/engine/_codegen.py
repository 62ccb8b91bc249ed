"""Translate a validated program into Python source, once, before it first runs.

Each subprogram (the entry at PC 0, every local-call target, every subprogram whose address is
taken with ``lddw``) becomes one function ``f_<pc>(X, r1, r2, r3, r4, r5, r10)``, where ``X`` is
the run's :class:`ExecContext` and registers are local variables. Its body is the dispatch
loop below: a binary tree of comparisons picks the basic block whose first PC is ``b``; the
block charges its length to the instruction budget, runs its straight-line code, and sets ``b``
to its successor or returns ``r0``::

    while True:
        if b < 7:
            n += 3
            if n > lim: X.over_budget(0)
            r0 = 1
            ...
            b = 9 if r1 == r2 else 7
        else:
            ...

Helper calls become calls of ``H<id>(X, r1, ..., r5)``; local calls become Python calls with a
frame pointer 512 bytes lower. The semantics of each operation live in :mod:`._alu`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ..isa import (
    CALL,
    CALLX,
    EXIT,
    FETCH,
    LDDW,
    LOAD_ACQ,
    MAY_GOTO,
    SIZE_BYTES,
    STORE_REL,
    AluOp,
    AtomicOp,
    CallSrc,
    Class,
    Instruction,
    JmpOp,
    Mode,
    PseudoSrc,
    Source,
    basic_blocks,
    iter_pcs,
    subprogram_entries,
)
from ._alu import ALU32, ALU64, CONDITIONS, END, M32, M64, S32, S64
from ._budget import block_cost
from ._context import STACK_SIZE

STACK_SHIFT = STACK_SIZE.bit_length() - 1  #: log2 of the frame size: depth = (top - r10) >> it

__all__ = ["generate"]

_ATOMIC_OPS: dict[int, str] = {AtomicOp.ADD: "add", AtomicOp.OR: "or_", AtomicOp.AND: "and_", AtomicOp.XOR: "xor"}


def generate(
    insns: Sequence[Instruction], helpers: Collection[int], code_base: int, kfuncs: Collection[int] = ()
) -> str:
    """Python source defining ``f_<pc>`` for every subprogram of a validated program.

    Args:
        insns: the program, already checked by :func:`pybpf.isa.validate`.
        helpers: helper ids that the namespace binds as ``H<id>``; calls to others raise
            at run time through ``unknown_helper``.
        code_base: the address a ``lddw`` of a subprogram yields for PC 0 (PC ``n`` gives
            ``code_base + 8 * n``).
        kfuncs: kfunc ids (the immediates of kfunc calls) the namespace binds as ``K<id>``;
            calls to others raise at run time.
    """
    return "\n".join(
        _Function(insns, entry, helpers, code_base, kfuncs).source() for entry in subprogram_entries(insns)
    )


class _Function:
    """The source of one subprogram: its blocks and the dispatch tree over them."""

    def __init__(
        self, insns: Sequence[Instruction], entry: int, helpers: Collection[int], code_base: int,
        kfuncs: Collection[int] = (),
    ) -> None:
        self.by_pc = dict(iter_pcs(insns))
        self.entry = entry
        self.helpers = helpers
        self.kfuncs = kfuncs
        self.code_base = code_base
        self.blocks = basic_blocks(insns, entry)

    def source(self) -> str:
        head = [
            f"def f_{self.entry}(X, r1, r2, r3, r4, r5, r10):",
            "    r0 = r6 = r7 = r8 = r9 = 0",
            # the accessors of this frame's depth: they see this frame and its callers'
            f"    ld1, ld2, ld4, ld8, st1, st2, st4, st8 = X.frames[(X.top - r10) >> {STACK_SHIFT}]",
            "    n, lim, min_fp = X.n, X.limit, X.min_caller_fp",
            f"    b = {self.entry}",
            "    while True:",
        ]
        return "\n".join(head + self._tree(sorted(self.blocks), 2)) + "\n"

    def _tree(self, starts: list[int], depth: int) -> list[str]:
        pad = "    " * depth
        if len(starts) == 1:
            return self._block(starts[0], depth)
        if len(starts) <= 3:
            lines = []
            for i, start in enumerate(starts):
                test = "else:" if i == len(starts) - 1 else f"{'if' if i == 0 else 'elif'} b == {start}:"
                lines.append(pad + test)
                lines += self._block(start, depth + 1)
            return lines
        mid = len(starts) // 2
        return (
            [f"{pad}if b < {starts[mid]}:"]
            + self._tree(starts[:mid], depth + 1)
            + [f"{pad}else:"]
            + self._tree(starts[mid:], depth + 1)
        )

    def _block(self, start: int, depth: int) -> list[str]:
        pad = "    " * depth
        block = self.blocks[start]
        lines = [f"n += {block_cost(block)}", f"if n > lim: X.over_budget({start})"]  # see _budget
        for pc in block.pcs:
            lines += self._insn(pc, self.by_pc[pc])
        if len(block.successors) == 1 and block.fallthrough is not None:
            lines.append(f"b = {block.fallthrough}")  # runs on into the next block
        return [pad + line for line in lines]

    def _insn(self, pc: int, insn: Instruction) -> list[str]:
        cls = insn.cls
        if cls in (Class.ALU, Class.ALU64):
            return [_alu(insn)]
        if cls in (Class.JMP, Class.JMP32):
            return self._jump(pc, insn)
        if insn.opcode == LDDW:
            value = insn.imm
            if insn.src == PseudoSrc.FUNC:
                target = insn.jump_target(pc)
                assert target is not None
                value = self.code_base + 8 * target
            return [f"r{insn.dst} = {value:#x}"]
        if cls == Class.LD:  # legacy packet access into r0, at imm (+ src for IND)
            size = SIZE_BYTES[insn.opcode & 0x18]
            where = f"r{insn.src} + {insn.imm}" if insn.opcode & 0xE0 == Mode.IND else str(insn.imm)
            return [f"r0 = X.load_packet({size}, {where})"]
        return [_memory(pc, insn)]

    def _jump(self, pc: int, insn: Instruction) -> list[str]:
        op = insn.opcode & 0xF0
        if insn.opcode == EXIT:
            return ["X.n = n", "return r0"]
        if insn.opcode == CALLX:
            return [
                "X.fp = r10",
                "X.n = n",
                f"r0 = callx(X, r{insn.dst}, {pc}, r1, r2, r3, r4, r5) & M64",
                "n = X.n",
            ]
        if insn.opcode == CALL:
            return self._call(pc, insn)
        target = insn.jump_target(pc)
        if op == JmpOp.JA:
            return [f"b = {target}"]
        if insn.opcode == Class.JMP | MAY_GOTO:  # jump once the run's loop budget is spent
            return [f"b = {target} if X.may_goto() else {pc + 1}"]
        return [f"b = {target} if {_condition(insn)} else {pc + 1}"]

    def _call(self, pc: int, insn: Instruction) -> list[str]:
        if insn.src == CallSrc.LOCAL:
            target = insn.jump_target(pc)
            return [
                f"if r10 < min_fp: X.too_deep({pc})",
                "X.n = n",
                f"r0 = f_{target}(X, r1, r2, r3, r4, r5, r10 - {STACK_SIZE})",
                "n = X.n",
            ]
        if insn.src == CallSrc.KFUNC:
            if insn.imm not in self.kfuncs:
                return [f"unsupported('call of kfunc {insn.imm}', {pc})"]
            return ["X.fp = r10", "X.n = n", f"r0 = K{insn.imm}(X, r1, r2, r3, r4, r5) & M64", "n = X.n"]
        if insn.imm in self.helpers:
            # The frame pointer and the budget travel with the context, so that a helper
            # calling back into the program (bpf_loop) nests its frame and counts its work.
            return [
                "X.fp = r10",
                "X.n = n",
                f"r0 = H{insn.imm}(X, r1, r2, r3, r4, r5) & M64",
                "n = X.n",
            ]
        return [f"unknown_helper({insn.imm}, {pc})"]


def _alu(insn: Instruction) -> str:
    d = f"r{insn.dst}"
    op = insn.opcode & 0xF0
    is64 = insn.cls == Class.ALU64
    if op == AluOp.END:
        return END[(insn.opcode, insn.imm)].format(d=d)
    if insn.opcode & Source.X:
        s = f"r{insn.src}"
    else:
        s = str(insn.imm & (M64 if is64 else M32))
    table = ALU64 if is64 else ALU32
    return table[(op, insn.offset)].format(d=d, s=s)


def _condition(insn: Instruction) -> str:
    is64 = insn.cls == Class.JMP
    mask, sign = (M64, S64) if is64 else (M32, S32)
    a = f"r{insn.dst}" if is64 else f"(r{insn.dst} & M32)"
    if insn.opcode & Source.X:
        b = f"r{insn.src}" if is64 else f"(r{insn.src} & M32)"
        sb = f"({b} ^ {'S64' if is64 else 'S32'})"
    else:
        k = insn.imm & mask  # the immediate is sign-extended to the compared width
        b, sb = str(k), str(k ^ sign)
    sa = f"({a} ^ {'S64' if is64 else 'S32'})"
    return CONDITIONS[insn.opcode & 0xF0].format(a=a, b=b, sa=sa, sb=sb)


def _memory(pc: int, insn: Instruction) -> str:
    size = SIZE_BYTES[insn.opcode & 0x18]
    mode, cls = insn.opcode & 0xE0, insn.cls
    if cls == Class.LDX:
        load = f"ld{size}(r{insn.src} + {insn.offset}, {pc})"
        if mode == Mode.MEMSX:
            bits = 8 * size
            sign = 1 << (bits - 1)
            return f"r{insn.dst} = (({load} ^ {sign:#x}) - {sign:#x}) & M64"
        return f"r{insn.dst} = {load}"
    address = f"r{insn.dst} + {insn.offset}"
    if cls == Class.ST:
        return f"st{size}({address}, {insn.imm & M64}, {pc})"
    if mode == Mode.MEM:
        return f"st{size}({address}, r{insn.src}, {pc})"
    return _atomic(pc, insn, size, address)


def _atomic(pc: int, insn: Instruction, size: int, address: int | str) -> str:
    # The frame pointer tells the context which stack frames are active.
    return f"X.fp = r10; {_atomic_op(pc, insn, size, address)}"


def _atomic_op(pc: int, insn: Instruction, size: int, address: int | str) -> str:
    s = f"r{insn.src}"
    if insn.imm == LOAD_ACQ:  # ordering is moot in one Python thread of memory accesses
        return f"r{insn.dst} = ld{size}(r{insn.src} + {insn.offset}, {pc})"
    if insn.imm == STORE_REL:
        return f"st{size}({address}, {s}, {pc})"
    if insn.imm == AtomicOp.CMPXCHG:
        return f"r0 = X.cmpxchg({size}, {address}, r0, {s}, {pc})"
    if insn.imm == AtomicOp.XCHG:
        return f"{s} = X.atomic(second, {size}, {address}, {s}, {pc})"
    call = f"X.atomic({_ATOMIC_OPS[insn.imm & ~FETCH]}, {size}, {address}, {s}, {pc})"
    return f"{s} = {call}" if insn.imm & FETCH else call
