"""CO-RE: what each ``bpf_core_relo`` of an object becomes against a target BTF, computed the
way libbpf's ``relo_core.c`` computes it (https://docs.kernel.org/bpf/llvm_reloc.html).

A relocation names a local type (in the object's BTF), an accessor string and a kind. The
accessor ``"0:1:2"`` walks from the local type: the first number indexes it as an array (a
pointer's element), each next number picks a member of a struct or union or an element of an
array. The target candidates are the target's types with the local type's *essential name* (up
to a ``___`` flavour suffix) and a compatible kind; on each, the walk is repeated by member
*name* (looking inside anonymous members), and the kind asks for what the walk ends at: a
field's offset, size, signedness, bitfield shifts or existence; a type's id, size, existence or
match; an enumerator's existence or value. No candidate means the field or type does not exist:
existence kinds give 0, the others poison the instruction (libbpf's ``call 0xbad2310``).
Candidates that disagree are an error, as in libbpf.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import final

from ._errors import BtfError
from ._ext import CoreRelo
from ._spec import Spec
from ._types import Array, Enum, Enum64, Float, Fwd, Int, IntEncoding, Ptr, Struct, Type, Union

__all__ = ["POISON_HELPER_ID", "CoreKind", "CoreResult", "core_value", "essential_name"]

POISON_HELPER_ID = 0xBAD2310  #: the helper id libbpf writes into a relocation it cannot resolve


class CoreKind(enum.IntEnum):
    """``enum bpf_core_relo_kind``."""

    FIELD_BYTE_OFFSET = 0
    FIELD_BYTE_SIZE = 1
    FIELD_EXISTS = 2
    FIELD_SIGNED = 3
    FIELD_LSHIFT_U64 = 4
    FIELD_RSHIFT_U64 = 5
    TYPE_ID_LOCAL = 6
    TYPE_ID_TARGET = 7
    TYPE_EXISTS = 8
    TYPE_SIZE = 9
    ENUMVAL_EXISTS = 10
    ENUMVAL_VALUE = 11
    TYPE_MATCHES = 12


_TYPE_KINDS = frozenset({6, 7, 8, 9, 12})
_FIELD_KINDS = frozenset(range(6))
_EXISTENCE = frozenset({CoreKind.FIELD_EXISTS, CoreKind.TYPE_EXISTS, CoreKind.ENUMVAL_EXISTS, CoreKind.TYPE_MATCHES})


@final
@dataclass(frozen=True)
class CoreResult:
    """What a relocation resolves to: ``local`` is the value computed on the object's own BTF
    (what clang wrote into the instruction), ``target`` the value for the target, or None when
    the instruction must be poisoned. ``local_size``/``target_size`` are the field sizes, for a
    load whose width must follow the target's field. ``validate`` is False for bitfields, whose
    instructions libbpf does not check against ``local`` (clang sizes their loads its own way)."""

    kind: CoreKind
    local: int
    target: int | None
    local_size: int = 0
    target_size: int = 0
    validate: bool = True


def essential_name(name: str) -> str:
    """The name without its ``___flavour`` suffix (``task_struct___old`` → ``task_struct``)."""
    cut = name.find("___")
    return name if cut < 0 else name[:cut]


@dataclass
class _Field:
    """Where a field walk ended: the type reached, its bit offset from the root and its
    bitfield size (0 when it is not a bitfield)."""

    type_id: int
    bit_offset: int
    bitfield_size: int = 0


def core_value(local: Spec, relo: CoreRelo, targets: Sequence[Spec], fallback: Spec | None = None) -> CoreResult:
    """Resolve one relocation against the first of ``targets`` that has candidates for it;
    then, if none has, against ``fallback``, where only a type of exactly the local name
    counts (the object's own BTF standing for kernel types pybpf does not model).

    Raises:
        BtfError: a malformed relocation, or candidates that disagree (libbpf fails the load).
    """
    try:
        kind = CoreKind(relo.kind)
    except ValueError:
        raise BtfError(f"CO-RE relocation kind {relo.kind} is unknown") from None
    access = _access(relo.access_str)
    own = _evaluate(local, kind, relo.type_id, relo.type_id, access, local)
    if own is None:
        raise BtfError(f"CO-RE relocation '{relo.access_str}' of [{relo.type_id}] does not fit the object's own BTF")
    root = local.type_by_id(relo.type_id)
    values: set[tuple[int, int]] = set()
    searches = [(t, False) for t in targets] + ([(fallback, True)] if fallback is not None else [])
    for target, exact in searches:
        candidates = _candidates(root, target, exact)
        for candidate in candidates:
            found = _evaluate(local, kind, relo.type_id, candidate.id, access, target)
            if found is not None:
                values.add(found)
        if candidates:
            break  # the first BTF that has the type decides, as vmlinux does before modules
    if len(values) > 1:
        raise BtfError(f"CO-RE relocation '{relo.access_str}' of [{relo.type_id}]: candidates disagree")
    validate = kind not in _FIELD_KINDS or not _local_bitfield(local, relo.type_id, access)
    if not values:
        return CoreResult(kind, own[0], 0 if kind in _EXISTENCE else None, own[1], validate=validate)
    value, size = values.pop()
    return CoreResult(kind, own[0], value, own[1], size, validate)


def _local_bitfield(local: Spec, type_id: int, access: list[int]) -> bool:
    field = _walk(local, type_id, local, type_id, access)
    return field is not None and field.bitfield_size > 0


def _access(text: str) -> list[int]:
    try:
        access = [int(part) for part in text.split(":")]
    except ValueError:
        raise BtfError(f"CO-RE accessor '{text}' is malformed") from None
    if not access or min(access) < 0:
        raise BtfError(f"CO-RE accessor '{text}' is malformed")
    return access


def _candidates(root: Type, target: Spec, exact: bool = False) -> list[Type]:
    """Target types with the root's essential name (or, ``exact``, its very name) and a kind
    that may stand for it."""
    name = essential_name(root.name)
    if not name:
        return []
    found = []
    for t in target.types[1:]:
        if (t.name != root.name) if exact else (essential_name(t.name) != name):
            continue
        if isinstance(root, (Enum, Enum64)) and isinstance(t, (Enum, Enum64)) or type(t) is type(root):
            found.append(t)
    return found


def _evaluate(
    local: Spec, kind: CoreKind, local_id: int, target_id: int, access: list[int], target: Spec
) -> tuple[int, int] | None:
    """The value of ``kind`` with the walk done on ``target`` (which may be ``local``), and the
    field size; None when the walk does not match there."""
    if kind in _TYPE_KINDS:
        return _type_value(local, kind, local_id, target_id, target)
    if kind in (CoreKind.ENUMVAL_EXISTS, CoreKind.ENUMVAL_VALUE):
        return _enum_value(local, kind, local_id, target_id, access[0], target)
    field = _walk(local, local_id, target, target_id, access)
    if field is None:
        return None
    return _field_value(kind, field, target)


def _type_value(local: Spec, kind: CoreKind, local_id: int, target_id: int, target: Spec) -> tuple[int, int] | None:
    if kind == CoreKind.TYPE_ID_LOCAL:
        return local_id, 0
    if not _compatible(local, local.skip_modifiers(local_id), target, target.skip_modifiers(target_id), 4):
        return None
    if kind == CoreKind.TYPE_ID_TARGET:
        return target_id, 0
    if kind == CoreKind.TYPE_SIZE:
        return target.resolve_size(target_id), 0
    return 1, 0  # TYPE_EXISTS, TYPE_MATCHES


def _enum_value(local: Spec, kind: CoreKind, local_id: int, target_id: int, index: int, target: Spec) -> tuple[int, int] | None:
    local_enum = local.type_by_id(local.skip_modifiers(local_id))
    target_enum = target.type_by_id(target.skip_modifiers(target_id))
    if not isinstance(local_enum, (Enum, Enum64)) or not isinstance(target_enum, (Enum, Enum64)):
        return None
    if index >= len(local_enum.values):
        raise BtfError(f"CO-RE enumerator {index} of '{local_enum.name}' does not exist")
    wanted = essential_name(local_enum.values[index].name)
    for value in target_enum.values:
        if essential_name(value.name) == wanted:
            return (1 if kind == CoreKind.ENUMVAL_EXISTS else value.value & (2**64 - 1)), 0
    return None


def _walk(local: Spec, local_id: int, target: Spec, target_id: int, access: list[int]) -> _Field | None:
    """Follow the accessor on the local type, matching each named step on the target."""
    local_t = local.skip_modifiers(local_id)
    target_t = target.skip_modifiers(target_id)
    if not _compatible(local, local_t, target, target_t, 1):
        return None
    bit = access[0] * target.resolve_size(target_t) * 8 if access[0] else 0
    field = _Field(target_t, bit)
    for index in access[1:]:
        lt = local.type_by_id(local_t)
        tt = target.type_by_id(field.type_id)
        if isinstance(lt, (Struct, Union)):
            if index >= len(lt.members):
                raise BtfError(f"CO-RE accessor: '{lt.name}' has no member {index}")
            member = lt.members[index]
            if not isinstance(tt, (Struct, Union)):
                return None
            if not member.name:  # an anonymous member: the target's walk finds named ones inside
                local_t = local.skip_modifiers(member.type)
                continue
            found = _member(target, tt, member.name, field.bit_offset)
            if found is None:
                return None
            field = found
            local_t = local.skip_modifiers(member.type)
        elif isinstance(lt, Array):
            if not isinstance(tt, Array):
                return None
            if tt.nelems and index >= tt.nelems:
                return None
            element = target.skip_modifiers(tt.type)
            field = _Field(element, field.bit_offset + index * target.resolve_size(element) * 8)
            local_t = local.skip_modifiers(lt.type)
        else:
            raise BtfError("CO-RE accessor goes through a type that is neither a struct, union nor array")
        if not _compatible(local, local_t, target, field.type_id, 1):
            return None
    return field


def _member(target: Spec, t: Struct | Union, name: str, base: int) -> _Field | None:
    """The member called ``name`` of ``t``, looking inside anonymous members (as libbpf's
    ``bpf_core_match_member`` does)."""
    for m in t.members:
        if m.name == name:
            return _Field(target.skip_modifiers(m.type), base + m.bit_offset, m.bitfield_size)
        if not m.name:
            inner = target.type_by_id(target.skip_modifiers(m.type))
            if isinstance(inner, (Struct, Union)):
                found = _member(target, inner, name, base + m.bit_offset)
                if found is not None:
                    return found
    return None


def _compatible(local: Spec, local_id: int, target: Spec, target_id: int, depth: int) -> bool:
    """``bpf_core_fields_are_compat``/``types_are_compat``, loosely: the same family of kind
    (composites and forward declarations alike; ints of any size; any enums; pointers; arrays
    of compatible elements)."""
    lt, tt = local.type_by_id(local_id), target.type_by_id(target_id)
    composite = (Struct, Union, Fwd)
    if isinstance(lt, composite) and isinstance(tt, composite):
        return True
    if isinstance(lt, (Enum, Enum64)) and isinstance(tt, (Enum, Enum64)):
        return True
    if isinstance(lt, Array) and isinstance(tt, Array):
        return depth <= 0 or _compatible(local, local.skip_modifiers(lt.type), target, target.skip_modifiers(tt.type), depth - 1)
    return type(lt) is type(tt) and isinstance(lt, (Int, Ptr, Float)) or lt.id == 0 and tt.id == 0


def _field_value(kind: CoreKind, field: _Field, target: Spec) -> tuple[int, int]:
    """libbpf's ``bpf_core_calc_field_relo`` for a field found at ``field``."""
    t = target.type_by_id(field.type_id)
    size = 0 if isinstance(t, Fwd) or t.id == 0 else target.resolve_size(t.id)
    bit_size = field.bitfield_size or size * 8
    byte_size = size
    if field.bitfield_size:
        byte_off = field.bit_offset // 8 // byte_size * byte_size
        while field.bit_offset + bit_size - byte_off * 8 > byte_size * 8:
            if byte_size >= 8:
                raise BtfError("CO-RE bitfield spans more than 8 bytes")
            byte_size *= 2
            byte_off = field.bit_offset // 8 // byte_size * byte_size
    else:
        byte_off = field.bit_offset // 8
    match kind:
        case CoreKind.FIELD_BYTE_OFFSET:
            return byte_off, byte_size
        case CoreKind.FIELD_BYTE_SIZE:
            return byte_size, byte_size
        case CoreKind.FIELD_EXISTS:
            return 1, byte_size
        case CoreKind.FIELD_SIGNED:
            signed = isinstance(t, (Enum, Enum64)) and t.signed or isinstance(t, Int) and IntEncoding.SIGNED in t.encoding
            return int(signed), byte_size
        case CoreKind.FIELD_LSHIFT_U64:
            return 64 - (field.bit_offset + bit_size - byte_off * 8), byte_size
    return 64 - bit_size, byte_size  # FIELD_RSHIFT_U64
