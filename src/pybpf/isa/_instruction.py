"""One BPF instruction: decoding, encoding and the per-instruction well-formedness rules.

An encoded instruction is 8 bytes: opcode, a byte holding the destination and source registers
(low nibble ``dst`` on little-endian targets, high nibble on big-endian ones), a signed 16-bit
offset and a signed 32-bit immediate. The 64-bit immediate load takes two such slots; its
second slot only carries the upper half of the immediate. Program counters count slots, as the
kernel does, so the instruction after a ``lddw`` at PC 3 is at PC 5.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, final

from ._errors import InstructionError
from ._opcodes import (
    FETCH,
    AluOp,
    AtomicOp,
    CallSrc,
    Class,
    JmpOp,
    Mode,
    PseudoSrc,
    Size,
    Source,
)

__all__ = [
    "CALL",
    "CALLX",
    "EXIT",
    "FRAME_POINTER",
    "LDDW",
    "LDDW_ALONE",
    "MAX_REG",
    "ByteOrder",
    "Instruction",
    "decode",
    "encode",
    "iter_pcs",
    "register_use",
    "validate",
]

ByteOrder = Literal["little", "big"]

LDDW = Class.LD | Mode.IMM | Size.DW  #: the only two-slot opcode (0x18)
CALL = Class.JMP | JmpOp.CALL  #: a call of a helper, a kfunc or a subprogram, as ``src`` says (0x85)
CALLX = Class.JMP | Source.X | JmpOp.CALL  #: a call through a register: ``dst`` holds the target (0x8d)
EXIT = Class.JMP | JmpOp.EXIT  #: return r0 to the caller (0x95)
LOAD_ACQ = 0x100  #: atomic ``imm`` of a load-acquire: ``dst = *(size *)(src + off)``
STORE_REL = 0x110  #: atomic ``imm`` of a store-release: ``*(size *)(dst + off) = src``
MAY_GOTO = 0xE0  #: the jump operation (``BPF_JCOND``) of ``may_goto``: jump when a loop budget is spent
#: Not an opcode: what ``decode(..., check=False)`` makes of the first slot of a ``lddw`` whose
#: second slot is missing or not zero but for the immediate. It takes one slot (the next slot,
#: if any, decodes on its own), encodes back to ``LDDW`` and is refused by the verifier as the
#: kernel refuses the pair ("invalid bpf_ld_imm64 insn"), but only in a program it loads.
LDDW_ALONE = 0x100 | LDDW
MAX_REG = 10  #: r0-r10
FRAME_POINTER = 10  #: r10, read-only

_SLOT = {"little": struct.Struct("<BBhi"), "big": struct.Struct(">BBhi")}


@final
@dataclass(frozen=True, slots=True)
class Instruction:
    """A decoded instruction.

    ``offset`` is signed 16-bit and ``imm`` signed 32-bit, except for :data:`LDDW` where ``imm``
    is the whole 64-bit immediate as an unsigned number (low half from the first slot).
    Construct one directly to build programs; :func:`validate` tells whether it is well formed.
    """

    opcode: int
    dst: int = 0
    src: int = 0
    offset: int = 0
    imm: int = 0

    @property
    def cls(self) -> int:
        """The instruction class (the low three bits of the opcode)."""
        return self.opcode & 0x07

    @property
    def width(self) -> int:
        """How many 8-byte slots the instruction occupies (2 for ``lddw``, else 1)."""
        return 2 if self.opcode == LDDW else 1

    def jump_target(self, pc: int) -> int | None:
        """The PC this instruction may transfer control to, or None.

        Covers jumps (taken branch), ``gotol``, local calls and ``lddw`` of a subprogram address.
        """
        cls, op = self.cls, self.opcode & 0xF0
        if cls == Class.JMP and op not in (JmpOp.CALL, JmpOp.EXIT):
            return pc + 1 + self.offset
        if cls == Class.JMP32:
            return pc + 1 + (self.imm if op == JmpOp.JA else self.offset)
        if self.opcode == CALL and self.src == CallSrc.LOCAL:
            return pc + 1 + self.imm
        if self.opcode == LDDW and self.src == PseudoSrc.FUNC:
            return pc + 1 + _s32(self.imm & 0xFFFFFFFF)
        return None

    def encode(self, byteorder: ByteOrder = "little") -> bytes:
        """The instruction's bytes (8, or 16 for ``lddw``)."""
        slot = _SLOT[byteorder]
        regs = (self.src << 4) | self.dst if byteorder == "little" else (self.dst << 4) | self.src
        if self.opcode == LDDW:
            lo, hi = self.imm & 0xFFFFFFFF, (self.imm >> 32) & 0xFFFFFFFF
            return slot.pack(self.opcode, regs, self.offset, _s32(lo)) + slot.pack(0, 0, 0, _s32(hi))
        return slot.pack(self.opcode & 0xFF, regs, self.offset, self.imm)

    def __str__(self) -> str:
        from ._disasm import format_instruction

        return format_instruction(self)


