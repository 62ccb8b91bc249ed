"""Tristate numbers: what is known of each bit of a 64-bit value.

A tnum is a pair ``(value, mask)``: bits set in ``mask`` are unknown, the others equal the bits of
``value`` (which is zero wherever ``mask`` is set). The kernel's verifier tracks every scalar with
one beside its ranges; the arithmetic below keeps each result a superset of every value the
operation can produce, which is what makes the verifier sound.
"""

from __future__ import annotations

from typing import Final, final

__all__ = ["UNKNOWN", "Tnum", "tnum_const", "tnum_range"]

MASK64: Final = (1 << 64) - 1
MASK32: Final = (1 << 32) - 1


@final
class Tnum:
    """An immutable tristate number (see the module's docstring)."""

    __slots__ = ("mask", "value")

    def __init__(self, value: int, mask: int) -> None:
        self.value = value & MASK64 & ~mask
        self.mask = mask & MASK64

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tnum) and self.value == other.value and self.mask == other.mask

    def __hash__(self) -> int:
        return hash((self.value, self.mask))

    def __repr__(self) -> str:
        return f"({self.value:#x}; {self.mask:#x})"

    @property
    def is_const(self) -> bool:
        """Whether every bit is known."""
        return not self.mask

    @property
    def is_unknown(self) -> bool:
        """Whether no bit is known."""
        return self.mask == MASK64

    def contains(self, other: Tnum) -> bool:
        """Whether every value ``other`` allows is one this tnum allows (``tnum_in``)."""
        if other.mask & ~self.mask:
            return False
        return other.value & ~self.mask == self.value

    def add(self, other: Tnum) -> Tnum:
        sm = self.mask + other.mask
        sv = self.value + other.value
        chi = ((sm + sv) ^ sv) & MASK64
        mu = chi | self.mask | other.mask
        return Tnum(sv, mu)

    def sub(self, other: Tnum) -> Tnum:
        dv = self.value - other.value
        alpha = (dv + self.mask) & MASK64
        beta = (dv - other.mask) & MASK64
        mu = (alpha ^ beta) | self.mask | other.mask
        return Tnum(dv, mu)

    def neg(self) -> Tnum:
        return tnum_const(0).sub(self)

    def and_(self, other: Tnum) -> Tnum:
        alpha = self.value | self.mask
        beta = other.value | other.mask
        v = self.value & other.value
        return Tnum(v, alpha & beta & ~v)

    def or_(self, other: Tnum) -> Tnum:
        v = self.value | other.value
        return Tnum(v, (self.mask | other.mask) & ~v)

    def xor(self, other: Tnum) -> Tnum:
        return Tnum(self.value ^ other.value, self.mask | other.mask)

    def mul(self, other: Tnum) -> Tnum:
        """Multiplication, bit by bit of ``self``: known ones add ``other``'s unknown bits,
        unknown ones may add anything ``other`` may be."""
        a, b = self, other
        acc_v = (a.value * b.value) & MASK64
        acc_m = Tnum(0, 0)
        while a.value or a.mask:
            if a.value & 1:
                acc_m = acc_m.add(Tnum(0, b.mask))
            elif a.mask & 1:
                acc_m = acc_m.add(Tnum(0, b.value | b.mask))
            a = a.rshift(1)
            b = b.lshift(1)
        return Tnum(acc_v, 0).add(acc_m)

    def lshift(self, shift: int) -> Tnum:
        return Tnum(self.value << shift, self.mask << shift)

    def rshift(self, shift: int) -> Tnum:
        return Tnum(self.value >> shift, self.mask >> shift)

    def arshift(self, shift: int, bits: int) -> Tnum:
        """Arithmetic shift right of the low ``bits`` (32 or 64) bits."""
        return Tnum(_sar(self.value, shift, bits), _sar(self.mask, shift, bits))

    def intersect(self, other: Tnum) -> Tnum:
        v = self.value | other.value
        mu = self.mask & other.mask
        return Tnum(v & ~mu, mu)

    def cast(self, size: int) -> Tnum:
        """The low ``size`` bytes, zero-extended."""
        m = (1 << (size * 8)) - 1
        return Tnum(self.value & m, self.mask & m)

    def subreg(self) -> Tnum:
        """The low 32 bits."""
        return Tnum(self.value & MASK32, self.mask & MASK32)

    def clear_subreg(self) -> Tnum:
        """The high 32 bits, low half zero."""
        return Tnum(self.value & ~MASK32, self.mask & ~MASK32)

    def with_subreg(self, sub: Tnum) -> Tnum:
        """The high half of ``self`` with the low half of ``sub``."""
        return self.clear_subreg().or_(sub.subreg())

    @property
    def umax(self) -> int:
        return self.value | self.mask

    def overlaps(self, other: Tnum) -> bool:
        """Whether some value is allowed by both."""
        mu = self.mask | other.mask
        return (self.value & ~mu) == (other.value & ~mu)


def _sar(value: int, shift: int, bits: int) -> int:
    top = 1 << (bits - 1)
    full = (1 << bits) - 1
    signed = (value & full) - ((value & top) << 1)
    return (signed >> shift) & full


def tnum_const(value: int) -> Tnum:
    """A fully known value."""
    return Tnum(value, 0)


def tnum_range(lo: int, hi: int) -> Tnum:
    """The tightest tnum holding every unsigned value of ``[lo, hi]``."""
    chi = lo ^ hi
    bits = chi.bit_length()
    if bits > 63:
        return UNKNOWN
    delta = (1 << bits) - 1
    return Tnum(lo & ~delta, delta)


UNKNOWN: Final = Tnum(0, MASK64)
