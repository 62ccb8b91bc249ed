"""Opcode constants of the BPF instruction set (RFC 9669, section 3 onwards).

An opcode byte has one of two layouts, chosen by its low three bits, the class::

    arithmetic and jumps               loads and stores
    +--------+-----+-------+           +------+------+-------+
    | op (4) | s(1)| cls(3)|           |mode 3|size 2| cls(3)|
    +--------+-----+-------+           +------+------+-------+
     7      4   3   2     0             7    5 4    3 2     0

``s`` says where the second operand comes from: ``K`` (the 32-bit immediate) or ``X`` (the source
register). Full opcodes are built by OR-ing one constant of each field, as the kernel does
(``Class.ALU64 | Source.X | AluOp.ADD`` is 0x0f).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "FETCH",
    "SIZE_BYTES",
    "AluOp",
    "AtomicOp",
    "CallSrc",
    "Class",
    "JmpOp",
    "Mode",
    "PseudoSrc",
    "Size",
    "Source",
]


class Class(IntEnum):
    """Instruction class: the low three bits of every opcode."""

    LD = 0x00  #: non-standard loads: the 64-bit immediate load and legacy packet access
    LDX = 0x01  #: load from memory into a register
    ST = 0x02  #: store an immediate into memory
    STX = 0x03  #: store a register into memory (and the atomic operations)
    ALU = 0x04  #: 32-bit arithmetic; results are zero-extended to 64 bits
    JMP = 0x05  #: 64-bit comparisons, calls and exit
    JMP32 = 0x06  #: 32-bit comparisons (and ``gotol`` with a 32-bit offset)
    ALU64 = 0x07  #: 64-bit arithmetic


class Source(IntEnum):
    """Bit 3 of arithmetic and jump opcodes: what the second operand is."""

    K = 0x00  #: the immediate
    X = 0x08  #: the source register


class AluOp(IntEnum):
    """Bits 4-7 of ALU and ALU64 opcodes."""

    ADD = 0x00
    SUB = 0x10
    MUL = 0x20
    DIV = 0x30  #: offset 1 makes it signed (``sdiv``, v4)
    OR = 0x40
    AND = 0x50
    LSH = 0x60
    RSH = 0x70
    NEG = 0x80
    MOD = 0x90  #: offset 1 makes it signed (``smod``, v4)
    XOR = 0xA0
    MOV = 0xB0  #: offset 8/16/32 sign-extends the source (``movsx``, v4)
    ARSH = 0xC0
    END = 0xD0  #: byte swaps: ALU with K = to little-endian, X = to big-endian; ALU64 K = bswap


class JmpOp(IntEnum):
    """Bits 4-7 of JMP and JMP32 opcodes."""

    JA = 0x00
    JEQ = 0x10
    JGT = 0x20
    JGE = 0x30
    JSET = 0x40
    JNE = 0x50
    JSGT = 0x60
    JSGE = 0x70
    CALL = 0x80
    EXIT = 0x90
    JLT = 0xA0
    JLE = 0xB0
    JSLT = 0xC0
    JSLE = 0xD0


class Size(IntEnum):
    """Bits 3-4 of load and store opcodes: the access width."""

    W = 0x00  #: 4 bytes
    H = 0x08  #: 2 bytes
    B = 0x10  #: 1 byte
    DW = 0x18  #: 8 bytes


SIZE_BYTES: dict[int, int] = {Size.W: 4, Size.H: 2, Size.B: 1, Size.DW: 8}


class Mode(IntEnum):
    """Bits 5-7 of load and store opcodes."""

    IMM = 0x00  #: with LD and DW: the 64-bit immediate load (two instruction slots)
    ABS = 0x20  #: legacy packet load at a constant offset
    IND = 0x40  #: legacy packet load at a register plus a constant offset
    MEM = 0x60  #: regular memory access
    MEMSX = 0x80  #: sign-extending load (v4)
    ATOMIC = 0xC0  #: atomic read-modify-write, with STX and W or DW


class AtomicOp(IntEnum):
    """The immediate of an atomic instruction: an ALU operation, maybe with :data:`FETCH`."""

    ADD = 0x00
    OR = 0x40
    AND = 0x50
    XOR = 0xA0
    XCHG = 0xE1  #: always fetches
    CMPXCHG = 0xF1  #: always fetches; compares with r0


FETCH = 0x01  #: atomic modifier: put the old memory value in the source register


class PseudoSrc(IntEnum):
    """The source register field of the 64-bit immediate load: what the immediate means."""

    IMM64 = 0  #: a plain 64-bit constant
    MAP_FD = 1  #: the address of the map with this file descriptor
    MAP_VALUE = 2  #: the address of a map's value plus the second immediate
    BTF_ID = 3  #: the address of a kernel variable
    FUNC = 4  #: the address of a subprogram (instruction offset in the immediate)
    MAP_IDX = 5  #: like MAP_FD, by index in the program's map table
    MAP_IDX_VALUE = 6  #: like MAP_VALUE, by index


class CallSrc(IntEnum):
    """The source register field of ``call``: what the immediate names."""

    HELPER = 0  #: a helper function by its static id
    LOCAL = 1  #: a BPF subprogram, the immediate being the relative offset
    KFUNC = 2  #: a kernel function by BTF id
