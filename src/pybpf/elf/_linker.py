"""Linking one program: appending the subprograms it uses and rewriting what points elsewhere.

The kernel loads a program as one run of instructions, so the ``.text`` functions it calls,
or whose address it takes (callbacks), are appended after it, as libbpf does
(``bpf_object__reloc_code``): depth first, each function when it is first met, then the
functions that one uses, and so on. Every program gets its own copy, at its own place.

Then each instruction with a target is rewritten in the forms :mod:`pybpf._spec` describes:
calls and ``lddw`` of a function get the distance in instructions from the next one to the
target (``lddw`` also ``src=PseudoSrc.FUNC``), map references ``src=MAP_IDX`` with the map's
index in ``map_refs``, and global-variable references ``src=MAP_IDX_VALUE`` with that index
in the low and the byte offset in the high 32 bits. Maps are numbered in the order the
program's instructions first name them. Kfunc calls get ``src=KFUNC`` and ``lddw`` of a
``__ksym`` variable ``src=BTF_ID``, both with immediate 0 for the loader to resolve.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..btf import CoreRelo
from ..isa import LDDW, CallSrc, Instruction, PseudoSrc, iter_pcs
from ._errors import ElfError
from ._relocations import DataRef, ExternRef, FuncRef, Function, MapRef, Target

__all__ = ["Linked", "link"]


@dataclass(frozen=True)
class Linked:
    """A program ready to load: its instructions, where each subprogram starts, its maps."""

    instructions: tuple[Instruction, ...]
    subprograms: Mapping[str, int]
    map_refs: tuple[str, ...]
    externs: Mapping[int, str]  #: PC -> the extern a kfunc call or ksym lddw names
    core_relos: tuple[tuple[int, CoreRelo], ...]  #: (PC, relocation), each function's at its copy
    #: each subprogram's byte offset in ``.text``, where its ``.BTF.ext`` function record is
    text_offsets: Mapping[str, int]


def link(program: Function, text: Mapping[str, Function]) -> Linked:
    """Append to ``program`` the ``.text`` functions (from ``text``, by name) it uses.

    Raises:
        ElfError: the program or a function it uses cannot be read (a malformed ``lddw``, a
            call that lands on no function); unused functions are never looked at.
    """
    layout = _layout(program, text)
    for function in layout:
        if function.defect is not None:
            raise ElfError(function.defect)
    starts: dict[str, int] = {}
    pc = 0
    for function in layout:
        starts[function.name] = pc
        pc += sum(insn.width for insn in function.insns)
    map_refs: dict[str, int] = {}
    externs: dict[int, str] = {}
    out = []
    for function in layout:
        for i, (slot, insn) in enumerate(iter_pcs(function.insns)):
            target = function.targets.get(i)
            pc = starts[function.name] + slot
            if isinstance(target, ExternRef):
                externs[pc] = target.name
            out.append(_rewrite(insn, target, pc, starts, map_refs))
    core = tuple((starts[f.name] + pc, relo) for f in layout for pc, relo in f.core_relos)
    del starts[program.name]
    offsets = {f.name: f.offset for f in layout[1:]}
    return Linked(tuple(out), starts, tuple(map_refs), externs, core, offsets)


def _layout(program: Function, text: Mapping[str, Function]) -> list[Function]:
    """The program and its subprograms in libbpf's order: depth first, by first use.

    The walk keeps its own stack, so that a long chain of calls in a hostile object cannot
    exhaust Python's.
    """
    layout = [program]
    placed = {program.name}
    stack = [_callees(program)]
    while stack:
        callee = next(stack[-1], None)
        if callee is None:
            stack.pop()
        elif callee not in placed:
            placed.add(callee)
            layout.append(text[callee])
            stack.append(_callees(text[callee]))
    return layout


def _callees(function: Function) -> Iterator[str]:
    """The functions ``function`` calls or takes the address of, in instruction order."""
    return (
        target.name for _, target in sorted(function.targets.items()) if isinstance(target, FuncRef)
    )


def _rewrite(
    insn: Instruction,
    target: Target | None,
    pc: int,
    starts: Mapping[str, int],
    map_refs: dict[str, int],
) -> Instruction:
    """The instruction at ``pc`` pointing at ``target`` in this program's terms."""
    match target:
        case FuncRef(name):
            distance = starts[name] - (pc + 1)
            if insn.opcode == LDDW:
                return dataclasses.replace(insn, src=PseudoSrc.FUNC, imm=distance & 0xFFFFFFFF)
            return dataclasses.replace(insn, imm=distance)
        case MapRef(name):
            index = map_refs.setdefault(name, len(map_refs))
            return dataclasses.replace(insn, src=PseudoSrc.MAP_IDX, imm=index)
        case DataRef(name, offset):
            index = map_refs.setdefault(name, len(map_refs))
            return dataclasses.replace(insn, src=PseudoSrc.MAP_IDX_VALUE, imm=index | offset << 32)
        case ExternRef():  # the loader puts the kfunc's id or the variable's address here
            src = PseudoSrc.BTF_ID if insn.opcode == LDDW else CallSrc.KFUNC
            return dataclasses.replace(insn, src=src, imm=0)
    return insn