def _s32(value: int) -> int:
    return value - (1 << 32) if value & 0x80000000 else value


def decode(
    data: bytes | bytearray | memoryview, byteorder: ByteOrder = "little", *, check: bool = True
) -> list[Instruction]:
    """Decode raw bytecode into instructions, checking each one with :func:`check_instruction`.

    With ``check=False`` any opcode and field values are kept as they are, for the verifier to
    judge as the kernel does (a malformed instruction in code it proves dead is no error), and
    a ``lddw`` without a well-formed second slot becomes :data:`LDDW_ALONE`.

    Raises:
        InstructionError: the size is not a multiple of 8; with ``check``, also a ``lddw``
            truncated or with a second slot that is not zero but for the immediate, an unknown
            opcode, a reserved field that is not zero or a register out of range. The message
            names the PC.
    """
    raw = bytes(data)
    if len(raw) % 8:
        raise InstructionError(f"program size {len(raw)} is not a multiple of 8")
    slot = _SLOT[byteorder]
    count = len(raw) // 8
    out: list[Instruction] = []
    pc = 0
    while pc < count:
        opcode, regs, offset, imm = slot.unpack_from(raw, pc * 8)
        dst, src = (regs & 0x0F, regs >> 4) if byteorder == "little" else (regs >> 4, regs & 0x0F)
        if opcode == LDDW:
            op2, regs2, off2, imm2 = slot.unpack_from(raw, (pc + 1) * 8) if pc + 1 < count else (1, 0, 0, 0)
            if op2 or regs2 or off2:
                problem = "truncated lddw" if pc + 1 >= count else "invalid second slot of lddw"
                if check:
                    raise InstructionError(f"{problem} at PC {pc}", pc=pc)
                out.append(Instruction(LDDW_ALONE, dst, src, offset, imm))
                pc += 1
                continue
            imm = (imm & 0xFFFFFFFF) | ((imm2 & 0xFFFFFFFF) << 32)
        insn = Instruction(opcode, dst, src, offset, imm)
        if check:
            check_instruction(insn, pc)
        out.append(insn)
        pc += insn.width
    return out


def encode(insns: Iterable[Instruction], byteorder: ByteOrder = "little") -> bytes:
    """The bytecode of a sequence of instructions."""
    return b"".join(i.encode(byteorder) for i in insns)


def iter_pcs(insns: Iterable[Instruction]) -> Iterator[tuple[int, Instruction]]:
    """Yield ``(pc, instruction)`` pairs, counting ``lddw`` as two slots."""
    pc = 0
    for insn in insns:
        yield pc, insn
        pc += insn.width


# Field rules. Each valid opcode maps to (dst, src, offset, imm) rules, where a rule is one of:
#   "r"  any register r0-r10 (read)       "w"  a register r0-r9 (written; r10 is read-only)
#   "*"  any value                        a frozenset: exactly one of those values
_Rule = str | frozenset[int]
_ZERO: frozenset[int] = frozenset({0})
_RULES: dict[int, tuple[_Rule, _Rule, _Rule, _Rule]] = {}


