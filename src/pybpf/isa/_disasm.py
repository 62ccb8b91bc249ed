"""Instructions as text: the Linux kernel's form, or the uBPF assembler syntax.

The kernel syntax is what ``kernel/bpf/disasm.c`` prints in verifier logs and what
``bpftool prog dump xlated`` shows, so pybpf's logs and dumps can be compared with the kernel's
line for line::

       0: (b7) r0 = 0
       1: (18) r1 = 0x1122334455667788
       3: (63) *(u32 *)(r10 -4) = r1
       4: (95) exit

For the ``lddw`` pseudo sources (map references, subprogram addresses) the text is bpftool's
(``map[id:3]``, ``map[id:3][0]+8``, ``subprog[+5]``), since the kernel alone only prints raw
numbers there.

The uBPF syntax is the one :func:`~pybpf.isa.assemble` reads, so that text written by
:func:`disassemble` with ``syntax="ubpf"`` assembles back to the same instructions. Jumps are
written with relative offsets (``jeq %r1, 5, +3``), which need no labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from ._errors import InstructionError
from ._instruction import (
    LDDW,
    LOAD_ACQ,
    MAY_GOTO,
    STORE_REL,
    Instruction,
    is_valid_opcode,
    iter_pcs,
)
from ._opcodes import FETCH, AluOp, AtomicOp, CallSrc, Class, JmpOp, Mode, PseudoSrc, Size, Source

__all__ = ["HelperName", "Syntax", "disassemble", "format_instruction"]

Syntax = Literal["kernel", "ubpf"]
HelperName = Callable[[int], str | None]  #: maps a helper id to its name, or None when unknown

# --- tables shared by both syntaxes -------------------------------------------------------------

_KERNEL_ALU: dict[int, str] = {
    AluOp.ADD: "+=", AluOp.SUB: "-=", AluOp.MUL: "*=", AluOp.DIV: "/=", AluOp.OR: "|=",
    AluOp.AND: "&=", AluOp.LSH: "<<=", AluOp.RSH: ">>=", AluOp.MOD: "%=", AluOp.XOR: "^=",
    AluOp.MOV: "=", AluOp.ARSH: "s>>=",
}  # fmt: skip
_KERNEL_SIGNED_ALU: dict[int, str] = {AluOp.DIV: "s/=", AluOp.MOD: "s%="}
_KERNEL_MOVSX: dict[int, str] = {8: "(s8)", 16: "(s16)", 32: "(s32)"}
_KERNEL_JMP: dict[int, str] = {
    JmpOp.JEQ: "==", JmpOp.JGT: ">", JmpOp.JGE: ">=", JmpOp.JSET: "&", JmpOp.JNE: "!=",
    JmpOp.JSGT: "s>", JmpOp.JSGE: "s>=", JmpOp.JLT: "<", JmpOp.JLE: "<=", JmpOp.JSLT: "s<",
    JmpOp.JSLE: "s<=",
}  # fmt: skip
_KERNEL_SIZE: dict[int, str] = {Size.W: "u32", Size.H: "u16", Size.B: "u8", Size.DW: "u64"}
_KERNEL_SIGNED_SIZE: dict[int, str] = {Size.W: "s32", Size.H: "s16", Size.B: "s8"}
_ATOMIC_ALU: dict[int, str] = {
    AtomicOp.ADD: "add",
    AtomicOp.AND: "and",
    AtomicOp.OR: "or",
    AtomicOp.XOR: "xor",
}

_UBPF_ALU: dict[int, str] = {
    op: op.name.lower() for op in AluOp if op not in (AluOp.NEG, AluOp.END)
}
_UBPF_SIGNED_ALU: dict[int, str] = {AluOp.DIV: "sdiv", AluOp.MOD: "smod"}
_UBPF_JMP: dict[int, str] = {op: JmpOp(op).name.lower() for op in _KERNEL_JMP}
_UBPF_SIZE: dict[int, str] = {Size.W: "w", Size.H: "h", Size.B: "b", Size.DW: "dw"}
_UBPF_PSEUDO: dict[int, str] = {int(src): src.name.lower() for src in PseudoSrc}

_KERNEL_BUG_PREFIX: dict[int, str] = {
    Class.LD: "BUG_ld_",
    Class.LDX: "BUG_ldx_",
    Class.ST: "BUG_st_",
}


class _Inexpressible(Exception):
    """An instruction the uBPF syntax has no words for; callers turn it into InstructionError."""


def _s32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _op(insn: Instruction) -> int:
    return insn.opcode & 0xF0


def _size(insn: Instruction) -> int:
    return insn.opcode & 0x18


def _mode(insn: Instruction) -> int:
    return insn.opcode & 0xE0


def _is_reg_source(insn: Instruction) -> bool:
    return insn.opcode & 0x08 == Source.X


# --- kernel syntax ------------------------------------------------------------------------------


def _kernel_bug(insn: Instruction) -> str:
    """The kernel's text for opcodes it does not know, which it prints instead of failing."""
    return f"{_KERNEL_BUG_PREFIX.get(insn.cls, 'BUG_')}{insn.opcode:02x}"


