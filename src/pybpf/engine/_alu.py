"""The semantics of every arithmetic and jump operation, as one line of Python each.

The interpreter turns a program into Python source once, so each operation is a template over
register names (``{d}``, ``{s}``) rather than a function called per instruction. Registers hold
unsigned 64-bit ints; every template keeps that invariant. 32-bit operations read the low half
of their operands and zero-extend their result, as RFC 9669 section 4.1 requires.

Edge cases (RFC 9669 section 4.1), handled in place:
- division by zero gives 0; modulo by zero leaves the destination unchanged (ALU64) or keeps
  its low 32 bits (ALU);
- signed ``INT_MIN / -1`` wraps to ``INT_MIN`` and ``INT_MIN % -1`` is 0;
- shift amounts are masked to the operand width (63 or 31);
- byte swaps read only the low 16/32/64 bits, truncating the rest.
"""

from __future__ import annotations

from ..isa import AluOp, JmpOp

__all__ = [
    "ALU32",
    "ALU64",
    "CONDITIONS",
    "M32",
    "M64",
    "RUNTIME_FUNCTIONS",
    "S32",
    "S64",
]

M64 = 0xFFFF_FFFF_FFFF_FFFF
M32 = 0xFFFF_FFFF
S64 = 0x8000_0000_0000_0000
S32 = 0x8000_0000


def sdiv64(a: int, b: int) -> int:
    """Signed 64-bit division truncating toward zero; by zero gives 0."""
    if not b:
        return 0
    a, b = (a ^ S64) - S64, (b ^ S64) - S64
    q = abs(a) // abs(b)
    return (q if (a < 0) == (b < 0) else -q) & M64


def smod64(a: int, b: int) -> int:
    """Signed 64-bit remainder with the sign of the dividend; by zero leaves ``a``."""
    if not b:
        return a
    a, b = (a ^ S64) - S64, (b ^ S64) - S64
    r = abs(a) % abs(b)
    return (r if a >= 0 else -r) & M64


def sdiv32(a: int, b: int) -> int:
    """Signed 32-bit division truncating toward zero; by zero gives 0."""
    a, b = ((a & M32) ^ S32) - S32, ((b & M32) ^ S32) - S32
    if not b:
        return 0
    q = abs(a) // abs(b)
    return (q if (a < 0) == (b < 0) else -q) & M32


def smod32(a: int, b: int) -> int:
    """Signed 32-bit remainder with the sign of the dividend; by zero keeps ``a``'s low half."""
    a, b = ((a & M32) ^ S32) - S32, ((b & M32) ^ S32) - S32
    if not b:
        return a & M32
    r = abs(a) % abs(b)
    return (r if a >= 0 else -r) & M32


def bswap16(v: int) -> int:
    """Swap the two low bytes; the upper 48 bits are dropped."""
    return ((v & 0xFF) << 8) | ((v >> 8) & 0xFF)


def bswap32(v: int) -> int:
    """Reverse the four low bytes; the upper 32 bits are dropped."""
    return int.from_bytes((v & M32).to_bytes(4, "little"), "big")


def bswap64(v: int) -> int:
    """Reverse all eight bytes."""
    return int.from_bytes(v.to_bytes(8, "little"), "big")


#: Names the generated code may use, bound into its namespace.
RUNTIME_FUNCTIONS = {
    "M64": M64,
    "M32": M32,
    "S64": S64,
    "S32": S32,
    "sdiv64": sdiv64,
    "smod64": smod64,
    "sdiv32": sdiv32,
    "smod32": smod32,
    "bswap16": bswap16,
    "bswap32": bswap32,
    "bswap64": bswap64,
}

