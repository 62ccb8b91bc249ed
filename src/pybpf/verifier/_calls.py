"""Load-time rules about helper calls: the helper must exist, be offered to this program, and
not be GPL-only when the program's licence is not GPL-compatible. Messages are the kernel's.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ..helpers import BY_ID
from ..isa import CallSrc, Class, Instruction, JmpOp, disassemble, iter_pcs
from ._errors import VerifierError

__all__ = ["check_helper_calls", "license_is_gpl_compatible"]

_CALL = Class.JMP | JmpOp.CALL

#: The licences the kernel counts as GPL-compatible (license_is_gpl_compatible).
GPL_COMPATIBLE = frozenset(
    {"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"}
)


def license_is_gpl_compatible(license: str) -> bool:
    """Whether the kernel lets a program with this licence call GPL-only helpers."""
    return license in GPL_COMPATIBLE


def check_helper_calls(insns: Sequence[Instruction], license: str, offered: Collection[int]) -> None:
    """Refuse calls of unknown helpers, of helpers not ``offered`` here, and of GPL-only ones.

    ``offered`` is the ids this program may call (its type's set, less the CAP_BPF helpers for
    an unprivileged runtime).

    Raises:
        VerifierError: ``invalid func unknown#N``, ``program of this type cannot use helper
            NAME#N`` or ``cannot call GPL-restricted function from non-GPL compatible program``.
    """
    gpl = license_is_gpl_compatible(license)
    for pc, insn in iter_pcs(insns):
        if insn.opcode != _CALL or insn.src != CallSrc.HELPER:
            continue
        proto = BY_ID.get(insn.imm)
        line = f"{pc}: {disassemble([insn]).split(': ', 1)[1].rstrip()}"
        if proto is None:
            raise VerifierError([line, f"invalid func unknown#{insn.imm}"], pc=pc)
        if insn.imm not in offered:
            raise VerifierError([line, f"program of this type cannot use helper {proto.name}#{proto.id}"], pc=pc)
        if proto.gpl_only and not gpl:
            raise VerifierError([line, "cannot call GPL-restricted function from non-GPL compatible program"], pc=pc)
