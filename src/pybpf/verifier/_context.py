"""How far into its context a program reads or writes (the kernel's ``max_ctx_offset``).

The kernel records, while verifying, the end of the furthest context access; a syscall
program's test run is refused with EINVAL when the context passed in is shorter
(``bpf_prog_test_run_syscall``). pybpf follows the context pointer the way compilers pass it
around: from r1 at entry through moves, constant adds and stack spills, across the main
program's blocks, and takes the furthest load or store through it. Accesses made inside called
subprograms are not followed, so the bound can only be lower than the kernel's.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..isa import Class, Instruction, Mode, basic_blocks, iter_pcs, register_use

__all__ = ["max_ctx_offset"]

_SIZES = {0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8}
_MOV64_X, _ADD64_K = 0xBF, 0x07
_FP = 10

#: what is known at a point: register -> its offset from ctx; stack slot -> the same
_State = tuple[dict[int, int], dict[int, int]]


def _merge(a: _State, b: _State) -> _State:
    regs = {r: max(a[0].get(r, o), o) for r, o in b[0].items()} | {r: o for r, o in a[0].items() if r not in b[0]}
    slots = {s: max(a[1].get(s, o), o) for s, o in b[1].items()} | {s: o for s, o in a[1].items() if s not in b[1]}
    return regs, slots


def max_ctx_offset(insns: Sequence[Instruction]) -> int:
    """The end of the furthest context access of the main program (0 when it has none)."""
    by_pc = dict(iter_pcs(insns))
    blocks = basic_blocks(insns, 0)
    states: dict[int, _State] = {0: ({1: 0}, {})}
    todo = [0]
    furthest = 0
    while todo:
        first = todo.pop()
        regs, slots = dict(states[first][0]), dict(states[first][1])
        for pc in blocks[first].pcs:
            insn = by_pc[pc]
            cls, mode = insn.cls, insn.opcode & 0xE0
            size = _SIZES.get(insn.opcode & 0x18, 0)
            memory = mode in (Mode.MEM, Mode.MEMSX, Mode.ATOMIC)
            if cls == Class.LDX and memory:
                if insn.src in regs:
                    furthest = max(furthest, regs[insn.src] + insn.offset + size)
                    regs.pop(insn.dst, None)
                elif insn.src == _FP and size == 8 and insn.offset in slots:
                    regs[insn.dst] = slots[insn.offset]
                else:
                    regs.pop(insn.dst, None)
                continue
            if cls in (Class.ST, Class.STX) and memory:
                if insn.dst in regs:
                    furthest = max(furthest, regs[insn.dst] + insn.offset + size)
                if insn.dst == _FP:
                    spilled = cls == Class.STX and size == 8 and mode == Mode.MEM and insn.src in regs
                    for slot in [s for s in slots if s < insn.offset + size and insn.offset < s + 8]:
                        del slots[slot]
                    if spilled:
                        slots[insn.offset] = regs[insn.src]
                if mode == Mode.ATOMIC:  # a fetch writes a register
                    for reg in register_use(insn)[1]:
                        regs.pop(reg, None)
                continue
            if insn.opcode == _MOV64_X:
                if insn.src in regs:
                    regs[insn.dst] = regs[insn.src]
                else:
                    regs.pop(insn.dst, None)
                continue
            if insn.opcode == _ADD64_K and insn.dst in regs:
                regs[insn.dst] += insn.imm
                continue
            _, writes, clobbers = register_use(insn)
            for reg in writes | clobbers:
                regs.pop(reg, None)
        for succ in blocks[first].successors:
            merged = _merge(states[succ], (regs, slots)) if succ in states else (regs, slots)
            if merged != states.get(succ):
                states[succ] = merged
                todo.append(succ)
    return furthest