def _kernel_alu(insn: Instruction) -> str:
    reg = "w" if insn.cls == Class.ALU else "r"
    dst, op = insn.dst, _op(insn)
    if op == AluOp.END:
        # The kernel always says r here, even for the 32-bit class.
        if insn.cls == Class.ALU64:
            return f"r{dst} = bswap{insn.imm} r{dst}"
        order = "be" if _is_reg_source(insn) else "le"
        return f"r{dst} = {order}{insn.imm} r{dst}"
    if op == AluOp.NEG:
        return f"{reg}{dst} = -{reg}{dst}"
    if insn.opcode == Class.ALU64 | Source.X | AluOp.MOV and insn.offset == 1:
        imm = insn.imm & 0xFFFFFFFF
        return f"r{dst} = addr_space_cast(r{insn.src}, {imm >> 16}, {imm & 0xFFFF})"
    signed = op in _KERNEL_SIGNED_ALU and insn.offset == 1
    symbol = _KERNEL_SIGNED_ALU[op] if signed else _KERNEL_ALU[op]
    if _is_reg_source(insn):
        cast = _KERNEL_MOVSX.get(insn.offset, "") if op == AluOp.MOV else ""
        return f"{reg}{dst} {symbol} {cast}{reg}{insn.src}"
    return f"{reg}{dst} {symbol} {insn.imm}"


def _kernel_lddw_value(insn: Instruction) -> str:
    """bpftool's rendering of the 64-bit immediate, which depends on the pseudo source."""
    low, high = _s32(insn.imm), _s32(insn.imm >> 32)
    if insn.src == PseudoSrc.MAP_FD:
        return f"map[id:{low}]"
    if insn.src == PseudoSrc.MAP_VALUE:
        return f"map[id:{low}][0]+{high}"
    if insn.src == PseudoSrc.MAP_IDX_VALUE:
        return f"map[idx:{low}]+{high}"
    if insn.src == PseudoSrc.FUNC:
        return f"subprog[{low:+d}]"
    return f"0x{insn.imm & 0xFFFFFFFFFFFFFFFF:x}"


def _kernel_ld(insn: Instruction) -> str:
    if insn.opcode == LDDW:
        return f"r{insn.dst} = {_kernel_lddw_value(insn)}"
    size = _KERNEL_SIZE[_size(insn)]
    if _mode(insn) == Mode.ABS:
        return f"r0 = *({size} *)skb[{insn.imm}]"
    return f"r0 = *({size} *)skb[r{insn.src} + {insn.imm}]"


def _kernel_ldx(insn: Instruction) -> str:
    sizes = _KERNEL_SIGNED_SIZE if _mode(insn) == Mode.MEMSX else _KERNEL_SIZE
    return f"r{insn.dst} = *({sizes[_size(insn)]} *)(r{insn.src} {insn.offset:+d})"