def _build_rules() -> None:
    signed = frozenset({0, 1})
    for cls, movsx in ((Class.ALU, frozenset({0, 8, 16})), (Class.ALU64, frozenset({0, 8, 16, 32}))):
        for op in AluOp:
            if op in (AluOp.NEG, AluOp.END):
                continue
            off = signed if op in (AluOp.DIV, AluOp.MOD) else _ZERO
            _RULES[cls | Source.K | op] = ("w", _ZERO, off, "*")
            _RULES[cls | Source.X | op] = ("w", "r", movsx if op == AluOp.MOV else off, _ZERO)
        _RULES[cls | Source.K | AluOp.NEG] = ("w", _ZERO, _ZERO, _ZERO)
    widths = frozenset({16, 32, 64})
    _RULES[Class.ALU | Source.K | AluOp.END] = ("w", _ZERO, _ZERO, widths)  # to little-endian
    _RULES[Class.ALU | Source.X | AluOp.END] = ("w", _ZERO, _ZERO, widths)  # to big-endian
    _RULES[Class.ALU64 | Source.K | AluOp.END] = ("w", _ZERO, _ZERO, widths)  # bswap
    for cls in (Class.JMP, Class.JMP32):
        for jop in JmpOp:
            if jop in (JmpOp.JA, JmpOp.CALL, JmpOp.EXIT):
                continue
            _RULES[cls | Source.K | jop] = ("r", _ZERO, "*", "*")
            _RULES[cls | Source.X | jop] = ("r", "r", "*", _ZERO)
    _RULES[Class.JMP | JmpOp.JA] = (_ZERO, _ZERO, "*", _ZERO)
    _RULES[Class.JMP32 | JmpOp.JA] = (_ZERO, _ZERO, _ZERO, "*")  # gotol: offset in imm
    _RULES[CALL] = (_ZERO, frozenset(CallSrc), _ZERO, "*")
    _RULES[CALLX] = ("r", _ZERO, _ZERO, _ZERO)  # callx: target in dst
    _RULES[EXIT] = (_ZERO, _ZERO, _ZERO, _ZERO)
    _RULES[LDDW] = ("w", frozenset(PseudoSrc), _ZERO, "*")
    for size in (Size.W, Size.H, Size.B):
        _RULES[Class.LD | Mode.ABS | size] = (_ZERO, _ZERO, _ZERO, "*")
        _RULES[Class.LD | Mode.IND | size] = (_ZERO, "r", _ZERO, "*")
        _RULES[Class.LDX | Mode.MEMSX | size] = ("w", "r", "*", _ZERO)
    for size in Size:
        _RULES[Class.LDX | Mode.MEM | size] = ("w", "r", "*", _ZERO)
        _RULES[Class.ST | Mode.MEM | size] = ("r", _ZERO, "*", "*")
        _RULES[Class.STX | Mode.MEM | size] = ("r", "r", "*", _ZERO)
    atomics = frozenset(
        [op | f for op in (AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR) for f in (0, FETCH)]
        + [AtomicOp.XCHG, AtomicOp.CMPXCHG]
    )
    ordered = frozenset({LOAD_ACQ, STORE_REL})
    for size in (Size.W, Size.DW):
        _RULES[Class.STX | Mode.ATOMIC | size] = ("r", "r", "*", atomics | ordered)
    for size in (Size.B, Size.H):  # load-acquire and store-release come in every size
        _RULES[Class.STX | Mode.ATOMIC | size] = ("r", "r", "*", ordered)
    _RULES[Class.JMP | MAY_GOTO] = (_ZERO, _ZERO, "*", _ZERO)  # may_goto: off is the target


_build_rules()

_FIELD_NAMES = ("dst", "src", "offset", "imm")


def is_valid_opcode(opcode: int) -> bool:
    """Whether ``opcode`` is defined by RFC 9669 (with the kernel's legacy packet loads)."""
    return opcode in _RULES


