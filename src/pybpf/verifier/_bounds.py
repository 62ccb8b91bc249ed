"""Scalar ranges: keeping a register's tnum and its four ranges consistent, the ranges of ALU
results, and what a conditional jump teaches about its operands.

Every register carries ``umin/umax`` (u64), ``smin/smax`` (s64), ``u32min/u32max`` and
``s32min/s32max`` (its low half) and a tnum. Each kind of range catches what the others miss;
:func:`sync` lets them refine one another the way the kernel's ``reg_bounds_sync`` does.
Results that could wrap become unbounded, so every range holds every value a path can produce.
"""

from __future__ import annotations

from collections.abc import Callable

from ._state import S32_MAX, S32_MIN, S64_MAX, S64_MIN, Reg
from ._tnum import MASK32, MASK64, Tnum, tnum_const, tnum_range

__all__ = ["add_const", "alu_scalar", "branch_taken", "refine", "sync"]


def s64(u: int) -> int:
    u &= MASK64
    return u - (1 << 64) if u >> 63 else u


def s32(u: int) -> int:
    u &= MASK32
    return u - (1 << 32) if u >> 31 else u


def _update_bounds(r: Reg) -> None:
    t = r.var_off
    sub = t.value & MASK32, t.mask & MASK32
    r.s32min = max(r.s32min, s32(sub[0] | (sub[1] & 0x8000_0000)))
    r.s32max = min(r.s32max, s32(sub[0] | (sub[1] & 0x7FFF_FFFF)))
    r.u32min = max(r.u32min, sub[0])
    r.u32max = min(r.u32max, sub[0] | sub[1])
    r.smin = max(r.smin, s64(t.value | (t.mask & (1 << 63))))
    r.smax = min(r.smax, s64(t.value | (t.mask & S64_MAX)))
    r.umin = max(r.umin, t.value)
    r.umax = min(r.umax, t.value | t.mask)


def _deduce32(r: Reg) -> None:
    if r.umin >> 32 == r.umax >> 32:
        r.u32min = max(r.u32min, r.umin & MASK32)
        r.u32max = min(r.u32max, r.umax & MASK32)
        if s32(r.umin) <= s32(r.umax):
            r.s32min = max(r.s32min, s32(r.umin))
            r.s32max = min(r.s32max, s32(r.umax))
    if r.smin >> 32 == r.smax >> 32:
        if (r.smin & MASK32) <= (r.smax & MASK32):
            r.u32min = max(r.u32min, r.smin & MASK32)
            r.u32max = min(r.u32max, r.smax & MASK32)
        if s32(r.smin) <= s32(r.smax):
            r.s32min = max(r.s32min, s32(r.smin))
            r.s32max = min(r.s32max, s32(r.smax))
    # upper halves two consecutive numbers while the low halves go from negative to
    # non-negative: the low halves still form one s32 range (s64 [-1, 1] gives s32 [-1, 1])
    for lo, hi in ((r.umin, r.umax), (r.smin & MASK64, r.smax & MASK64)):
        if ((lo >> 32) + 1) & MASK32 == (hi >> 32) & MASK32 and s32(lo) < 0 <= s32(hi):
            r.s32min = max(r.s32min, s32(lo))
            r.s32max = min(r.s32max, s32(hi))
    if s32(r.u32min) <= s32(r.u32max):
        r.s32min = max(r.s32min, s32(r.u32min))
        r.s32max = min(r.s32max, s32(r.u32max))
    if (r.s32min & MASK32) <= (r.s32max & MASK32):
        r.u32min = max(r.u32min, r.s32min & MASK32)
        r.u32max = min(r.u32max, r.s32max & MASK32)
    elif r.u32max < (r.s32min & MASK32):
        # the s32 range wraps past -1 but the u32 range ends below its negative part: only the
        # non-negative part of the signed range is possible
        r.s32min = s32(r.u32min)
        r.u32max = min(r.u32max, r.s32max)
    elif (r.s32max & MASK32) < r.u32min:
        # ... or the u32 range starts above its non-negative part: only the negative part is
        r.s32max = s32(r.u32max)
        r.u32min = max(r.u32min, r.s32min & MASK32)


