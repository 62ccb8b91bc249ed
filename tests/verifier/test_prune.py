"""State comparison (``states_equal``): what a verified state covers, in each of the kernel's
three modes, for kernel pointers, linked scalars and exact (infinite loop) comparisons."""

from __future__ import annotations

import pytest

from pybpf.verifier._log import reg_str
from pybpf.verifier._prune import EXACT, NOT_EXACT, RANGE_WITHIN, states_equal, states_maybe_looping
from pybpf.verifier._state import (
    ADD_CONST,
    NOT_INIT,
    Frame,
    Reg,
    RegType,
    State,
    scalar_known,
    scalar_unknown,
)

#: the join's PC, where only R6 and R7 are live
PC = 4
LIVE = {PC: frozenset({6, 7})}


def _state(r6: Reg, r7: Reg = NOT_INIT) -> State:
    regs = [NOT_INIT] * 11
    regs[6], regs[7] = r6, r7
    regs[10] = Reg(RegType.STACK)
    return State([Frame(regs, {}, 0, 0)])


def _task(name: str = "task_struct", btf_id: int = 17, trust: str = "trusted") -> Reg:
    r = Reg(RegType.BTF_ID)
    r.btf_name, r.btf_id, r.trust = name, btf_id, trust
    return r


def _linked(rid: int, off: int = 0) -> Reg:
    r = scalar_unknown()
    r.id, r.off = rid, off
    r.precise = True
    return r


@pytest.mark.parametrize("cur", [
    pytest.param(_task("file", 23), id="other_struct"),
    pytest.param(_task(trust="untrusted"), id="untrusted"),
    pytest.param(_task(trust="rcu"), id="rcu"),
])
def test_kernel_pointer_covers_only_same_struct_and_trust(cur: Reg) -> None:
    old = _state(_task())
    assert states_equal(old, _state(_task()), LIVE, PC)
    assert not states_equal(old, _state(cur), LIVE, PC)


def test_exact_ignores_precision() -> None:
    marked = scalar_known(5).copy()
    marked.precise = True
    assert states_equal(_state(marked), _state(scalar_known(5)), LIVE, PC, EXACT)
    assert not states_equal(_state(scalar_known(5)), _state(scalar_known(6)), LIVE, PC, EXACT)


def test_exact_maps_ids_rather_than_comparing_them() -> None:
    old = _state(_linked(3), _linked(3))
    assert states_equal(old, _state(_linked(9), _linked(9)), LIVE, PC, EXACT)
    assert not states_equal(old, _state(_linked(9), _linked(10)), LIVE, PC, EXACT)


def test_maybe_looping_compares_dead_registers_and_raw_ids() -> None:
    one, two = _state(_linked(3)), _state(_linked(3))
    two.cur.regs[2] = scalar_known(1)  # dead at the join, yet not looping
    assert not states_maybe_looping(one, two)
    assert states_maybe_looping(one, _state(_linked(3)))
    assert not states_maybe_looping(one, _state(_linked(4)))


@pytest.mark.parametrize("mode", [NOT_EXACT, RANGE_WITHIN])
def test_link_with_offset_covers_only_the_same_offset(mode: int) -> None:
    old = _state(_linked(3), _linked(3 | ADD_CONST, 4))
    assert states_equal(old, _state(_linked(5), _linked(5 | ADD_CONST, 4)), LIVE, PC, mode)
    assert not states_equal(old, _state(_linked(5), _linked(5 | ADD_CONST, 2)), LIVE, PC, mode)
    assert not states_equal(old, _state(_linked(5), _linked(5)), LIVE, PC, mode)
    # two offset copies of one register are linked through it
    assert not states_equal(old, _state(_linked(5), _linked(6 | ADD_CONST, 4)), LIVE, PC, mode)
    plain = _state(_linked(3), _linked(3))
    assert not states_equal(plain, _state(_linked(5), _linked(5 | ADD_CONST, 0)), LIVE, PC, mode)


def test_linked_scalars_print_their_offset_and_precision() -> None:
    assert reg_str(_linked(3 | ADD_CONST, -4)) == "Pscalar(id=3-4)"
    assert reg_str(_linked(3)) == "Pscalar(id=3)"
    assert reg_str(scalar_known(7)) == "7"