def _kernel_st(insn: Instruction) -> str:
    return f"*({_KERNEL_SIZE[_size(insn)]} *)(r{insn.dst} {insn.offset:+d}) = {insn.imm}"


def _kernel_stx(insn: Instruction) -> str:
    size = _KERNEL_SIZE[_size(insn)]
    where = f"(r{insn.dst} {insn.offset:+d})"
    if _mode(insn) == Mode.MEM:
        return f"*({size} *){where} = r{insn.src}"
    width = "64" if _size(insn) == Size.DW else ""
    imm, src = insn.imm, insn.src
    if imm in _ATOMIC_ALU:
        return f"lock *({size} *){where} {_KERNEL_ALU[imm]} r{src}"
    if imm & FETCH and (imm & ~FETCH) in _ATOMIC_ALU:
        name = _ATOMIC_ALU[imm & ~FETCH]
        return f"r{src} = atomic{width}_fetch_{name}(({size} *){where}, r{src})"
    if imm == AtomicOp.CMPXCHG:
        return f"r0 = atomic{width}_cmpxchg(({size} *){where}, r0, r{src})"
    if imm == AtomicOp.XCHG:
        return f"r{src} = atomic{width}_xchg(({size} *){where}, r{src})"
    if imm == LOAD_ACQ:
        return f"r{insn.dst} = load_acquire(({size} *)(r{src} {insn.offset:+d}))"
    if imm == STORE_REL:
        return f"store_release(({size} *){where}, r{src})"
    return _kernel_bug(insn)


def _kernel_call(insn: Instruction, helper_name: HelperName | None) -> str:
    if _is_reg_source(insn):
        # disasm.c has no case for callx; this is LLVM's spelling.
        return f"callx r{insn.dst}"
    if insn.src == CallSrc.LOCAL:
        return f"call pc{insn.imm:+d}"
    if insn.src == CallSrc.KFUNC:
        return f"call kernel-function#{insn.imm}"
    name = helper_name(insn.imm) if helper_name is not None else None
    return f"call {name or 'unknown'}#{insn.imm}"


def _kernel_jmp(insn: Instruction, helper_name: HelperName | None) -> str:
    op = _op(insn)
    if op == JmpOp.CALL:
        return _kernel_call(insn, helper_name)
    if insn.opcode == Class.JMP | JmpOp.JA:
        return f"goto pc{insn.offset:+d}"
    if insn.opcode == Class.JMP32 | JmpOp.JA:
        return f"gotol pc{insn.imm:+d}"
    if op == JmpOp.EXIT:
        return "exit"
    if insn.opcode == Class.JMP | MAY_GOTO:
        return f"may_goto pc{insn.offset:+d}"
    reg = "w" if insn.cls == Class.JMP32 else "r"
    # The kernel prints a compared immediate as unsigned 32-bit hex, whatever the comparison.
    right = f"{reg}{insn.src}" if _is_reg_source(insn) else f"0x{insn.imm & 0xFFFFFFFF:x}"
    return f"if {reg}{insn.dst} {_KERNEL_JMP[op]} {right} goto pc{insn.offset:+d}"


def _kernel(insn: Instruction, helper_name: HelperName | None) -> str:
    if not is_valid_opcode(insn.opcode):
        return _kernel_bug(insn)
    cls = insn.cls
    if cls in (Class.ALU, Class.ALU64):
        return _kernel_alu(insn)
    if cls in (Class.JMP, Class.JMP32):
        return _kernel_jmp(insn, helper_name)
    if cls == Class.LD:
        return _kernel_ld(insn)
    if cls == Class.LDX:
        return _kernel_ldx(insn)
    if cls == Class.ST:
        return _kernel_st(insn)
    return _kernel_stx(insn)


# --- uBPF syntax --------------------------------------------------------------------------------


def _mem(reg: int, offset: int) -> str:
    return f"[%r{reg}{offset:+d}]" if offset else f"[%r{reg}]"


