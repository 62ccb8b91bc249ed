"""The kernel's checks of an instruction's fields, made when a path first reaches it (an
instruction no path reaches is never judged, as in the kernel's ``do_check``)."""

from __future__ import annotations

from ..isa import Instruction
from ._env import Refuse

__all__ = ["check_fields_reached"]

_ALU, _ALU64, _LD, _LDX, _ST, _STX, _JMP, _JMP32 = 0x04, 0x07, 0x00, 0x01, 0x02, 0x03, 0x05, 0x06


def _regs(insn: Instruction, *regs: int) -> None:
    for r in regs:
        if r > 10:
            raise Refuse(f"R{r} is invalid", 22)


def _alu(insn: Instruction) -> None:
    op = insn.opcode & 0xF0
    is_x = bool(insn.opcode & 0x08)
    is64 = insn.cls == _ALU64
    if op in (0x80, 0xD0):
        if op == 0x80:
            if is_x or insn.src or insn.offset or insn.imm:
                raise Refuse("BPF_NEG uses reserved fields", 22)
        elif insn.src or insn.offset or insn.imm not in (16, 32, 64) or (is64 and is_x):
            raise Refuse("BPF_END uses reserved fields", 22)
        _regs(insn, insn.dst)
        return
    if op == 0xB0:
        if is_x:
            if not is64:
                bad = insn.offset not in (0, 8, 16) or insn.imm
            elif insn.offset == 1:
                if insn.imm not in (1, 1 << 16):
                    raise Refuse("addr_space_cast insn can only convert between address space 1 and 0", 22)
                raise Refuse("addr_space_cast insn can only be used in a program that has an associated arena", 22)
            else:
                bad = insn.offset not in (0, 8, 16, 32) or insn.imm
        else:
            bad = insn.src != 0 or insn.offset != 0
        if bad:
            raise Refuse("BPF_MOV uses reserved fields", 22)
        _regs(insn, insn.src if is_x else 0, insn.dst)
        return
    if op > 0xD0:
        raise Refuse(f"invalid BPF_ALU opcode {op:x}", 22)
    off_ok = insn.offset == 0 or insn.offset == 1 and op in (0x30, 0x90)
    if (insn.imm if is_x else insn.src) or not off_ok:
        raise Refuse("BPF_ALU uses reserved fields", 22)
    _regs(insn, insn.src if is_x else 0, insn.dst)


def _jmp(insn: Instruction) -> None:
    op = insn.opcode & 0xF0
    is_x = bool(insn.opcode & 0x08)
    is32 = insn.cls == _JMP32
    if op == 0x80:
        bad = is_x or (insn.src != 2 and insn.offset) or insn.src not in (0, 1, 2) or insn.dst or is32
        if bad:
            raise Refuse("BPF_CALL uses reserved fields", 22)
        return
    if op == 0x00:
        if is_x or insn.src or insn.dst or (not is32 and insn.imm) or (is32 and insn.offset):
            raise Refuse("BPF_JA uses reserved fields", 22)
        return
    if op == 0x90:
        if is_x or insn.imm or insn.src or insn.dst or is32:
            raise Refuse("BPF_EXIT uses reserved fields", 22)
        return
    if op == 0xE0:
        if insn.opcode != 0xE5 or insn.src != 0 or insn.dst or insn.imm:
            raise Refuse(f"invalid may_goto imm {insn.imm}", 22)
        return
    if op > 0xE0:
        raise Refuse(f"invalid BPF_JMP/JMP32 opcode {op:x}", 22)
    if insn.imm if is_x else insn.src:
        raise Refuse("BPF_JMP/JMP32 uses reserved fields", 22)
    _regs(insn, insn.dst, insn.src if is_x else 0)


def check_fields_reached(insn: Instruction) -> None:
    """Refuse an instruction whose fields the kernel refuses, with its message."""
    cls = insn.cls
    mode = insn.opcode & 0xE0
    if cls in (_ALU, _ALU64):
        _alu(insn)
    elif cls in (_JMP, _JMP32):
        _jmp(insn)
    elif cls == _STX:
        if mode != 0xC0 and (mode != 0x60 or insn.imm):
            raise Refuse("BPF_STX uses reserved fields", 22)
        _regs(insn, insn.src, insn.dst)
    elif cls == _ST:
        if mode != 0x60 or insn.src:
            raise Refuse("BPF_ST uses reserved fields", 22)
        _regs(insn, insn.dst)
    elif cls == _LDX:
        if mode not in (0x60, 0x80) or insn.imm:
            raise Refuse("BPF_LDX uses reserved fields", 22)
        _regs(insn, insn.src, insn.dst)
    elif mode in (0x20, 0x40):
        if insn.dst or insn.offset or insn.opcode & 0x18 == 0x18 or mode == 0x20 and insn.src:
            raise Refuse("BPF_LD_[ABS|IND] uses reserved fields", 22)
    elif mode == 0x00:
        if insn.opcode & 0x18 != 0x18:
            raise Refuse("invalid BPF_LD_IMM insn", 22)
        if insn.offset:
            raise Refuse("BPF_LD_IMM64 uses reserved fields", 22)
    else:
        raise Refuse("invalid BPF_LD mode", 22)
