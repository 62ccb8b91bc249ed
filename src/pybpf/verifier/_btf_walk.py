"""Walking a kernel struct by BTF: what a load of ``size`` bytes at byte ``off`` of a struct
reads (the kernel's ``btf_struct_walk`` and ``btf_struct_access``).

A load that lands on an integer, an enum or a bitfield it covers whole reads a scalar; one that
lands exactly on a pointer to a struct reads a new BTF pointer to that struct, and one on any
other pointer a read-only pointer to memory of unknown size. Nested structs and arrays of them
are entered; a union with more than one member makes what is read through it untrusted. Each
refusal carries the kernel's message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, final

from ..btf import MODIFIERS, Array, Enum, Enum64, Float, Int, Ptr, Spec, Struct, TypeTag, Union
from ._env import Refuse

__all__ = ["Walked", "struct_walk", "structs_match"]

EACCES: Final = 13
EINVAL: Final = 22
EFAULT: Final = 14
_MAX_RESOLVE_DEPTH: Final = 32


@final
@dataclass(frozen=True)
class Walked:
    """What one access reads: ``kind`` "scalar", "ptr" (a pointer to the struct ``type_id``,
    read from member ``field``, tagged ``tag``: "rcu", "user", "percpu" or "") or "mem" (a
    pointer to something that is not a struct). ``untrusted`` when the walk crossed a union."""

    kind: Literal["scalar", "ptr", "mem"]
    type_id: int = 0
    field: str = ""
    tag: str = ""
    untrusted: bool = False


@dataclass
class _Resolved:
    """A member's type as ``__btf_resolve_size`` sees it: arrays flattened to their element."""

    type_id: int  #: the member's type, modifiers skipped (the outer array for an array)
    size: int  #: the whole member's size
    elem_id: int  #: for an array: its element's type as declared (else 0)
    nelems: int  #: elements in all dimensions (1 when not an array)
    named_id: int  #: the type a modifier chain ends at, when there was one (else 0)


def _resolve(spec: Spec, type_id: int) -> _Resolved | None:
    """Size a member's type through modifiers and (multi-dimensional) arrays; None for a type
    without a size."""
    first_array = 0
    elem_id = named = 0
    nelems = 1
    t = spec.type_by_id(type_id)
    for _ in range(_MAX_RESOLVE_DEPTH):
        if isinstance(t, (Int, Struct, Union, Enum, Enum64, Float)):
            return _Resolved(first_array or t.id, nelems * t.size, elem_id, nelems, named)
        if isinstance(t, Ptr):
            return _Resolved(first_array or t.id, nelems * 8, elem_id, nelems, named)
        if isinstance(t, MODIFIERS):
            named = t.type
            t = spec.type_by_id(t.type)
        elif isinstance(t, Array):
            first_array = first_array or t.id
            nelems *= t.nelems
            elem_id = t.type
            t = spec.type_by_id(t.type)
        else:
            return None
    return None


def _pointee_tag(spec: Spec, ptr: Ptr) -> str:
    """The ``btf_type_tag`` right under a pointer, when it is one the verifier reads."""
    t = spec.type_by_id(ptr.type)
    if isinstance(t, TypeTag) and not t.attribute and t.name in ("user", "percpu", "rcu"):
        return t.name
    return ""


def _walk_once(spec: Spec, type_id: int, off: int, size: int, untrusted: bool) -> tuple[str, Walked]:
    """One step of the walk: ("struct", nested) when ``off`` is the start of a nested struct
    (walk on into it at 0), else ("done", what is read)."""
    t = spec.type_by_id(spec.skip_modifiers(type_id))
    while True:
        if not isinstance(t, (Struct, Union)):
            raise Refuse(f"Type '{t.name}' is not a struct", EINVAL)
        if isinstance(t, Union) and len(t.members) != 1:
            untrusted = True  # only single-member unions (``__bpf_md_ptr``) keep trust
        if off + size > t.size:
            nested = _flexible_tail(spec, t, off)
            if nested is None:
                raise Refuse(f"access beyond struct {t.name} at off {off} size {size}", EACCES)
            if isinstance(nested[0], Int):
                return "done", Walked("scalar", untrusted=untrusted)
            t, off = nested[0], nested[1]
            continue
        step = _member_at(spec, t, off, size, untrusted)
        if step is None:
            raise Refuse(f"struct {t.name} doesn't have field at offset {off}", EINVAL)
        if isinstance(step, tuple):  # inside a nested struct, not at its start
            t, off = step
            continue
        return ("struct" if step.kind == "ptr" and step.field == "\0struct" else "done"), step