def _ubpf_alu(insn: Instruction) -> str:
    width = "32" if insn.cls == Class.ALU else ""
    dst, op = insn.dst, _op(insn)
    if op == AluOp.END:
        if insn.cls == Class.ALU64:
            return f"bswap{insn.imm} %r{dst}"
        return f"{'be' if _is_reg_source(insn) else 'le'}{insn.imm} %r{dst}"
    if op == AluOp.NEG:
        return f"neg{width} %r{dst}"
    if op == AluOp.MOV and _is_reg_source(insn) and insn.offset in (8, 16, 32):
        return f"movsx{insn.offset}{width or '64'} %r{dst}, %r{insn.src}"
    signed = op in _UBPF_SIGNED_ALU and insn.offset == 1
    name = (_UBPF_SIGNED_ALU[op] if signed else _UBPF_ALU[op]) + width
    right = f"%r{insn.src}" if _is_reg_source(insn) else str(insn.imm)
    return f"{name} %r{dst}, {right}"


def _ubpf_ld(insn: Instruction) -> str:
    if insn.opcode == LDDW:
        value = f"0x{insn.imm & 0xFFFFFFFFFFFFFFFF:x}"
        if insn.src == PseudoSrc.IMM64:
            return f"lddw %r{insn.dst}, {value}"
        if insn.src not in _UBPF_PSEUDO:
            raise _Inexpressible(f"invalid lddw source {insn.src}")
        if insn.src == PseudoSrc.FUNC and not insn.imm >> 32:
            value = f"{_s32(insn.imm):+d}"  # a relative target, as in "call local"
        return f"lddw %r{insn.dst}, {_UBPF_PSEUDO[insn.src]} {value}"
    size = _UBPF_SIZE[_size(insn)]
    if _mode(insn) == Mode.ABS:
        return f"ldabs{size} {insn.imm}"
    return f"ldind{size} %r{insn.src}, {insn.imm}"


def _ubpf_stx(insn: Instruction) -> str:
    size, where = _UBPF_SIZE[_size(insn)], _mem(insn.dst, insn.offset)
    if _mode(insn) == Mode.MEM:
        return f"stx{size} {where}, %r{insn.src}"
    width = "32" if _size(insn) == Size.W else ""
    imm = insn.imm
    if imm == AtomicOp.XCHG:
        name = "xchg"
    elif imm == AtomicOp.CMPXCHG:
        name = "cmpxchg"
    elif (imm & ~FETCH) in _ATOMIC_ALU:
        name = ("fetch " if imm & FETCH else "") + _ATOMIC_ALU[imm & ~FETCH]
    else:
        raise _Inexpressible(f"invalid atomic operation 0x{imm & 0xFFFFFFFF:x}")
    return f"lock {name}{width} {where}, %r{insn.src}"


def _ubpf_call(insn: Instruction, helper_name: HelperName | None) -> str:
    if _is_reg_source(insn):
        return f"call %r{insn.dst}"
    if insn.src == CallSrc.LOCAL:
        return f"call local {insn.imm:+d}"
    if insn.src == CallSrc.KFUNC:
        return f"call runtime {insn.imm}"
    if insn.src != CallSrc.HELPER:
        raise _Inexpressible(f"invalid call source {insn.src}")
    name = helper_name(insn.imm) if helper_name is not None else None
    return f"call {insn.imm}" + (f" # {name}" if name else "")


def _ubpf_jmp(insn: Instruction, helper_name: HelperName | None) -> str:
    op = _op(insn)
    if op == JmpOp.CALL:
        return _ubpf_call(insn, helper_name)
    if op == JmpOp.EXIT:
        return "exit"
    if insn.opcode == Class.JMP | JmpOp.JA:
        return f"ja {insn.offset:+d}"
    if insn.opcode == Class.JMP32 | JmpOp.JA:
        return f"ja32 {insn.imm:+d}"
    name = _UBPF_JMP[op] + ("32" if insn.cls == Class.JMP32 else "")
    right = f"%r{insn.src}" if _is_reg_source(insn) else str(insn.imm)
    return f"{name} %r{insn.dst}, {right}, {insn.offset:+d}"