def _deduce64(r: Reg) -> None:
    if s64(r.umin) <= s64(r.umax):
        r.smin = max(r.smin, s64(r.umin))
        r.smax = min(r.smax, s64(r.umax))
    if (r.smin & MASK64) <= (r.smax & MASK64):
        r.umin = max(r.umin, r.smin & MASK64)
        r.umax = min(r.umax, r.smax & MASK64)
    elif r.umax < (r.smin & MASK64):
        # only the non-negative part of the signed range is possible
        r.smin = s64(r.umin)
        r.umax = min(r.umax, r.smax & MASK64)
    elif (r.smax & MASK64) < r.umin:
        r.smax = s64(r.umax)
        r.umin = max(r.umin, r.smin & MASK64)


def _deduce_mixed(r: Reg) -> None:
    hi = ~MASK32 & MASK64
    new_umin = (r.umin & hi) | r.u32min
    new_umax = (r.umax & hi) | r.u32max
    r.umin = max(r.umin, new_umin)
    r.umax = min(r.umax, new_umax)
    new_smin = s64((r.smin & hi) | r.u32min)
    new_smax = s64((r.smax & hi) | r.u32max)
    r.smin = max(r.smin, new_smin)
    r.smax = min(r.smax, new_smax)
    if r.s32min >= 0 and r.smin >= S32_MIN and r.smax <= S32_MAX:
        r.smin = max(r.smin, r.s32min)
        r.smax = min(r.smax, r.s32max)
        r.umin = max(r.umin, r.s32min)
        r.umax = min(r.umax, r.s32max)


def _bound_offset(r: Reg) -> None:
    t64 = r.var_off.intersect(tnum_range(r.umin, r.umax))
    t32 = t64.subreg().intersect(tnum_range(r.u32min, r.u32max))
    r.var_off = t64.with_subreg(t32)


#: what :func:`sync` made of each shape it met: a function of the tnum and the eight bounds
#: alone, and verification meets the same few shapes over and over (loop counters, masks)
_SYNCED: dict[tuple[int, ...], tuple[bool, Tnum, int, int, int, int, int, int, int, int]] = {}
_SYNCED_MAX = 1 << 16


def sync(r: Reg) -> bool:
    """Let tnum and ranges refine each other; False when they contradict (no value fits)."""
    t = r.var_off
    key = (t.value, t.mask, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min, r.u32max)
    done = _SYNCED.get(key)
    if done is None:
        ok = _sync(r)
        if len(_SYNCED) >= _SYNCED_MAX:
            _SYNCED.clear()
        _SYNCED[key] = (ok, r.var_off, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min,
                        r.u32max)
        return ok
    ok, r.var_off, r.smin, r.smax, r.umin, r.umax, r.s32min, r.s32max, r.u32min, r.u32max = done
    return ok


def _sync(r: Reg) -> bool:
    _update_bounds(r)
    if r.var_off.mask == 0:
        ok = r.umin <= r.umax and r.smin <= r.smax and r.u32min <= r.u32max and r.s32min <= r.s32max
        r.set_var_known(r.var_off.value)
        return ok
    for _ in range(2):
        _deduce32(r)
        _deduce64(r)
        _deduce_mixed(r)
    _bound_offset(r)
    _update_bounds(r)
    return (r.umin <= r.umax and r.smin <= r.smax and r.u32min <= r.u32max and r.s32min <= r.s32max
            and r.var_off.value <= r.umax and (r.var_off.value | r.var_off.mask) >= r.umin)


def _unbound64(r: Reg) -> None:
    r.smin, r.smax, r.umin, r.umax = S64_MIN, S64_MAX, 0, MASK64


def _unbound32(r: Reg) -> None:
    r.s32min, r.s32max, r.u32min, r.u32max = S32_MIN, S32_MAX, 0, MASK32


def zext32(r: Reg) -> None:
    """The result of a 32-bit operation: the upper half becomes zero."""
    r.var_off = r.var_off.subreg()
    r.umin, r.umax = r.u32min, r.u32max
    r.smin, r.smax = r.u32min, r.u32max


def _range_op(op: Callable[[int, int], int], a: tuple[int, int], b: tuple[int, int],
              lo: int, hi: int) -> tuple[int, int] | None:
    """The range of ``op`` over two ranges when it is monotonic in both and cannot leave
    ``[lo, hi]`` (else None)."""
    first, second = op(a[0], b[0]), op(a[1], b[1])
    if not (lo <= first <= hi and lo <= second <= hi):
        return None
    return first, second


