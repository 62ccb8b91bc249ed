"""The load-time rule of legacy packet loads and tail calls in subprograms: the hidden early
return of either needs a subprogram that returns an integer, which only BTF can tell."""

from __future__ import annotations

import re

import pytest

from pybpf.isa import Instruction
from pybpf.verifier import VerifierError, check_abnormal_returns, check_structure

EXIT = Instruction(0x95)
R0_1 = Instruction(0xB7, 0, 0, 0, 1)
R6_R1 = Instruction(0xBF, 6, 1)
LD_ABS_B = Instruction(0x30)  # r0 = *(u8 *)skb[0]
TAIL_CALL = Instruction(0x85, 0, 0, 0, 12)


def program(body: list[Instruction]) -> list[Instruction]:
    """A main program calling one subprogram (at PC 3) made of ``body``."""
    return [R6_R1, Instruction(0x85, 0, 1, 0, 1), EXIT, *body, R0_1, EXIT]


@pytest.mark.parametrize(
    ("body", "has_btf", "scalar", "message"),
    [
        pytest.param([R6_R1, LD_ABS_B], False, False, "LD_ABS is not allowed in subprogs without BTF", id="ld_abs.no_btf"),
        pytest.param([R6_R1, LD_ABS_B], True, False, "LD_ABS is only allowed in functions that return 'int'.",
                     id="ld_abs.not_int"),
        pytest.param([R6_R1, LD_ABS_B], True, True, None, id="ld_abs.int"),
        pytest.param([TAIL_CALL], False, False, "tail_call is not allowed in subprogs without BTF", id="tail_call.no_btf"),
        pytest.param([TAIL_CALL], True, False, "tail_call is only allowed in functions that return 'int'.",
                     id="tail_call.not_int"),
        pytest.param([TAIL_CALL], True, True, None, id="tail_call.int"),
        pytest.param([R0_1], False, False, None, id="neither"),
    ],
)
def test_subprograms_that_may_return_early_must_return_int(
        body: list[Instruction], has_btf: bool, scalar: bool, message: str | None) -> None:
    insns = program(body)
    structure = check_structure(insns)
    scalar_returns = {3} if scalar else set()
    if message is None:
        check_abnormal_returns(structure, insns, has_btf, scalar_returns)
        return
    with pytest.raises(VerifierError, match=f"^{re.escape(message)}$"):
        check_abnormal_returns(structure, insns, has_btf, scalar_returns)


def test_the_main_program_may_use_them_without_btf() -> None:
    insns = [R6_R1, LD_ABS_B, TAIL_CALL, R0_1, EXIT]
    check_abnormal_returns(check_structure(insns), insns, False, set())
