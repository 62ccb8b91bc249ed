"""Programs get the subprograms they use appended, with calls and callback addresses relocated."""

from __future__ import annotations

import bisect
from collections.abc import Callable

from pybpf._spec import CollectionSpec, ProgramSpec
from pybpf.btf import Func, Linkage
from pybpf.isa import LDDW, CallSrc, Instruction, PseudoSrc, iter_pcs, validate

Load = Callable[..., CollectionSpec]
CALL = 0x85


def _edges(program: ProgramSpec) -> set[tuple[str, str, str]]:
    """(caller, callee, "call" or "addr") for every call and function address in the program."""
    starts = sorted((pc, name) for name, pc in {program.name: 0, **program.subprograms}.items())
    pcs = [pc for pc, _ in starts]
    names = {pc: name for pc, name in starts}
    edges = set()
    for pc, insn in iter_pcs(program.instructions):
        target = insn.jump_target(pc)
        is_call = insn.opcode == CALL and insn.src == CallSrc.LOCAL
        is_addr = insn.opcode == LDDW and insn.src == PseudoSrc.FUNC
        if is_call or is_addr:
            assert target in names, f"{program.name}: insn {pc} points inside a function"
            caller = starts[bisect.bisect_right(pcs, pc) - 1][1]
            edges.add((caller, names[target], "call" if is_call else "addr"))
    return edges


def test_nested_calls_append_subprograms_depth_first(load: Load) -> None:
    first = load("calls").programs["first"]
    assert list(first.subprograms) == ["global_sub", "middle", "leaf", "hidden_sub"]
    assert _edges(first) == {
        ("first", "global_sub", "call"),
        ("first", "hidden_sub", "call"),
        ("global_sub", "middle", "call"),
        ("global_sub", "leaf", "call"),
        ("middle", "leaf", "call"),
    }
    validate(first.instructions)


def test_callback_address_becomes_a_pseudo_func_load(load: Load) -> None:
    second = load("calls").programs["second"]
    assert list(second.subprograms) == ["loop_cb", "leaf", "middle"]
    assert _edges(second) == {
        ("second", "loop_cb", "addr"),
        ("loop_cb", "leaf", "call"),
        ("second", "middle", "call"),
        ("middle", "leaf", "call"),
    }
    (addr,) = [(pc, i) for pc, i in iter_pcs(second.instructions) if i.src == PseudoSrc.FUNC]
    pc, insn = addr
    assert insn.imm >> 32 == 0  # the distance sits in the low half, like the kernel's
    assert pc + 1 + insn.imm == second.subprograms["loop_cb"]
    validate(second.instructions)


def _body(program: ProgramSpec, name: str) -> list[Instruction]:
    starts = sorted({program.name: 0, **program.subprograms}.values())
    start = program.subprograms[name]
    end = next((s for s in starts if s > start), None)
    body = [
        i for pc, i in iter_pcs(program.instructions) if pc >= start and (end is None or pc < end)
    ]
    return [i if i.opcode != CALL else Instruction(CALL, src=i.src) for i in body]


def test_a_subprogram_shared_by_two_programs_is_copied_into_each(load: Load) -> None:
    programs = load("calls").programs
    for name in ("middle", "leaf"):
        assert _body(programs["first"], name) == _body(programs["second"], name)
    assert programs["first"].subprograms["middle"] != programs["second"].subprograms["middle"]
    assert programs["first"].map_refs == programs["second"].map_refs == ("calls.bss",)


def test_timer_callback_is_appended_and_referenced(load: Load) -> None:
    arm = load("timer").programs["arm"]
    assert list(arm.subprograms) == ["fire"]
    assert _edges(arm) == {("arm", "fire", "addr")}
    assert arm.map_refs == ("timers", "timer.bss")
    validate(arm.instructions)


def test_programs_without_calls_are_left_alone(load: Load) -> None:
    spec = load("maps")
    assert spec.programs["tail_a"].subprograms == {}
    mov, exit_ = spec.programs["tail_a"].instructions  # r0 = 1 (or w0 = 1); exit
    assert (mov.imm, exit_.opcode) == (1, 0x95)


def test_hidden_global_functions_become_static_in_btf(load: Load) -> None:
    btf = load("calls").btf
    assert btf is not None
    linkage = {
        name: btf.types_by_name(name, Func)[0].linkage
        for name in ("global_sub", "hidden_sub", "leaf", "first")
    }
    assert linkage == {
        "global_sub": Linkage.GLOBAL,
        "hidden_sub": Linkage.STATIC,
        "leaf": Linkage.STATIC,
        "first": Linkage.GLOBAL,
    }