def _add_sub(d: Reg, s: Reg, sub: bool, bits: int) -> None:
    if bits == 64:
        lim_s, lim_u = (S64_MIN, S64_MAX), (0, MASK64)
        sd, ss, ud, us = (d.smin, d.smax), (s.smin, s.smax), (d.umin, d.umax), (s.umin, s.umax)
    else:
        lim_s, lim_u = (S32_MIN, S32_MAX), (0, MASK32)
        sd, ss, ud, us = (d.s32min, d.s32max), (s.s32min, s.s32max), (d.u32min, d.u32max), (s.u32min, s.u32max)
    if sub:
        srange = _range_op(lambda x, y: x - y, sd, (ss[1], ss[0]), *lim_s)
        urange = _range_op(lambda x, y: x - y, ud, (us[1], us[0]), *lim_u)
    else:
        srange = _range_op(lambda x, y: x + y, sd, ss, *lim_s)
        urange = _range_op(lambda x, y: x + y, ud, us, *lim_u)
    srange = srange or lim_s
    urange = urange or lim_u
    if bits == 64:
        d.smin, d.smax = srange
        d.umin, d.umax = urange
    else:
        d.s32min, d.s32max = srange
        d.u32min, d.u32max = urange


def _mul(d: Reg, s: Reg, bits: int) -> None:
    if bits == 64:
        lim_s, umax_all = (S64_MIN, S64_MAX), MASK64
        sd, ss, ud, us = (d.smin, d.smax), (s.smin, s.smax), (d.umin, d.umax), (s.umin, s.umax)
    else:
        lim_s, umax_all = (S32_MIN, S32_MAX), MASK32
        sd, ss, ud, us = (d.s32min, d.s32max), (s.s32min, s.s32max), (d.u32min, d.u32max), (s.u32min, s.u32max)
    products = [x * y for x in sd for y in ss]
    srange = (min(products), max(products))
    if srange[0] < lim_s[0] or srange[1] > lim_s[1]:
        srange = lim_s
    urange = (ud[0] * us[0], ud[1] * us[1])
    if urange[1] > umax_all:
        urange = (0, umax_all)
    if bits == 64:
        d.smin, d.smax = srange
        d.umin, d.umax = urange
    else:
        d.s32min, d.s32max = srange
        d.u32min, d.u32max = urange


def _from_tnum(d: Reg, bits: int) -> None:
    """Ranges known only through the tnum (bitwise results): sync derives the rest."""
    if bits == 64:
        _unbound64(d)
    _unbound32(d)


_BITWISE = {
    0x50: Tnum.and_,  # AND
    0x40: Tnum.or_,  # OR
    0xA0: Tnum.xor,  # XOR
}


def _bitwise(op: int, d: Reg, s: Reg, bits: int) -> None:
    umax_d = d.umax if bits == 64 else d.u32max
    umax_s = s.umax if bits == 64 else s.u32max
    umin_d = d.umin if bits == 64 else d.u32min
    umin_s = s.umin if bits == 64 else s.u32min
    d.var_off = _BITWISE[op](d.var_off, s.var_off)
    _from_tnum(d, bits)
    t = d.var_off if bits == 64 else d.var_off.subreg()
    umin, umax = t.value, t.value | t.mask
    if op == 0x50:
        umax = min(umax, umax_d, umax_s)
    elif op == 0x40:
        umin = max(umin, umin_d, umin_s)
    if bits == 64:
        d.umin, d.umax = umin, umax
    else:
        d.u32min, d.u32max = umin, umax


