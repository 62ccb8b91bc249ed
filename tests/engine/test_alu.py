"""Arithmetic semantics, edge cases first (RFC 9669 section 4.1)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.engine import Interpreter
from pybpf.isa import Instruction, assemble

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1


def run(asm: str) -> int:
    return Interpreter(assemble(asm)).run()


@pytest.mark.parametrize(
    ("asm", "want"),
    [
        pytest.param("mov %r0, 7\nmov %r1, 0\ndiv %r0, %r1", 0, id="div64-by-zero-gives-zero"),
        pytest.param("mov %r0, 7\nmov %r1, 0\nmod %r0, %r1", 7, id="mod64-by-zero-keeps-dst"),
        pytest.param("lddw %r0, 0x1ffffffff\nmov %r1, 0\nmod32 %r0, %r1", M32, id="mod32-by-zero-keeps-low-half"),
        pytest.param("lddw %r0, 0x1ffffffff\nmov %r1, 0\ndiv32 %r0, %r1", 0, id="div32-by-zero-gives-zero"),
        pytest.param("lddw %r0, 0x8000000000000000\nsdiv %r0, -1", 1 << 63, id="sdiv64-intmin-by-minus-one-wraps"),
        pytest.param("lddw %r0, 0x8000000000000000\nsmod %r0, -1", 0, id="smod64-intmin-by-minus-one-is-zero"),
        pytest.param("mov32 %r0, 0x80000000\nsdiv32 %r0, -1", 0x80000000, id="sdiv32-intmin-by-minus-one-wraps"),
        pytest.param("mov %r0, -7\nsdiv %r0, 2", (-3) & M64, id="sdiv-truncates-toward-zero"),
        pytest.param("mov %r0, -7\nsmod %r0, 2", (-1) & M64, id="smod-takes-dividend-sign"),
        pytest.param("mov %r0, 7\nsmod %r0, -2", 1, id="smod-positive-dividend"),
        pytest.param("mov %r0, -7\nmov %r1, 0\nsmod %r0, %r1", (-7) & M64, id="smod64-by-zero-keeps-dst"),
        pytest.param("mov %r0, 1\nlsh %r0, 65", 2, id="lsh64-masks-shift"),
        pytest.param("mov %r0, 1\nlsh32 %r0, 33", 2, id="lsh32-masks-shift"),
        pytest.param("mov %r0, -16\narsh %r0, 2", (-4) & M64, id="arsh64-sign-fills"),
        pytest.param("mov32 %r0, 0x80000000\narsh32 %r0, 31", M32, id="arsh32-sign-fills-and-zero-extends"),
        pytest.param("mov %r0, -1\nadd32 %r0, 1", 0, id="alu32-zero-extends"),
        pytest.param("mov %r0, -1\nmov32 %r0, %r0", M32, id="mov32-zero-extends"),
        pytest.param("mov32 %r0, 0x80000000\nneg32 %r0", 0x80000000, id="neg32-intmin"),
        pytest.param("lddw %r0, 0x1122334455667788\nbe16 %r0", 0x8877, id="be16-truncates"),
        pytest.param("lddw %r0, 0x1122334455667788\nle32 %r0", 0x55667788, id="le32-truncates"),
        pytest.param("lddw %r0, 0x1122334455667788\nbswap64 %r0", 0x8877665544332211, id="bswap64"),
        pytest.param("mov %r1, 0x80\nmovsx864 %r0, %r1", (-128) & M64, id="movsx8-to-64"),
        pytest.param("mov %r1, 0x8000\nmovsx1632 %r0, %r1", 0xFFFF8000, id="movsx16-to-32"),
        pytest.param("mov32 %r1, 0x80000000\nmovsx3264 %r0, %r1", 0xFFFFFFFF80000000, id="movsx32-to-64"),
        pytest.param("mov %r0, 0\nmov %r1, -1\ndiv %r0, %r1\nadd %r0, 5", 5, id="div64-by-all-ones"),
        pytest.param("lddw %r0, 0xffffffffffffffff\ndiv %r0, -1", 1, id="div64-imm-sign-extended"),
    ],
)
def test_alu_edge_case(asm: str, want: int, engine: Any) -> None:
    assert engine(assemble(asm + "\nexit")).run() == want


# An independent model of the ALU, written with signed Python ints rather than the engine's
# unsigned templates, to check them against each other on random operands.
def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def model(op: str, a: int, b: int, bits: int) -> int:
    mask = (1 << bits) - 1
    ua, ub = a & mask, b & mask
    sa, sb = _signed(a, bits), _signed(b, bits)
    result = {
        "add": lambda: ua + ub,
        "sub": lambda: ua - ub,
        "mul": lambda: ua * ub,
        "div": lambda: ua // ub if ub else 0,
        "mod": lambda: ua % ub if ub else ua,
        "sdiv": lambda: _trunc_div(sa, sb) if sb else 0,
        "smod": lambda: sa - _trunc_div(sa, sb) * sb if sb else ua,
        "or": lambda: ua | ub,
        "and": lambda: ua & ub,
        "xor": lambda: ua ^ ub,
        "lsh": lambda: ua << (ub % bits),
        "rsh": lambda: ua >> (ub % bits),
        "arsh": lambda: sa >> (ub % bits),
    }[op]()
    return result & mask


OPS = ["add", "sub", "mul", "div", "mod", "sdiv", "smod", "or", "and", "xor", "lsh", "rsh", "arsh"]
u64 = st.integers(0, M64) | st.sampled_from([0, 1, M64, 1 << 63, (1 << 63) - 1, M32, 1 << 31])


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(OPS), a=u64, b=u64, wide=st.booleans())
def test_alu_register_forms_match_reference_model(op: str, a: int, b: int, wide: bool) -> None:
    suffix = "" if wide else "32"
    prog = f"lddw %r0, {a:#x}\nlddw %r1, {b:#x}\n{op}{suffix} %r0, %r1\nexit"
    assert run(prog) == model(op, a, b, 64 if wide else 32)


@settings(max_examples=200, deadline=None)
@given(op=st.sampled_from(OPS), a=u64, imm=st.integers(-(1 << 31), (1 << 31) - 1), wide=st.booleans())
def test_alu_immediate_forms_sign_extend_the_immediate(op: str, a: int, imm: int, wide: bool) -> None:
    suffix = "" if wide else "32"
    prog = f"lddw %r0, {a:#x}\n{op}{suffix} %r0, {imm}\nexit"
    assert run(prog) == model(op, a, imm & M64, 64 if wide else 32)


CONDITIONS = {
    "jeq": lambda a, b, s: a == b,
    "jne": lambda a, b, s: a != b,
    "jgt": lambda a, b, s: a > b,
    "jge": lambda a, b, s: a >= b,
    "jlt": lambda a, b, s: a < b,
    "jle": lambda a, b, s: a <= b,
    "jset": lambda a, b, s: bool(a & b),
    "jsgt": lambda a, b, s: _signed(a, s) > _signed(b, s),
    "jsge": lambda a, b, s: _signed(a, s) >= _signed(b, s),
    "jslt": lambda a, b, s: _signed(a, s) < _signed(b, s),
    "jsle": lambda a, b, s: _signed(a, s) <= _signed(b, s),
}


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(sorted(CONDITIONS)), a=u64, b=u64, wide=st.booleans(), imm=st.booleans())
def test_jumps_match_reference_model(op: str, a: int, b: int, wide: bool, imm: bool) -> None:
    bits = 64 if wide else 32
    if imm:
        b = _signed(b, 32) & M64  # an immediate is sign-extended to 64 bits
        operand = str(_signed(b, 32))
    else:
        operand = "%r2"
    mnemonic = op if wide else op + "32"
    prog = f"lddw %r1, {a:#x}\nlddw %r2, {b:#x}\nmov %r0, 1\n{mnemonic} %r1, {operand}, +1\nmov %r0, 0\nexit"
    mask = (1 << bits) - 1
    assert run(prog) == int(CONDITIONS[op](a & mask, b & mask, bits))


def test_ja32_jumps_by_its_immediate() -> None:
    prog = [Instruction(0x06, imm=1), Instruction(0xB7, imm=1), Instruction(0xB7, imm=2), Instruction(0x95)]
    assert Interpreter(prog).run() == 2
