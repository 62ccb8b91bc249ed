"""The static rules of BPF exceptions (``bpf_throw``): the exception callback a program names
with a ``exception_callback:<name>`` BTF declaration tag on its main function, and where
``bpf_throw`` may not be called.

The kernel finds the callback before anything else (``bpf_find_exception_callback_insn_off``)
among the functions of the program's func_info. libbpf 1.1 (the one the recorded kernel was
driven by) adds to a program only the subprograms it calls or takes the address of, so a
callback named only by its tag is not there: the kernel then refuses the program. After the
paths, the walk over the call chains (``check_max_stack_depth``) refuses a direct call of the
callback, and a ``bpf_throw`` reached from a callback (exceptions unwind only the program's
own frames, never a helper's that called back into it).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ..btf import DeclTag, Func, Linkage
from ..btf import Spec as BtfSpec
from ._cfg import CallbackKind, CallSite, Structure, refuse

__all__ = ["check_throw_sites", "find_exception_callback"]

_TAG = "exception_callback:"


def find_exception_callback(btf: BtfSpec | None, main: Func | None, funcs: Mapping[int, Func]) -> int | None:
    """The entry PC of the exception callback the main function ``main`` names, None when it
    names none; ``funcs`` are the program's functions with func_info, by entry PC.

    Raises:
        VerifierError: two tags, a name no global BTF function has, or a function that is not
            part of the program.
    """
    if btf is None or main is None:
        return None
    names = [t.name[len(_TAG):] for t in btf
             if isinstance(t, DeclTag) and t.type == main.id and t.component_idx == -1 and t.name.startswith(_TAG)]
    if not names:
        return None
    if len(names) > 1:
        raise refuse("multiple exception callback tags for main subprog")
    name = names[0]
    found = btf.types_by_name(name, Func)
    if not found:
        raise refuse(f"exception callback '{name}' could not be found in BTF")
    if found[0].linkage != Linkage.GLOBAL:
        raise refuse(f"exception callback '{name}' must have global linkage")
    starts = [pc for pc, func in funcs.items() if func.id == found[0].id]
    if not starts:
        raise refuse("exception callback type id not found in func_info")
    if starts[0] == 0:
        raise refuse("invalid exception callback insn_off in func_info: 0")
    return starts[0]


def check_throw_sites(structure: Structure, throws: Collection[int], exception_cb: int | None) -> None:
    """Walk the call chains as the kernel's stack depth check does (each root, then its
    instructions in PC order, entering each call, and a synchronous callback's address, where
    it stands) and refuse the first direct call of the exception callback, or ``bpf_throw``
    (at the PCs ``throws``) in a callback or below one.

    Raises:
        VerifierError: ``insn N cannot call exception cb directly`` or ``bpf_throw kfunc (insn
            N) cannot be called from callback subprog M``.
    """
    walk = _Walk(structure, throws, exception_cb)
    for sub in reversed(structure.subprograms):
        if sub.index == 0 or sub.callback == CallbackKind.ASYNC:
            walk.enter(sub.index, sub.callback is not None)


class _Walk:
    def __init__(self, structure: Structure, throws: Collection[int], exception_cb: int | None) -> None:
        self.structure, self.exception_cb = structure, exception_cb
        self.throws = sorted(throws)
        self.seen: set[tuple[int, bool]] = set()  # a second visit finds nothing the first did not

    def enter(self, index: int, in_cb: bool) -> None:
        if (index, in_cb) in self.seen:
            return
        self.seen.add((index, in_cb))
        subs = self.structure.subprograms
        sub = subs[index]
        events: list[tuple[int, CallSite | None]] = [(pc, None) for pc in self.throws if sub.start <= pc < sub.end and in_cb]
        events += [(site.pc, site) for site in self.structure.callees(index)]
        for pc, site in sorted(events, key=lambda e: e[0]):
            if site is None:
                raise refuse(f"bpf_throw kfunc (insn {pc}) cannot be called from callback subprog {index}")
            callee = subs[site.callee]
            if site.is_address and callee.callback == CallbackKind.ASYNC:
                continue
            if not site.is_address and callee.start == self.exception_cb:
                raise refuse(f"insn {pc} cannot call exception cb directly")
            self.enter(site.callee, in_cb or callee.callback is not None)