def _shift(op: int, d: Reg, amount: int, bits: int) -> None:
    """Shifts by a known amount: the tnum shifts, and so does the one range that stays ordered
    (unsigned for logical shifts, signed for the arithmetic one)."""
    t = d.var_off if bits == 64 else d.var_off.subreg()
    umin, umax = (d.umin, d.umax) if bits == 64 else (d.u32min, d.u32max)
    smin, smax = (d.smin, d.smax) if bits == 64 else (d.s32min, d.s32max)
    s32min, s32max = d.s32min, d.s32max
    bounds: tuple[str, int, int] | None
    if op == 0x60:  # LSH: nothing is known when the top bit may be shifted out
        t = t.lshift(amount)
        bounds = ("u", umin << amount, umax << amount) if umax <= 1 << (bits - 1 - amount) else None
    elif op == 0x70:  # RSH
        t = t.rshift(amount)
        bounds = ("u", umin >> amount, umax >> amount)
    else:  # ARSH
        t = t.arshift(amount, bits)
        bounds = ("s", smin >> amount, smax >> amount)
    d.var_off = t if bits == 64 else t.subreg()
    if bits == 64:
        _unbound64(d)
    _unbound32(d)
    if bounds is not None:
        _set_range(d, bounds[0], bits, bounds[1], bounds[2])
    if op == 0x60 and bits == 64 and amount == 32:
        # ``<<= 32; s>>= 32`` sign-extends a subregister: non-negative 32-bit bounds carry over
        if s32max >= 0:
            d.smax = s32max << 32
        if s32min >= 0:
            d.smin = s32min << 32


def _set_range(d: Reg, kind: str, bits: int, lo: int, hi: int) -> None:
    if kind == "u":
        if bits == 64:
            d.umin, d.umax = lo, hi
        else:
            d.u32min, d.u32max = lo, hi
    elif bits == 64:
        d.smin, d.smax = lo, hi
    else:
        d.s32min, d.s32max = lo, hi


def alu_scalar(op: int, d: Reg, s: Reg, bits: int, off: int) -> None:
    """Apply scalar ALU ``op`` (the opcode's operation bits) to ``d`` in place, with source
    ``s``; ``bits`` is 64 or 32. The caller has checked shift amounts; division and modulo
    never come here (the kernel tracks no range for them)."""
    if op in (0x00, 0x10):  # ADD, SUB
        d.var_off = d.var_off.sub(s.var_off) if op == 0x10 else d.var_off.add(s.var_off)
        if bits == 32:
            d.var_off = d.var_off.subreg()
        _add_sub(d, s, op == 0x10, 32)
        if bits == 64:
            _add_sub(d, s, op == 0x10, 64)
    elif op == 0x20:  # MUL
        d.var_off = d.var_off.mul(s.var_off)
        if bits == 32:
            d.var_off = d.var_off.subreg()
        _mul(d, s, 32)
        if bits == 64:
            _mul(d, s, 64)
    elif op in _BITWISE:
        _bitwise(op, d, s, bits)
    elif op in (0x60, 0x70, 0xC0):
        _shift(op, d, s.var_off.value, bits)
    if bits == 32:
        _unbound64(d)
        d.var_off = d.var_off.subreg()
        sync(d)
        zext32(d)
    sync(d)


def add_const(d: Reg, delta: int) -> None:
    """``d += delta`` on the ranges and the tnum, without deducing one from the other (how
    the kernel moves a linked register by its offset)."""
    k = Reg()
    k.set_known(delta & MASK64)
    _add_sub(d, k, False, 32)
    _add_sub(d, k, False, 64)
    d.var_off = d.var_off.add(k.var_off)


# -- conditional jumps -------------------------------------------------------------------------

JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, JLT, JLE, JSLT, JSLE = (
    0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xA0, 0xB0, 0xC0, 0xD0,
)
#: the condition that holds on the fall-through side (JSET's negation is "no bit set": -JSET)
NEGATE = {JEQ: JNE, JNE: JEQ, JGT: JLE, JLE: JGT, JGE: JLT, JLT: JGE, JSGT: JSLE, JSLE: JSGT,
          JSGE: JSLT, JSLT: JSGE, JSET: -JSET, -JSET: JSET}
#: the same condition with the operands swapped
SWAP = {JEQ: JEQ, JNE: JNE, JGT: JLT, JLT: JGT, JGE: JLE, JLE: JGE, JSGT: JSLT, JSLT: JSGT,
        JSGE: JSLE, JSLE: JSGE, JSET: JSET, -JSET: -JSET}


def _view(r: Reg, bits: int) -> tuple[int, int, int, int, Tnum]:
    if bits == 64:
        return r.umin, r.umax, r.smin, r.smax, r.var_off
    return r.u32min, r.u32max, r.s32min, r.s32max, r.var_off.subreg()


