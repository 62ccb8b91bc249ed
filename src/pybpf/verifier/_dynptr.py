"""Dynptrs: a ``struct bpf_dynptr`` is 16 bytes of stack whose two slots the verifier marks as
a dynptr of one type (``STACK_DYNPTR``), so the program can never read or forge one.

A constructor (``bpf_dynptr_from_mem``, ``bpf_ringbuf_reserve_dynptr``, the
``bpf_dynptr_from_skb``/``_xdp`` kfuncs, ``bpf_dynptr_clone``) takes an uninitialised dynptr;
every other user wants an initialised one. A ring-buffer dynptr is a reference: it must be
submitted or discarded (which frees every clone and slice of it) and may not be overwritten;
a store over any other dynptr destroys it, and its writable slices. The kernel's ``process_dynptr_func``,
``mark_stack_slots_dynptr``, ``destroy_if_dynptr_stack_slot`` and
``unmark_stack_slots_dynptr``, with their messages.
"""

from __future__ import annotations

from typing import Final

from ._env import Env, Refuse
from ._log import type_str
from ._state import Ref, Reg, RegType, Slot, State, scalar_unknown

__all__ = [
    "CONST_DYNPTR", "DYNPTR_BYTE", "PACKET_SLICE", "check_dynptr_arg", "check_dynptr_release", "destroy_dynptrs", "dynptr_at",
    "refuse_helper_write",
]

#: the byte kind of a stack slot that is half of a dynptr (``STACK_DYNPTR``)
DYNPTR_BYTE: Final = "d"
#: the ``btf_name`` of a slice (a ``mem`` register) of an skb or xdp dynptr: it points into the
#: packet, so a helper that may move the packet invalidates it as it does packet pointers
PACKET_SLICE: Final = "packet slice"
#: what ``btf_name`` says of a register that is a ``CONST_PTR_TO_DYNPTR`` (the dynptr a user
#: ring buffer's drain callback gets): initialised, of type local, never the program's to change
CONST_DYNPTR: Final = "const bpf_dynptr"
#: the dynptr types whose dynptrs hold a reference (``dynptr_type_refcounted``)
_REFCOUNTED: Final = frozenset({"ringbuf"})
_FIRST = "dynptr:"  #: ``btf_name`` prefix of the state kept in a dynptr's first (lower) slot


def _spi(reg: Reg) -> int | str:
    """``stack_slot_obj_get_spi``: the first slot of the dynptr ``reg`` points to, or the
    message that says why it cannot hold one."""
    if not reg.is_const:
        return "dynptr has to be at a constant offset"
    off = reg.off + (reg.const - (1 << 64) if reg.const >> 63 else reg.const)
    if off % 8 or (-off - 1) // 8 + 1 < 2:
        return f"cannot pass in dynptr at an offset={off}"
    return (-off - 1) // 8


def dynptr_at(st: State, reg: Reg) -> Reg | None:
    """The state of the initialised dynptr ``reg`` points to (its first slot's), or None."""
    if reg.type == RegType.BTF_ID and reg.btf_name == CONST_DYNPTR:
        state = Reg(RegType.BTF_ID)
        state.btf_name = _FIRST + "local"
        return state
    if reg.type != RegType.STACK:
        return None
    spi = _spi(reg)
    if isinstance(spi, str):
        return None
    stack = st.frames[reg.frameno].stack
    first, second = stack.get(spi), stack.get(spi - 1)
    if first is None or second is None or first.spilled is None or not first.spilled.btf_name.startswith(_FIRST):
        return None
    if first.kinds != DYNPTR_BYTE * 8 or second.kinds != DYNPTR_BYTE * 8:
        return None
    return first.spilled


def dynptr_type(state: Reg) -> str:
    """``local``, ``ringbuf``, ``skb`` or ``xdp``."""
    return state.btf_name.removeprefix(_FIRST)


def _not_stack(reg: Reg, argno: int, helper: bool) -> Refuse:
    if helper:  # check_reg_type's list of what the argument may be
        return Refuse(f"R{argno + 1} type={type_str(reg)} expected=fp, dynptr_ptr")
    return Refuse(f"arg#{argno} expected pointer to stack or const struct bpf_dynptr", 22)