def _ubpf(insn: Instruction, helper_name: HelperName | None) -> str:
    """Raises _Inexpressible for instructions the syntax cannot write (unknown opcodes...).

    Fields that the syntax has no place for (reserved fields) are not shown.
    """
    if not is_valid_opcode(insn.opcode):
        raise _Inexpressible(f"unknown opcode 0x{insn.opcode:02x}")
    cls = insn.cls
    if cls in (Class.ALU, Class.ALU64):
        return _ubpf_alu(insn)
    if cls in (Class.JMP, Class.JMP32):
        return _ubpf_jmp(insn, helper_name)
    if cls == Class.LD:
        return _ubpf_ld(insn)
    if cls == Class.LDX:
        signed = "s" if _mode(insn) == Mode.MEMSX else ""
        return f"ldx{signed}{_UBPF_SIZE[_size(insn)]} %r{insn.dst}, {_mem(insn.src, insn.offset)}"
    if cls == Class.ST:
        return f"st{_UBPF_SIZE[_size(insn)]} {_mem(insn.dst, insn.offset)}, {insn.imm}"
    return _ubpf_stx(insn)


# --- public API ---------------------------------------------------------------------------------


def format_instruction(
    insn: Instruction,
    *,
    syntax: Syntax = "kernel",
    helper_name: HelperName | None = None,
) -> str:
    """One instruction as text, without PC or opcode prefix.

    >>> from pybpf.isa import Instruction
    >>> format_instruction(Instruction(0x07, dst=1, imm=-1))
    'r1 += -1'
    >>> format_instruction(Instruction(0x07, dst=1, imm=-1), syntax="ubpf")
    'add %r1, -1'

    Args:
        insn: the instruction; it need not be valid.
        syntax: ``"kernel"`` for the kernel's verifier-log form, ``"ubpf"`` for the assembler
            syntax :func:`~pybpf.isa.assemble` reads.
        helper_name: names a helper id (``call bpf_map_lookup_elem#1``); the isa layer knows
            no helper table of its own, so without it helpers print as ``unknown``. In the uBPF
            syntax the name becomes a trailing comment.

    Raises:
        InstructionError: only for ``syntax="ubpf"``, when the instruction has no uBPF form
            (an unknown opcode, lddw or call source, or atomic operation). The kernel syntax
            prints the kernel's ``BUG_..`` text instead.
        ValueError: ``syntax`` is neither of the two.
    """
    if syntax == "kernel":
        return _kernel(insn, helper_name)
    if syntax == "ubpf":
        try:
            return _ubpf(insn, helper_name)
        except _Inexpressible as err:
            raise InstructionError(str(err)) from None
    raise ValueError(f"unknown syntax {syntax!r}")


def disassemble(
    insns: Sequence[Instruction],
    *,
    syntax: Syntax = "kernel",
    helper_name: HelperName | None = None,
    opcodes: bool = True,
) -> str:
    """A program as text, one instruction per line, each line ending with a newline.

    In the kernel syntax each line starts like bpftool's: the PC right-aligned in four columns,
    then, when ``opcodes`` is true, the opcode byte in parentheses (``   3: (bf) r1 = r6``).
    The uBPF syntax has no prefix (``opcodes`` is ignored) and assembles back to ``insns``
    when they form a valid program.

    Raises:
        InstructionError: as :func:`format_instruction`, naming the PC.
        ValueError: ``syntax`` is neither of the two.
    """
    if syntax not in ("kernel", "ubpf"):
        raise ValueError(f"unknown syntax {syntax!r}")
    lines = []
    for pc, insn in iter_pcs(insns):
        if syntax == "ubpf":
            try:
                lines.append(_ubpf(insn, helper_name))
            except _Inexpressible as err:
                raise InstructionError(f"{err} at PC {pc}", pc=pc) from None
        elif opcodes:
            lines.append(f"{pc:4d}: ({insn.opcode:02x}) {_kernel(insn, helper_name)}")
        else:
            lines.append(f"{pc:4d}: {_kernel(insn, helper_name)}")
    return "".join(line + "\n" for line in lines)
