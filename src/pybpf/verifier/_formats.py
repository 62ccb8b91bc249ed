"""The load-time check of ``bpf_snprintf`` formats (the kernel's ``check_bpf_snprintf_call``).

The kernel knows, at each ``bpf_snprintf`` call, the constant format string (r3 points into a
read-only map) and the constant ``data_len`` (r5); it refuses the program when ``data_len`` is
not a multiple of 8 (no message) or when ``bpf_bprintf_prepare`` refuses the format for
``data_len / 8`` arguments ("Invalid format string"). Without the kernel's register tracking,
pybpf follows constants within each basic block (``lddw``, moves, adds of immediates), which is
how compilers set these arguments up; a call whose arguments it cannot follow is left to the
helper, which returns -EINVAL at run time for the same formats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..helpers import BY_ID, BY_NAME
from ..helpers._format import FormatError, check_format
from ..isa import (
    CallSrc,
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

__all__ = ["check_format_strings"]

_CALL = Class.JMP | JmpOp.CALL
_SNPRINTF = BY_NAME["bpf_snprintf"].id
_LDDW, _MOV64_K, _MOV32_K, _MOV64_X, _ADD64_K = 0x18, 0xB7, 0xB4, 0xBF, 0x07
_MASK64 = (1 << 64) - 1

#: reads the NUL-terminated string at an address of program memory, or None
ReadString = Callable[[int], "str | None"]


def _constants_at_calls(insns: Sequence[Instruction]) -> dict[int, dict[int, int]]:
    """For each helper call to bpf_snprintf: the registers holding known constants there."""
    by_pc = dict(iter_pcs(insns))
    found: dict[int, dict[int, int]] = {}
    for entry in subprogram_entries(insns):
        for block in basic_blocks(insns, entry).values():
            known: dict[int, int] = {}
            for pc in block.pcs:
                insn = by_pc[pc]
                if insn.opcode == _CALL and insn.src == CallSrc.HELPER and insn.imm == _SNPRINTF:
                    found[pc] = dict(known)
                op = insn.opcode
                if op == _LDDW and insn.src == 0 or op == _MOV64_K:
                    known[insn.dst] = insn.imm & _MASK64
                elif op == _MOV32_K:
                    known[insn.dst] = insn.imm & 0xFFFF_FFFF
                elif op == _MOV64_X and insn.src in known:
                    known[insn.dst] = known[insn.src]
                elif op == _ADD64_K and insn.dst in known:
                    known[insn.dst] = (known[insn.dst] + insn.imm) & _MASK64
                else:
                    _, writes, clobbers = register_use(insn)
                    for reg in writes | clobbers:
                        known.pop(reg, None)
    return found


def check_format_strings(insns: Sequence[Instruction], read_string: ReadString) -> None:
    """Refuse ``bpf_snprintf`` calls whose constant format or ``data_len`` the kernel refuses.

    ``insns`` are the program's instructions with map values resolved to addresses;
    ``read_string`` reads the format there.

    Raises:
        VerifierError: the call, then "Invalid format string" for a refused format.
    """
    by_pc = dict(iter_pcs(insns))
    for pc, known in sorted(_constants_at_calls(insns).items()):
        if 3 not in known or 5 not in known:
            continue
        text = disassemble([by_pc[pc]], helper_name=lambda i: BY_ID[i].name if i in BY_ID else None)
        line = f"{pc}: {text.split(': ', 1)[1].rstrip()}"
        data_len = known[5]
        if data_len % 8:
            raise VerifierError([line], pc=pc)
        fmt = read_string(known[3])
        if fmt is None:
            continue
        try:
            check_format(fmt, data_len // 8)
        except FormatError:
            raise VerifierError([line, "Invalid format string"], pc=pc) from None