# Keys are (operation, offset): the offset selects the v4 signed division and sign-extending
# moves. ``{s}`` is a register name or, for the K forms, a literal already sign-extended and
# masked to the operation's width.
ALU64: dict[tuple[int, int], str] = {
    (AluOp.ADD, 0): "{d} = ({d} + {s}) & M64",
    (AluOp.SUB, 0): "{d} = ({d} - {s}) & M64",
    (AluOp.MUL, 0): "{d} = ({d} * {s}) & M64",
    (AluOp.DIV, 0): "{d} = {d} // {s} if {s} else 0",
    (AluOp.DIV, 1): "{d} = sdiv64({d}, {s})",
    (AluOp.OR, 0): "{d} |= {s}",
    (AluOp.AND, 0): "{d} &= {s}",
    (AluOp.LSH, 0): "{d} = ({d} << ({s} & 63)) & M64",
    (AluOp.RSH, 0): "{d} >>= {s} & 63",
    (AluOp.NEG, 0): "{d} = -{d} & M64",
    (AluOp.MOD, 0): "{d} = {d} % {s} if {s} else {d}",
    (AluOp.MOD, 1): "{d} = smod64({d}, {s})",
    (AluOp.XOR, 0): "{d} ^= {s}",
    (AluOp.MOV, 0): "{d} = {s}",
    (AluOp.MOV, 8): "{d} = ((({s} & 0xFF) ^ 0x80) - 0x80) & M64",
    (AluOp.MOV, 16): "{d} = ((({s} & 0xFFFF) ^ 0x8000) - 0x8000) & M64",
    (AluOp.MOV, 32): "{d} = ((({s} & M32) ^ S32) - S32) & M64",
    (AluOp.ARSH, 0): "{d} = ((({d} ^ S64) - S64) >> ({s} & 63)) & M64",
}

ALU32: dict[tuple[int, int], str] = {
    (AluOp.ADD, 0): "{d} = ({d} + {s}) & M32",
    (AluOp.SUB, 0): "{d} = ({d} - {s}) & M32",
    (AluOp.MUL, 0): "{d} = ({d} * {s}) & M32",
    (AluOp.DIV, 0): "{d} = ({d} & M32) // ({s} & M32) if {s} & M32 else 0",
    (AluOp.DIV, 1): "{d} = sdiv32({d}, {s})",
    (AluOp.OR, 0): "{d} = ({d} | {s}) & M32",
    (AluOp.AND, 0): "{d} = {d} & {s} & M32",
    (AluOp.LSH, 0): "{d} = ({d} << ({s} & 31)) & M32",
    (AluOp.RSH, 0): "{d} = ({d} & M32) >> ({s} & 31)",
    (AluOp.NEG, 0): "{d} = -{d} & M32",
    (AluOp.MOD, 0): "{d} = ({d} & M32) % ({s} & M32) if {s} & M32 else {d} & M32",
    (AluOp.MOD, 1): "{d} = smod32({d}, {s})",
    (AluOp.XOR, 0): "{d} = ({d} ^ {s}) & M32",
    (AluOp.MOV, 0): "{d} = {s} & M32",
    (AluOp.MOV, 8): "{d} = ((({s} & 0xFF) ^ 0x80) - 0x80) & M32",
    (AluOp.MOV, 16): "{d} = ((({s} & 0xFFFF) ^ 0x8000) - 0x8000) & M32",
    (AluOp.ARSH, 0): "{d} = (((({d} & M32) ^ S32) - S32) >> ({s} & 31)) & M32",
}

# Byte-order operations by (opcode, width). "to little-endian" only truncates: pybpf always
# runs a little-endian BPF machine, whatever the host.
END: dict[tuple[int, int], str] = {
    (0xD4, 16): "{d} &= 0xFFFF",
    (0xD4, 32): "{d} &= M32",
    (0xD4, 64): "pass",
    (0xDC, 16): "{d} = bswap16({d})",
    (0xDC, 32): "{d} = bswap32({d})",
    (0xDC, 64): "{d} = bswap64({d})",
    (0xD7, 16): "{d} = bswap16({d})",
    (0xD7, 32): "{d} = bswap32({d})",
    (0xD7, 64): "{d} = bswap64({d})",
}

# Jump conditions over ``{a}`` and ``{b}`` (unsigned, already of the compared width) and
# ``{sa}``/``{sb}`` (the same with the sign bit flipped, which turns a signed comparison into
# an unsigned one).
CONDITIONS: dict[int, str] = {
    JmpOp.JEQ: "{a} == {b}",
    JmpOp.JNE: "{a} != {b}",
    JmpOp.JGT: "{a} > {b}",
    JmpOp.JGE: "{a} >= {b}",
    JmpOp.JLT: "{a} < {b}",
    JmpOp.JLE: "{a} <= {b}",
    JmpOp.JSET: "{a} & {b}",
    JmpOp.JSGT: "{sa} > {sb}",
    JmpOp.JSGE: "{sa} >= {sb}",
    JmpOp.JSLT: "{sa} < {sb}",
    JmpOp.JSLE: "{sa} <= {sb}",
}
