"""Applying CO-RE relocations to a program's instructions, as libbpf's ``bpf_core_patch_insn``.

Each relocated instruction holds the value clang computed on the object's own BTF; it gets the
value for the target instead: an ALU immediate, a load or store offset (and, when the field's
size differs, the load's width), or a 64-bit immediate. A relocation with no target poisons
its instruction with a call of helper 0xbad2310, so that running it fails (a ``lddw`` keeps its
two slots: the call and a no-op). Which BTF is the target is the runtime's choice:
see :mod:`pybpf.runtime._kernel_btf`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..btf import POISON_HELPER_ID, BtfError, CoreKind, CoreRelo, CoreResult, Spec, core_value
from ..elf import ElfError
from ..isa import CALL, LDDW, Class, Instruction, JmpOp, Mode, Size, Source, iter_pcs

__all__ = ["POISON_HELPER_ID", "apply_core"]

_SIZE_CODES = {1: Size.B, 2: Size.H, 4: Size.W, 8: Size.DW}
_JA = Class.JMP | JmpOp.JA


def apply_core(
    name: str,
    insns: Sequence[Instruction],
    relos: Sequence[tuple[int, CoreRelo]],
    local: Spec,
    targets: Sequence[Spec],
    fallback: Spec | None,
) -> list[Instruction]:
    """The program's instructions with every CO-RE relocation applied.

    Raises:
        ElfError: a relocation that does not match its instruction, or that libbpf refuses
            (candidates that disagree, a malformed accessor).
    """
    out: list[Instruction | tuple[Instruction, Instruction]] = list(insns)
    index = {pc: i for i, (pc, _) in enumerate(iter_pcs(insns))}
    for number, (pc, relo) in enumerate(relos):
        where = f"load: prog '{name}': relo #{number} (insn #{pc}, {relo.access_str})"
        if pc not in index:
            raise ElfError(f"{where}: no instruction there")
        try:
            result = core_value(local, relo, targets, fallback)
        except BtfError as err:
            raise ElfError(f"{where}: {err}") from err
        i = index[pc]
        current = out[i]
        assert isinstance(current, Instruction)
        out[i] = _patch(current, result, where)
    flat: list[Instruction] = []
    for item in out:
        flat.extend(item if isinstance(item, tuple) else (item,))
    return flat


def _patch(insn: Instruction, result: CoreResult, where: str) -> Instruction | tuple[Instruction, Instruction]:
    if result.target is None:
        poison = Instruction(CALL, imm=POISON_HELPER_ID)
        return (poison, Instruction(_JA)) if insn.opcode == LDDW else poison
    value = result.target
    cls = insn.cls
    if insn.opcode == LDDW:
        return replace(insn, imm=value & (2**64 - 1))
    if cls in (Class.ALU, Class.ALU64):
        if insn.opcode & Source.X:
            raise ElfError(f"{where}: relocated ALU instruction takes a register")
        if result.validate:
            _expect(insn.imm, result.local, where, "imm")
        return replace(insn, imm=_s32(value, where))
    if cls in (Class.LDX, Class.ST, Class.STX):
        if result.validate:
            _expect(insn.offset, result.local, where, "offset")
        if not -(2**15) <= value < 2**15:
            raise ElfError(f"{where}: offset {value} does not fit an instruction")
        patched = replace(insn, offset=value)
        resize = result.kind == CoreKind.FIELD_BYTE_OFFSET and result.target_size != result.local_size
        if resize and cls == Class.LDX and insn.opcode & 0xE0 == Mode.MEM and result.target_size in _SIZE_CODES:
            patched = replace(patched, opcode=(insn.opcode & ~0x18) | _SIZE_CODES[result.target_size])
        return patched
    raise ElfError(f"{where}: instruction 0x{insn.opcode:02x} cannot be relocated")


def _expect(found: int, local: int, where: str, what: str) -> None:
    if (found - local) & 0xFFFF_FFFF:
        raise ElfError(f"{where}: unexpected {what} {found}, the relocation says {local}")


def _s32(value: int, where: str) -> int:
    if not -(2**31) <= value < 2**32:
        raise ElfError(f"{where}: value {value} does not fit an immediate")
    return value - 2**32 if value >= 2**31 else value