def _flexible_tail(spec: Spec, t: Struct | Union, off: int) -> tuple[Struct | Union | Int, int] | None:
    """An access past the end of a struct whose last member is a flexible array (``x[]``) of
    integers or structs: the element it lands in, and the offset inside it."""
    if not t.members:
        return None
    last = t.members[-1]
    arr = spec.type_by_id(spec.skip_modifiers(last.type))
    if not isinstance(arr, Array) or arr.nelems:
        return None
    moff = last.bit_offset // 8
    if off < moff:
        return None
    elem = spec.type_by_id(spec.skip_modifiers(arr.type))
    if isinstance(elem, Int):
        return elem, 0
    if not isinstance(elem, (Struct, Union)) or not elem.size:
        return None
    return elem, (off - moff) % elem.size


def _member_at(spec: Spec, t: Struct | Union, off: int, size: int,
               untrusted: bool) -> Walked | tuple[Struct | Union, int] | None:
    """The member an access at ``off`` reads, a nested struct to go on in, or None."""
    for m in t.members:
        moff = m.bit_offset // 8
        if off + size <= moff:
            break
        if m.bitfield_size:
            end_bit = m.bit_offset + m.bitfield_size
            if off <= moff and -(-end_bit // 8) <= off + size:
                return Walked("scalar", untrusted=untrusted)
            continue  # a partial read of a bitfield matches no member
        if off < moff:  # a hole between members
            break
        res = _resolve(spec, m.type)
        if res is None:
            raise Refuse(f"field {m.name} doesn't have size", EFAULT)
        true_end = moff + res.size
        if off >= true_end:
            continue
        mtype_id, msize, mid = res.type_id, res.size, res.named_id or res.type_id
        if isinstance(spec.type_by_id(mtype_id), Array):
            if moff == true_end:  # an empty array
                continue
            msize //= res.nelems
            moff += (off - moff) // msize * msize
            mid = res.elem_id
            mtype_id = spec.skip_modifiers(res.elem_id)
        mtype = spec.type_by_id(mtype_id)
        if isinstance(mtype, (Struct, Union)):
            if off == moff:  # the start of a nested struct: its own walk decides
                return Walked("ptr", mid, "\0struct", untrusted=untrusted)
            return mtype, off - moff
        if isinstance(mtype, Ptr):
            if msize != size or off != moff:
                raise Refuse(f"cannot access ptr member {m.name} with moff {moff} in struct {t.name} "
                             f"with off {off} size {size}", EACCES)
            target = spec.skip_modifiers(mtype.type)
            if isinstance(spec.type_by_id(target), (Struct, Union)):
                return Walked("ptr", target, m.name, _pointee_tag(spec, mtype), untrusted)
            return Walked("mem", untrusted=untrusted)
        if off + size > true_end and not untrusted:
            raise Refuse(f"access beyond the end of member {m.name} (mend:{true_end}) in struct {t.name} "
                         f"with off {off} size {size}", EACCES)
        return Walked("scalar", untrusted=untrusted)
    return None


def struct_walk(spec: Spec, type_id: int, off: int, size: int) -> Walked:
    """What a load of ``size`` bytes at ``off`` of the struct ``type_id`` reads.

    Raises:
        Refuse: with the kernel's message when the access is out of the struct, misaligned
            on a pointer member, or in no member.
    """
    untrusted = False
    while True:
        step, walked = _walk_once(spec, type_id, off, size, untrusted)
        if step == "done":
            return walked
        type_id, off, untrusted = walked.type_id, 0, walked.untrusted


def structs_match(spec: Spec, have: int, off: int, want: int, strict: bool) -> bool:
    """Whether a pointer to ``have`` plus ``off`` is a pointer to ``want``: the same struct, or
    (unless ``strict``) one nested at that offset, first members first
    (``btf_struct_ids_match``)."""
    have = spec.skip_modifiers(have)
    want = spec.skip_modifiers(want)
    if off == 0 and have == want:
        return True
    if strict:
        return False
    while True:
        try:
            step, walked = _walk_once(spec, have, off, 1, False)
        except Refuse:
            return False
        if step != "struct":
            return False
        have, off = spec.skip_modifiers(walked.type_id), 0
        if have == want:
            return True
