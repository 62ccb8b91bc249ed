"""Control flow of a validated program: subprograms and their basic blocks.

A subprogram starts at PC 0, at every local-call target and at every subprogram whose address
a ``lddw`` takes (callbacks). Its blocks are the straight-line runs reachable from its entry
without entering calls; a call is an ordinary instruction inside a block. The engines compile
block by block and the verifier walks the same graph, so both agree on what a block is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import final

from ._errors import InstructionError
from ._instruction import CALL, EXIT, LDDW, Instruction, iter_pcs
from ._opcodes import CallSrc, Class, JmpOp, PseudoSrc

__all__ = ["Block", "basic_blocks", "subprogram_entries"]

_GOTO = (Class.JMP | JmpOp.JA, Class.JMP32 | JmpOp.JA)


@final
@dataclass(frozen=True, slots=True)
class Block:
    """A basic block: its PCs in order and the blocks control may reach next.

    ``successors`` lists the taken branch first; a block ending in ``exit`` has none.
    ``fallthrough`` is the PC after the last instruction when control may continue there.
    """

    pcs: tuple[int, ...]
    successors: tuple[int, ...]
    fallthrough: int | None


class _Program(dict[int, Instruction]):
    """Instructions by PC, where asking for a PC that holds no instruction is an error about
    the program, not a lookup failure."""

    def __init__(self, insns: Sequence[Instruction]) -> None:
        super().__init__(iter_pcs(insns))

    def __missing__(self, pc: int) -> Instruction:
        raise InstructionError(f"control reaches PC {pc}, where no instruction starts", pc=pc)


def _branch_target(pc: int, insn: Instruction) -> int | None:
    """Where a jump may go; None for every non-jump (calls and ``lddw`` included)."""
    if insn.opcode in (CALL, LDDW, EXIT):
        return None
    return insn.jump_target(pc)


def subprogram_entries(insns: Sequence[Instruction]) -> list[int]:
    """PCs where a subprogram starts: 0, local-call targets and taken subprogram addresses."""
    entries = {0}
    for pc, insn in iter_pcs(insns):
        is_local_call = insn.opcode == CALL and insn.src == CallSrc.LOCAL
        is_func_addr = insn.opcode == LDDW and insn.src == PseudoSrc.FUNC
        if is_local_call or is_func_addr:
            target = insn.jump_target(pc)
            assert target is not None
            entries.add(target)
    return sorted(entries)


def basic_blocks(insns: Sequence[Instruction], entry: int = 0) -> dict[int, Block]:
    """The blocks of the subprogram starting at ``entry``, keyed by first PC, in PC order.

    Raises:
        InstructionError: control can leave the program (a jump out of range or into the middle
            of a ``lddw``, or a last instruction that falls off the end). The verifier's
            structural pass refuses such programs first, with the kernel's messages.
    """
    by_pc = _Program(insns)
    leaders, seen, todo = {entry}, set(), [entry]
    while todo:
        pc = todo.pop()
        while pc not in seen:
            seen.add(pc)
            insn = by_pc[pc]
            if insn.opcode == EXIT:
                break
            target = _branch_target(pc, insn)
            if target is None:
                pc += insn.width
                continue
            leaders.add(target)
            todo.append(target)
            if insn.opcode in _GOTO:
                break
            pc += 1
            leaders.add(pc)
    blocks = {}
    for start in sorted(leaders):
        pcs, pc = [], start
        while True:
            pcs.append(pc)
            insn = by_pc[pc]
            target = _branch_target(pc, insn)
            nxt = pc + insn.width
            if insn.opcode == EXIT or target is not None or nxt in leaders:
                break
            pc = nxt
        fallthrough = None if insn.opcode == EXIT or insn.opcode in _GOTO else nxt
        successors = tuple(s for s in (target, fallthrough) if s is not None)
        blocks[start] = Block(tuple(pcs), successors, fallthrough)
    return blocks