def branch_taken(a: Reg, b: Reg, op: int, bits: int) -> int:
    """1 when ``a op b`` holds on every path, 0 when never, -1 when it depends."""
    aumin, aumax, asmin, asmax, at = _view(a, bits)
    bumin, bumax, bsmin, bsmax, bt = _view(b, bits)
    if op == JEQ or op == JNE:
        if at.is_const and bt.is_const:
            eq = at.value == bt.value
            return int(eq) if op == JEQ else int(not eq)
        disjoint = (aumin > bumax or aumax < bumin or asmin > bsmax or asmax < bsmin
                    or not at.overlaps(bt))
        if disjoint:
            return 0 if op == JEQ else 1
        return -1
    if op == JSET or op == -JSET:
        res = -1
        if at.value & bt.value:
            res = 1
        elif not (at.umax & bt.umax):
            res = 0
        return res if op == JSET or res < 0 else 1 - res
    tests = {
        JGT: (aumin > bumax, aumax <= bumin), JGE: (aumin >= bumax, aumax < bumin),
        JLT: (aumax < bumin, aumin >= bumax), JLE: (aumax <= bumin, aumin > bumax),
        JSGT: (asmin > bsmax, asmax <= bsmin), JSGE: (asmin >= bsmax, asmax < bsmin),
        JSLT: (asmax < bsmin, asmin >= bsmax), JSLE: (asmax <= bsmin, asmin > bsmax),
    }
    always, never = tests[op]
    return 1 if always else 0 if never else -1


def refine(a: Reg, b: Reg, op: int, bits: int) -> bool:
    """Narrow ``a`` and ``b`` (fresh copies, changed in place) given that ``a op b`` holds.
    Returns False when that is impossible."""
    if op == JEQ:
        if bits == 64:
            umin, umax = max(a.umin, b.umin), min(a.umax, b.umax)
            smin, smax = max(a.smin, b.smin), min(a.smax, b.smax)
            t = a.var_off.intersect(b.var_off)
            for r in (a, b):
                r.umin, r.umax, r.smin, r.smax, r.var_off = umin, umax, smin, smax, t
        else:
            umin, umax = max(a.u32min, b.u32min), min(a.u32max, b.u32max)
            smin, smax = max(a.s32min, b.s32min), min(a.s32max, b.s32max)
            t = a.var_off.subreg().intersect(b.var_off.subreg())
            for r in (a, b):
                r.u32min, r.u32max, r.s32min, r.s32max = umin, umax, smin, smax
                r.var_off = r.var_off.with_subreg(t)
    elif op == JNE:
        for x, y in ((a, b), (b, a)):
            yt = y.var_off if bits == 64 else y.var_off.subreg()
            if not yt.is_const:
                continue
            v = yt.value
            if bits == 64:
                if x.umin == v:
                    x.umin += 1
                if x.umax == v:
                    x.umax -= 1
                if x.smin == s64(v):
                    x.smin += 1
                if x.smax == s64(v):
                    x.smax -= 1
            else:
                if x.u32min == v:
                    x.u32min += 1
                if x.u32max == v:
                    x.u32max -= 1
                if x.s32min == s32(v):
                    x.s32min += 1
                if x.s32max == s32(v):
                    x.s32max -= 1
    elif op == JSET or op == -JSET:
        bt = b.var_off if bits == 64 else b.var_off.subreg()
        if bt.is_const:
            v = bt.value
            if op == -JSET:
                keep = ~v & (MASK64 if bits == 64 else MASK32)
                if bits == 32:
                    keep |= ~MASK32 & MASK64
                a.var_off = a.var_off.and_(tnum_const(keep))
            elif v and v & (v - 1) == 0:
                a.var_off = a.var_off.or_(tnum_const(v))
    elif op in (JLT, JLE, JSLT, JSLE):
        return refine(b, a, SWAP[op], bits)
    else:
        strict = op in (JGT, JSGT)
        if op in (JGT, JGE):
            if bits == 64:
                a.umin = max(a.umin, b.umin + strict)
                b.umax = min(b.umax, a.umax - strict)
            else:
                a.u32min = max(a.u32min, b.u32min + strict)
                b.u32max = min(b.u32max, a.u32max - strict)
        elif bits == 64:
            a.smin = max(a.smin, b.smin + strict)
            b.smax = min(b.smax, a.smax - strict)
        else:
            a.s32min = max(a.s32min, b.s32min + strict)
            b.s32max = min(b.s32max, a.s32max - strict)
    ok_a = sync(a)
    ok_b = sync(b)
    return ok_a and ok_b
