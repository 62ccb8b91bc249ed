"""The BTF type model: one frozen dataclass per kind, as the kernel's BTF document lists them.

Types refer to each other by type id (an index into :attr:`Spec.types`), never by object, so
the model stays flat and immutable even though C types are cyclic (``struct list { struct list
*next; }``). Id 0 is :class:`Void`. Encoding details of the section (``kind_flag``, packed
bitfield offsets, ``vlen``) are decoded away: a :class:`Member` always has a bit offset and a
bitfield size, an :class:`Enum` knows whether it is signed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar, TypeAlias, final

__all__ = [
    "MODIFIERS",
    "Array",
    "Const",
    "Datasec",
    "DeclTag",
    "Enum",
    "Enum64",
    "EnumValue",
    "Float",
    "Func",
    "FuncProto",
    "Fwd",
    "Int",
    "IntEncoding",
    "Kind",
    "Linkage",
    "Member",
    "Param",
    "Ptr",
    "Restrict",
    "Struct",
    "Type",
    "TypeTag",
    "Typedef",
    "Union",
    "Var",
    "VarSecinfo",
    "Void",
    "Volatile",
    "describe",
]


class Kind(enum.IntEnum):
    """The ``BTF_KIND_*`` numbers (bits 24-28 of a type's ``info`` word)."""

    UNKN = 0  #: void, only ever type id 0
    INT = 1
    PTR = 2
    ARRAY = 3
    STRUCT = 4
    UNION = 5
    ENUM = 6
    FWD = 7
    TYPEDEF = 8
    VOLATILE = 9
    CONST = 10
    RESTRICT = 11
    FUNC = 12
    FUNC_PROTO = 13
    VAR = 14
    DATASEC = 15
    FLOAT = 16
    DECL_TAG = 17
    TYPE_TAG = 18
    ENUM64 = 19


class IntEncoding(enum.IntFlag):
    """``BTF_INT_*`` encoding bits of an :class:`Int`; at most one is set (0 means unsigned)."""

    SIGNED = 1
    CHAR = 2
    BOOL = 4


class Linkage(enum.IntEnum):
    """Linkage of a :class:`Func` (``BTF_FUNC_*``) or a :class:`Var` (``BTF_VAR_*``).

    The two kernel enums share their numbers; ``GLOBAL`` of a variable is the kernel's
    ``BTF_VAR_GLOBAL_ALLOCATED``.
    """

    STATIC = 0
    GLOBAL = 1
    EXTERN = 2


@dataclass(frozen=True, slots=True)
class _Named:
    """The fields every kind opens with: its type id and its name (``""`` when anonymous)."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class _Refers(_Named):
    """A kind that wraps one other type, ``type`` (a pointer, a typedef, a qualifier, a tag)."""

    type: int


@dataclass(frozen=True, slots=True)
class _Sized(_Named):
    """A kind that states its own ``size`` in bytes."""

    size: int


@dataclass(frozen=True, slots=True)
class _Composite(_Sized):
    """The shape :class:`Struct` and :class:`Union` share: a size and members."""

    members: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class _Enumeration(_Sized):
    """The shape :class:`Enum` and :class:`Enum64` share: signedness and enumerators."""

    signed: bool
    values: tuple[EnumValue, ...]


@dataclass(frozen=True, slots=True)
class _Linked(_Refers):
    """The shape :class:`Func` and :class:`Var` share: a type and a linkage."""

    linkage: Linkage


@final
@dataclass(frozen=True, slots=True)
class Void:
    """Type id 0: ``void``, the target of ``void *`` and the return type of ``void f()``."""

    kind: ClassVar[Kind] = Kind.UNKN
    id: int = 0
    name: str = ""


@final
@dataclass(frozen=True, slots=True)
class Int(_Sized):
    """An integer (``char``, ``_Bool`` and ``__int128`` included).

    ``bits`` is the number of value bits and ``offset`` where they start inside the ``size``
    bytes; both only differ from ``8 * size`` and 0 in BTF written before ``kind_flag``
    bitfields existed.
    """

    kind: ClassVar[Kind] = Kind.INT
    encoding: IntEncoding
    bits: int
    offset: int = 0

    @property
    def signed(self) -> bool:
        """Whether values are two's complement (the ``SIGNED`` encoding)."""
        return IntEncoding.SIGNED in self.encoding


@final
@dataclass(frozen=True, slots=True)
class Ptr(_Refers):
    """A pointer to ``type``; its size is always 8 on BPF."""

    kind: ClassVar[Kind] = Kind.PTR


@final
@dataclass(frozen=True, slots=True)
class Array(_Refers):
    """``nelems`` elements of ``type``; ``index_type`` is the (unused) type of the index."""

    kind: ClassVar[Kind] = Kind.ARRAY
    index_type: int
    nelems: int


@final
@dataclass(frozen=True, slots=True)
class Member:
    """A member of a :class:`Struct` or :class:`Union`.

    ``bit_offset`` counts from the start of the containing type. ``bitfield_size`` is the width
    of a bitfield declared with ``kind_flag`` set, else 0. An anonymous member (a nested
    anonymous struct or union) has the name ``""``.
    """

    name: str
    type: int
    bit_offset: int
    bitfield_size: int = 0


@final
@dataclass(frozen=True, slots=True)
class Struct(_Composite):
    """A ``struct`` of ``size`` bytes."""

    kind: ClassVar[Kind] = Kind.STRUCT


@final
@dataclass(frozen=True, slots=True)
class Union(_Composite):
    """A ``union`` of ``size`` bytes; members usually all start at bit 0."""

    kind: ClassVar[Kind] = Kind.UNION


@final
@dataclass(frozen=True, slots=True)
class EnumValue:
    """One enumerator, its value already signed or unsigned as its enum says."""

    name: str
    value: int


@final
@dataclass(frozen=True, slots=True)
class Enum(_Enumeration):
    """An ``enum`` with 32-bit enumerators; ``signed`` comes from ``kind_flag``."""

    kind: ClassVar[Kind] = Kind.ENUM


@final
@dataclass(frozen=True, slots=True)
class Enum64(_Enumeration):
    """An ``enum`` with 64-bit enumerators; ``signed`` comes from ``kind_flag``."""

    kind: ClassVar[Kind] = Kind.ENUM64


@final
@dataclass(frozen=True, slots=True)
class Fwd(_Named):
    """A forward declaration: ``struct name;`` or, with ``is_union``, ``union name;``."""

    kind: ClassVar[Kind] = Kind.FWD
    is_union: bool


@final
@dataclass(frozen=True, slots=True)
class Typedef(_Refers):
    """``typedef type name;``."""

    kind: ClassVar[Kind] = Kind.TYPEDEF


@final
@dataclass(frozen=True, slots=True)
class Volatile(_Refers):
    """The ``volatile`` qualifier on ``type``."""

    kind: ClassVar[Kind] = Kind.VOLATILE


@final
@dataclass(frozen=True, slots=True)
class Const(_Refers):
    """The ``const`` qualifier on ``type``."""

    kind: ClassVar[Kind] = Kind.CONST


@final
@dataclass(frozen=True, slots=True)
class Restrict(_Refers):
    """The ``restrict`` qualifier on ``type``."""

    kind: ClassVar[Kind] = Kind.RESTRICT


@final
@dataclass(frozen=True, slots=True)
class Func(_Linked):
    """A function (a program or a subprogram): its prototype ``type`` and its linkage."""

    kind: ClassVar[Kind] = Kind.FUNC


@final
@dataclass(frozen=True, slots=True)
class Param:
    """A parameter of a :class:`FuncProto`; a last parameter of type 0 means ``...``."""

    name: str
    type: int


@final
@dataclass(frozen=True, slots=True)
class FuncProto(_Named):
    """A function type: what a :class:`Func` or a function pointer points to."""

    kind: ClassVar[Kind] = Kind.FUNC_PROTO
    return_type: int
    params: tuple[Param, ...]


@final
@dataclass(frozen=True, slots=True)
class Var(_Linked):
    """A global variable of ``type``."""

    kind: ClassVar[Kind] = Kind.VAR


@final
@dataclass(frozen=True, slots=True)
class VarSecinfo:
    """Where a :class:`Var` (type id ``type``) sits in its :class:`Datasec`, in bytes.

    In an object file offsets and the section size are still 0; the loader fills them in from
    the symbol table, as libbpf does.
    """

    type: int
    offset: int
    size: int


@final
@dataclass(frozen=True, slots=True)
class Datasec(_Sized):
    """An ELF data section (``.bss``, ``.data``, ``.rodata``, ``.maps``...) and its variables."""

    kind: ClassVar[Kind] = Kind.DATASEC
    vars: tuple[VarSecinfo, ...]


@final
@dataclass(frozen=True, slots=True)
class Float(_Sized):
    """A floating-point type of ``size`` bytes."""

    kind: ClassVar[Kind] = Kind.FLOAT


@final
@dataclass(frozen=True, slots=True)
class DeclTag(_Refers):
    """``__attribute__((btf_decl_tag(name)))`` on ``type``.

    ``component_idx`` is -1 for the type itself, else the index of the tagged member or
    parameter. ``attribute`` (``kind_flag``) means the tag is a plain ``__attribute__``.
    """

    kind: ClassVar[Kind] = Kind.DECL_TAG
    component_idx: int
    attribute: bool = False


@final
@dataclass(frozen=True, slots=True)
class TypeTag(_Refers):
    """``__attribute__((btf_type_tag(name)))`` on ``type`` (such as ``__user`` or ``__kptr``).

    ``attribute`` (``kind_flag``) means the tag is a plain ``__attribute__``.
    """

    kind: ClassVar[Kind] = Kind.TYPE_TAG
    attribute: bool = False


Type: TypeAlias = (
    Void
    | Int
    | Ptr
    | Array
    | Struct
    | Union
    | Enum
    | Enum64
    | Fwd
    | Typedef
    | Volatile
    | Const
    | Restrict
    | Func
    | FuncProto
    | Var
    | Datasec
    | Float
    | DeclTag
    | TypeTag
)
"""Any BTF type."""

MODIFIERS = (Typedef, Volatile, Const, Restrict, TypeTag)
"""The kinds that only rename or qualify another type, skipped by :meth:`Spec.skip_modifiers`."""


def describe(t: Type) -> str:
    """Name a type for a message: ``STRUCT 'val'``, or ``ARRAY [7]`` when it has no name."""
    if t.name:
        return f"{t.kind.name} '{t.name}'"
    return f"{t.kind.name} [{t.id}]"