def check_dynptr_arg(env: Env, st: State, pc: int, reg: Reg, argno: int, *, helper: bool,
                     construct: str | None = None, clone_of: Reg | None = None) -> Reg | None:
    """A dynptr argument (argument ``argno`` from 0, in R``argno + 1``): for a constructor
    (``construct`` names the type it makes) an uninitialised one, which it then initialises;
    else an initialised one, whose state it returns. ``clone_of`` is the state of the dynptr
    ``bpf_dynptr_clone`` copies, whose type and reference the clone shares."""
    if reg.type != RegType.STACK and not (reg.type == RegType.BTF_ID and reg.btf_name == CONST_DYNPTR):
        raise _not_stack(reg, argno, helper)
    regno = argno + 1
    if construct is None:
        state = dynptr_at(st, reg)
        if state is None:
            raise Refuse(f"Expected an initialized dynptr as arg #{argno}", 22)
        return state
    if reg.type != RegType.STACK:
        raise Refuse("Dynptr has to be an uninitialized dynptr", 22)
    spi = _spi(reg)
    if isinstance(spi, str):
        env.log.add(spi)
        raise Refuse("Dynptr has to be an uninitialized dynptr", 22)
    lo = -(spi + 1) * 8
    if lo < -512:
        raise Refuse(f"invalid write to stack R{regno} off={lo} size=8", 13)
    destroy_dynptrs(st, reg.frameno, lo, lo + 16)
    state = Reg(RegType.BTF_ID)
    state.btf_name = _FIRST + (dynptr_type(clone_of) if clone_of is not None else construct)
    state.id = env.new_id()
    if dynptr_type(state) in _REFCOUNTED:
        if clone_of is not None:
            state.ref_obj_id = clone_of.ref_obj_id
        else:
            state.ref_obj_id = env.new_id()
            st.refs = st.refs + (Ref(state.ref_obj_id, pc),)
    second = state.copy()
    second.btf_name = "dynptr"
    frame = st.frames[reg.frameno]
    frame.stack[spi] = Slot(DYNPTR_BYTE * 8, state)
    frame.stack[spi - 1] = Slot(DYNPTR_BYTE * 8, second)
    frame.depth = max(frame.depth, -lo)
    return state


def check_dynptr_release(st: State, reg: Reg, regno: int) -> int:
    """The dynptr a ring-buffer submit or discard releases: it must hold a reference. Its
    slots, and those of its clones, become invalid; returns the reference to release (which
    takes its slices with it)."""
    if reg.type != RegType.STACK:
        if reg.type == RegType.BTF_ID and reg.btf_name == CONST_DYNPTR:
            raise Refuse("cannot release unowned const bpf_dynptr", 22)
        raise _not_stack(reg, regno - 1, True)
    state = dynptr_at(st, reg)
    if state is None or not state.ref_obj_id:
        raise Refuse(f"arg {regno} is an unacquired reference", 22)
    ref = state.ref_obj_id
    for frame in st.frames:
        for spi, slot in list(frame.stack.items()):
            if slot.kinds == DYNPTR_BYTE * 8 and slot.spilled is not None and slot.spilled.ref_obj_id == ref:
                frame.stack[spi] = Slot("????????")
    return ref


def destroy_dynptrs(st: State, frameno: int, lo: int, hi: int) -> None:
    """A store to the stack bytes ``[lo, hi)`` destroys every dynptr it touches: both of its
    slots become invalid. A dynptr holding a reference may not be overwritten."""
    stack = st.frames[frameno].stack
    for spi in range((-hi) // 8, (-lo - 1) // 8 + 1):
        slot = stack.get(spi)
        if slot is None or slot.kinds[0] != DYNPTR_BYTE or slot.spilled is None:
            continue
        first = spi if slot.spilled.btf_name.startswith(_FIRST) else spi + 1
        state = stack[first].spilled or slot.spilled
        if slot.spilled.ref_obj_id and dynptr_type(state) in _REFCOUNTED:
            raise Refuse("cannot overwrite referenced dynptr", 22)
        stack[first] = Slot("????????")
        stack[first - 1] = Slot("????????")
        _drop_slices(st, state.id)


def _drop_slices(st: State, dynptr_id: int) -> None:
    """The writable slices of a destroyed dynptr become unknown numbers, in registers and
    spilled (``mark_reg_invalid`` for a program that may leak pointers, as root's may). The
    kernel matches the slice's type exactly (``PTR_TO_MEM``, maybe NULL), so a read-only one
    (``bpf_dynptr_slice``'s) outlives its dynptr."""
    for frame in st.frames:
        for i, r in enumerate(frame.regs):
            if _slice_of(r, dynptr_id):
                frame.regs[i] = scalar_unknown()
        for spi, slot in list(frame.stack.items()):
            if slot.spilled is not None and _slice_of(slot.spilled, dynptr_id):
                frame.stack[spi] = Slot(slot.kinds, scalar_unknown())


def _slice_of(r: Reg, dynptr_id: int) -> bool:
    return r.type == RegType.MEM and r.dynptr_id == dynptr_id and not (r.rdonly or r.ringbuf or r.trust)


def refuse_helper_write(st: State, frameno: int, lo: int, hi: int) -> None:
    """A helper may not write over a dynptr (``check_stack_range_initialized`` in raw mode)."""
    stack = st.frames[frameno].stack
    for addr in range(lo, hi):
        slot = stack.get((-addr - 1) // 8)
        if slot is not None and slot.kinds[addr % 8] == DYNPTR_BYTE:
            raise Refuse(f"potential write to dynptr at off={addr} disallowed", 13)