def check_instruction(insn: Instruction, pc: int) -> None:
    """Check one instruction's opcode, registers and reserved fields.

    Raises:
        InstructionError: the first problem found, naming the PC.
    """
    rules = _RULES.get(insn.opcode)
    if rules is None:
        raise InstructionError(f"unknown opcode 0x{insn.opcode:02x} at PC {pc}", pc=pc)
    fields = (insn.dst, insn.src, insn.offset, insn.imm)
    for name, rule, value in zip(_FIELD_NAMES, rules, fields):
        if rule == "*":
            continue
        if rule in ("r", "w"):
            if not 0 <= value <= MAX_REG:
                raise InstructionError(f"invalid register r{value} at PC {pc}", pc=pc)
            if rule == "w" and value == FRAME_POINTER:
                raise InstructionError(f"r10 is read-only at PC {pc}", pc=pc)
        elif value not in rule:
            what = "reserved field" if rule == _ZERO else "field"
            raise InstructionError(f"invalid {what} {name}={value} at PC {pc}", pc=pc)
    is_atomic = insn.opcode & 0x07 == Class.STX and insn.opcode & 0xE0 == Mode.ATOMIC
    if is_atomic and insn.imm == LOAD_ACQ and insn.dst == FRAME_POINTER:
        raise InstructionError(f"r10 is read-only at PC {pc}", pc=pc)
    if is_atomic and insn.imm & FETCH and insn.imm != STORE_REL and insn.src == FRAME_POINTER:
        raise InstructionError(f"r10 is read-only at PC {pc}", pc=pc)


def validate(insns: Sequence[Instruction]) -> None:
    """Check a whole program: every instruction, every jump and call target, and its end.

    A program is valid when it is not empty, every instruction is well formed, every jump or
    local call lands on the first slot of an instruction inside the program, and the last
    instruction cannot fall through (it is ``exit`` or an unconditional jump).

    Raises:
        InstructionError: the first problem found, naming the PC.
    """
    if not insns:
        raise InstructionError("empty program")
    starts = set()
    pc = 0
    for insn in insns:
        starts.add(pc)
        pc += insn.width
    end = pc
    for pc, insn in iter_pcs(insns):
        check_instruction(insn, pc)
        target = insn.jump_target(pc)
        if target is not None and target not in starts:
            if 0 <= target < end:
                raise InstructionError(f"jump into the middle of lddw from insn {pc} to {target}", pc=pc)
            raise InstructionError(f"jump out of range from insn {pc} to {target}", pc=pc)
    last_pc, last = end - insns[-1].width, insns[-1]
    if last.opcode not in (EXIT, Class.JMP | JmpOp.JA, Class.JMP32 | JmpOp.JA):
        raise InstructionError(f"last insn is not an exit or jmp at PC {last_pc}", pc=last_pc)


_NONE: frozenset[int] = frozenset()
_ARGS = frozenset(range(1, 6))
_R0 = frozenset({0})

RegisterSet = frozenset[int]


def register_use(insn: Instruction) -> tuple[RegisterSet, RegisterSet, RegisterSet]:
    """The registers an instruction reads, writes, and clobbers (leaves unreadable).

    Calls read nothing here (which arguments a helper reads is its prototype's business),
    write r0 and clobber r1-r5, as the kernel's calling convention says; so do legacy packet
    loads. ``exit`` reads r0.
    """
    op, cls = insn.opcode, insn.cls
    dst, src = frozenset({insn.dst}), frozenset({insn.src})
    if cls in (Class.ALU, Class.ALU64):
        aop = op & 0xF0
        reads_src = op & Source.X and aop != AluOp.END
        return (src if reads_src else _NONE) | (_NONE if aop == AluOp.MOV else dst), dst, _NONE
    if cls in (Class.JMP, Class.JMP32):
        jop = op & 0xF0
        if jop == JmpOp.EXIT:
            return _R0, _NONE, _NONE
        if jop == JmpOp.CALL:
            return (dst if op & Source.X else _NONE), _R0, _ARGS
        if jop == JmpOp.JA or op == Class.JMP | MAY_GOTO:
            return _NONE, _NONE, _NONE
        return dst | (src if op & Source.X else _NONE), _NONE, _NONE
    if op == LDDW:
        return _NONE, dst, _NONE
    if cls == Class.LD:
        return (src if op & 0xE0 == Mode.IND else _NONE), _R0, _ARGS
    if cls == Class.LDX:
        return src, dst, _NONE
    if cls == Class.ST:
        return dst, _NONE, _NONE
    if op & 0xE0 == Mode.ATOMIC:
        if insn.imm == LOAD_ACQ:
            return src, dst, _NONE
        if insn.imm == STORE_REL:
            return dst | src, _NONE, _NONE
        if insn.imm == AtomicOp.CMPXCHG:
            return dst | src | _R0, _R0, _NONE
        return dst | src, (src if insn.imm & FETCH else _NONE), _NONE
    return dst | src, _NONE, _NONE
