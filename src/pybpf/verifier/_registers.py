"""The rule that no instruction reads a register that nothing has written.

The kernel tracks this exactly, path by path ("R%d !read_ok"). This check is the part of it that
needs no path sensitivity: a register read where *no* path from the entry has written it is
refused. It never refuses a program the kernel accepts, and catches the reads of garbage that
hand-written programs make (``or r0, r10`` with r0 never set).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ..isa import (
    LDDW,
    Class,
    Instruction,
    JmpOp,
    basic_blocks,
    disassemble,
    iter_pcs,
    register_use,
    subprogram_entries,
)
from ._errors import VerifierError

__all__ = ["CALLEE_ENTRY_REGISTERS", "KERNEL_ENTRY_REGISTERS", "check_register_reads"]

_EXIT = Class.JMP | JmpOp.EXIT

#: What a program's entry may read in the kernel: the context pointer and the frame pointer.
KERNEL_ENTRY_REGISTERS = frozenset({1, 10})
#: What a subprogram may read at its entry: its five arguments and its frame pointer.
CALLEE_ENTRY_REGISTERS = frozenset({1, 2, 3, 4, 5, 10})


def check_register_reads(
    insns: Sequence[Instruction], entry_registers: Collection[int] = KERNEL_ENTRY_REGISTERS
) -> None:
    """Refuse a read of a register that no path from its subprogram's entry has written.

    The ``exit`` of a subprogram that is only called hands r0 back unread, as the kernel's does
    (compilers leave r0 unset in functions returning ``void``); the main program's and a
    callback's ``exit`` read it.

    Raises:
        VerifierError: ``R<n> !read_ok``, with the offending instruction in the log.
    """
    by_pc = dict(iter_pcs(insns))
    callbacks = {insn.jump_target(pc) for pc, insn in by_pc.items() if insn.opcode == LDDW}
    for entry in subprogram_entries(insns):
        start = frozenset(entry_registers) if entry == 0 else CALLEE_ENTRY_REGISTERS
        returns_r0 = entry == 0 or entry in callbacks
        blocks = basic_blocks(insns, entry)
        written: dict[int, frozenset[int]] = {entry: start}
        todo = [entry]
        while todo:
            first = todo.pop()
            state = written[first]
            for pc in blocks[first].pcs:
                reads, writes, clobbers = register_use(by_pc[pc])
                if by_pc[pc].opcode == _EXIT and not returns_r0:
                    reads = frozenset()
                missing = sorted(reads - state)
                if missing:
                    line = f"{pc}: {disassemble([by_pc[pc]], opcodes=True).split(': ', 1)[1]}"
                    raise VerifierError([line, f"R{missing[0]} !read_ok"], pc=pc)
                state = (state - clobbers) | writes
            for succ in blocks[first].successors:
                merged = written.get(succ, frozenset()) | state
                if merged != written.get(succ):
                    written[succ] = merged
                    todo.append(succ)

