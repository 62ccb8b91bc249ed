"""A checked set of BTF types and the questions asked of it: lookups, sizes, layouts, timers.

A :class:`Spec` is only built from types that passed the checks below, so every other layer can
follow type ids without guarding against missing targets, loops or unsized members:

- every referenced type id exists and has a kind that may appear there;
- every loop in the type graph goes through a pointer (``struct s { struct s *next; }``), as C
  allows; a struct containing itself, or a typedef of itself, is malformed;
- types do not nest deeper than :data:`MAX_NESTING` without a pointer in between;
- sizes fit in 32 bits, and members and bitfields fit in their struct.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, final, overload

from ._errors import BtfError
from ._strings import StringTable
from ._types import (
    MODIFIERS,
    Array,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    Float,
    Func,
    FuncProto,
    Int,
    Member,
    Ptr,
    Restrict,
    Struct,
    Type,
    Typedef,
    TypeTag,
    Union,
    Var,
    Void,
    Volatile,
    describe,
)

__all__ = [
    "MAX_NESTING",
    "MAX_SPECIAL_FIELDS",
    "POINTER_SIZE",
    "ByteOrder",
    "Field",
    "Spec",
    "SpecialField",
]

ByteOrder = Literal["little", "big"]

POINTER_SIZE = 8  #: BPF is a 64-bit target
MAX_NESTING = 128
"""How deep types may nest without a pointer in between.

The kernel's own resolver stops at 32 pending types (``MAX_RESOLVE_DEPTH``) but counts
differently; this bound only keeps recursive walks far from Python's recursion limit.
"""

MAX_SPECIAL_FIELDS = 11  #: the kernel's BTF_FIELDS_MAX
_TIMER_SIZE = 16  # struct bpf_timer, aligned to 8
_SPIN_LOCK_SIZE = 4  # struct bpf_spin_lock, aligned to 4
_MAX_SIZE = 0xFFFF_FFFF
_NOT_A_TARGET = (Func, Var, Datasec, DeclTag)  # may only be referenced from where they belong
_TAGGABLE = (Struct, Union, Var, Func, Typedef)

_T = TypeVar("_T", bound=Type)


@final
@dataclass(frozen=True, slots=True)
class Field:
    """Where a (possibly nested) member lives, as :meth:`Spec.field` finds it.

    ``bit_offset`` counts from the start of the outermost type; ``bitfield_size`` is 0 unless
    the member is a bitfield.
    """

    type: int
    bit_offset: int
    bitfield_size: int = 0

    @property
    def byte_offset(self) -> int:
        """The offset in bytes of the byte holding the member's first bit."""
        return self.bit_offset // 8


@final
@dataclass(frozen=True, slots=True)
class SpecialField:
    """A ``struct bpf_timer``, ``struct bpf_wq`` or ``struct bpf_spin_lock`` inside a map value or
    data section.

    These are the bytes the kernel hides from user space (reads see zeros, writes are ignored)
    and that own state outside the value (the timer, the lock).
    """

    kind: Literal["bpf_timer", "bpf_wq", "bpf_spin_lock"]
    offset: int
    size: int


@final
class Spec:
    """The types of one ``.BTF`` section, indexed by type id, with lookups.

    Build one with :func:`parse_btf`, or directly from a list of types whose ``id`` is their
    index and whose first element is :class:`Void`.
    """

    __slots__ = ("_by_name", "_sizes", "byte_order", "strings", "types")

    def __init__(
        self, types: Sequence[Type], strings: StringTable, byte_order: ByteOrder = "little"
    ) -> None:
        """Check the types and index them.

        Args:
            types: every type, ``types[i].id == i``, ``types[0]`` being :class:`Void`.
            strings: the string table the types were read from (``.BTF.ext`` records
                point into it too).
            byte_order: the byte order of the target, used for values of these types.

        Raises:
            BtfError: if the types break one of the rules in this module's docstring.
        """
        self.types: tuple[Type, ...] = tuple(types)
        self.strings = strings
        self.byte_order: ByteOrder = byte_order
        _check_ids(self.types)
        _check_references(self.types)
        self._sizes = _Checker(self.types).run()
        self._by_name: dict[str, list[int]] = {}
        for t in self.types[1:]:
            if t.name:
                self._by_name.setdefault(t.name, []).append(t.id)

    def __len__(self) -> int:
        return len(self.types)

    def __iter__(self) -> Iterator[Type]:
        return iter(self.types)

    def type_by_id(self, type_id: int) -> Type:
        """Return the type with id ``type_id`` (0 is :class:`Void`).

        Raises:
            BtfError: if there is no such type.
        """
        if not 0 <= type_id < len(self.types):
            raise BtfError(f"type id {type_id} out of range")
        return self.types[type_id]

    @overload
    def types_by_name(self, name: str) -> tuple[Type, ...]: ...
    @overload
    def types_by_name(self, name: str, kind: type[_T]) -> tuple[_T, ...]: ...
    def types_by_name(self, name: str, kind: Any = None) -> tuple[Type, ...]:
        """Every type called ``name``, optionally only of class ``kind``, in id order."""
        found = (self.types[i] for i in self._by_name.get(name, ()))
        return tuple(t for t in found if kind is None or isinstance(t, kind))

    @overload
    def type_by_name(self, name: str) -> Type: ...
    @overload
    def type_by_name(self, name: str, kind: type[_T]) -> _T: ...
    def type_by_name(self, name: str, kind: Any = None) -> Type:
        """The single type called ``name`` (of class ``kind``, such as :class:`Struct`).

        Raises:
            BtfError: if there is no such type, or more than one.
        """
        found = self.types_by_name(name) if kind is None else self.types_by_name(name, kind)
        what = "type" if kind is None else kind.kind.name
        if not found:
            raise BtfError(f"no {what} named '{name}'")
        if len(found) > 1:
            raise BtfError(f"{len(found)} {what}s named '{name}'")
        return found[0]

    def skip_modifiers(self, type_id: int) -> int:
        """Follow typedefs, ``const``, ``volatile``, ``restrict`` and type tags to the real type.

        Returns the id of the first type that is none of those (possibly 0, ``void``).
        """
        t = self.type_by_id(type_id)
        while isinstance(t, MODIFIERS):
            t = self.types[t.type]
        return t.id

    def resolve_size(self, type_id: int) -> int:
        """The size in bytes of a value of the type, through modifiers, arrays and variables.

        Raises:
            BtfError: for types without a size (void, forward declarations, functions).
        """
        size = self._sizes.get(type_id)
        if size is None:
            raise BtfError(f"type [{type_id}]: {describe(self.type_by_id(type_id))} has no size")
        return size

    def align_of(self, type_id: int) -> int:
        """The alignment in bytes of the type, as libbpf's ``btf__align_of`` computes it.

        A struct whose layout can only come from ``__attribute__((packed))`` aligns to 1.

        Raises:
            BtfError: for types without a size.
        """
        t = self.types[self.skip_modifiers(type_id)]
        match t:
            case Int() | Enum() | Enum64() | Float():
                return min(POINTER_SIZE, t.size)
            case Ptr():
                return POINTER_SIZE
            case Array():
                return self.align_of(t.type)
            case Struct() | Union():
                return self._struct_align(t)
        raise BtfError(f"type [{t.id}]: {describe(t)} has no alignment")

    def _struct_align(self, t: Struct | Union) -> int:
        max_align = 1
        for m in t.members:
            align = self.align_of(m.type)
            if not m.bitfield_size and m.bit_offset % (8 * align):
                return 1
            max_align = max(max_align, align)
        return 1 if t.size % max_align else max_align

    def field(self, type_id: int, path: str) -> Field:
        """Locate a member by a dotted path such as ``"inner.count"``.

        Members of anonymous structs and unions are found as in C, without naming the
        anonymous member.

        Raises:
            BtfError: if a step is not a struct or union, or has no such member.
        """
        current = Field(type_id, 0)
        for name in path.split("."):
            t = self.types[self.skip_modifiers(current.type)]
            if not isinstance(t, (Struct, Union)):
                raise BtfError(f"type [{t.id}]: {describe(t)} has no members")
            found = self._find_member(t, name, current.bit_offset) if name else None
            if found is None:
                raise BtfError(f"type [{t.id}]: {describe(t)} has no member '{name}'")
            current = found
        return current

    def _find_member(self, t: Struct | Union, name: str, base: int) -> Field | None:
        for m in t.members:
            if m.name == name:
                return Field(m.type, base + m.bit_offset, m.bitfield_size)
            inner = self.types[self.skip_modifiers(m.type)]
            if not m.name and isinstance(inner, (Struct, Union)):
                found = self._find_member(inner, name, base + m.bit_offset)
                if found is not None:
                    return found
        return None

    def is_bpf_timer(self, type_id: int) -> bool:
        """Whether the type is ``struct bpf_timer``, recognised as the kernel does.

        The kernel matches the struct's name and size (16), not its members, so both the old
        header (``__u64 :64; __u64 :64;``, which leaves no members in BTF) and the newer
        ``__u64 __opaque[2]`` count. Like the kernel, a typedef or qualifier in front hides it.
        """
        t = self.type_by_id(type_id)
        return isinstance(t, Struct) and t.name == "bpf_timer" and t.size == _TIMER_SIZE

    def find_special_fields(self, type_id: int) -> tuple[SpecialField, ...]:
        """The ``bpf_timer``, ``bpf_wq`` and ``bpf_spin_lock`` fields of a map value or data section.

        Follows the kernel's ``btf_find_field``: members of a struct (or variables of a
        section) are matched by the name and size of their own type, arrays of them count each
        element, nested structs are searched, unions are not, and a misaligned field is not
        special. The kernel then refuses a value with more than one timer or lock, or with one
        inside an array of more than one element; callers that mirror map creation check that.

        Returns:
            The fields in offset order; empty for any other kind of type.

        Raises:
            BtfError: for more than :data:`MAX_SPECIAL_FIELDS` fields, which the kernel refuses
                too (``-E2BIG``).
        """
        t = self.type_by_id(type_id)
        if isinstance(t, Struct):
            found = self._struct_special_fields(t)
        elif isinstance(t, Datasec):
            found = []
            for v in t.vars:
                var = self.types[v.type]
                assert isinstance(var, Var)  # checked at construction
                found += self._special_fields_one(var.type, v.offset)
                _check_special_count(t, len(found))
        else:
            return ()
        return tuple(sorted(found, key=lambda f: f.offset))

    def _struct_special_fields(self, t: Struct) -> list[SpecialField]:
        """Special fields of a struct, at offsets from its start."""
        found: list[SpecialField] = []
        for m in t.members:
            if m.bitfield_size or m.bit_offset % 8:
                continue
            found += self._special_fields_one(m.type, m.bit_offset // 8)
            _check_special_count(t, len(found))
        return found

    def _special_fields_one(self, type_id: int, offset: int) -> list[SpecialField]:
        """Special fields of one member (or variable) at ``offset`` in its parent."""
        nelems = 1
        t = self.types[type_id]
        while isinstance(t, Array):
            nelems *= t.nelems
            t = self.types[t.type]
        if not isinstance(t, Struct) or nelems == 0:
            return []
        special = _special_kind(t)
        if special is None:
            element = self._struct_special_fields(t)
        elif t.size == special[1] and offset % _special_align(special[0]) == 0:
            element = [SpecialField(special[0], 0, t.size)]
        else:
            return []
        if not element:
            return []
        _check_special_count(t, len(element) * nelems)
        return [
            SpecialField(f.kind, offset + i * t.size + f.offset, f.size)
            for i in range(nelems)
            for f in element
        ]


def _special_kind(t: Struct) -> tuple[Literal["bpf_timer", "bpf_wq", "bpf_spin_lock"], int] | None:
    if t.name == "bpf_timer":
        return "bpf_timer", _TIMER_SIZE
    if t.name == "bpf_wq":  # 6.10: the timer's size and alignment
        return "bpf_wq", _TIMER_SIZE
    if t.name == "bpf_spin_lock":
        return "bpf_spin_lock", _SPIN_LOCK_SIZE
    return None


def _special_align(kind: str) -> int:
    return 4 if kind == "bpf_spin_lock" else 8


def _check_special_count(t: Type, count: int) -> None:
    if count > MAX_SPECIAL_FIELDS:
        raise BtfError(f"type [{t.id}]: more than {MAX_SPECIAL_FIELDS} special fields")


def _check_ids(types: tuple[Type, ...]) -> None:
    if not types or not isinstance(types[0], Void):
        raise BtfError("type 0 must be void")
    for i, t in enumerate(types):
        if t.id != i:
            raise BtfError(f"type [{i}]: has id {t.id}")


def _references(t: Type) -> Iterator[tuple[str, int]]:
    """Every type id ``t`` refers to, with what refers to it (for messages)."""
    match t:
        case Ptr() | Typedef() | Volatile() | Const() | Restrict() | TypeTag() | DeclTag():
            yield "target", t.type
        case Func():
            yield "prototype", t.type
        case Var():
            yield "type", t.type
        case Array():
            yield "element", t.type
            yield "index", t.index_type
        case Struct() | Union():
            for m in t.members:
                yield f"member '{m.name}'", m.type
        case FuncProto():
            yield "return type", t.return_type
            for i, p in enumerate(t.params):
                yield f"parameter {i}", p.type
        case Datasec():
            for i, v in enumerate(t.vars):
                yield f"variable {i}", v.type


def _check_references(types: tuple[Type, ...]) -> None:
    """Check that references exist and point at kinds that may appear there."""
    for t in types:
        for role, ref in _references(t):
            if not 0 <= ref < len(types):
                raise BtfError(f"type [{t.id}]: {role} refers to missing type {ref}")
            target = types[ref]
            if not _may_refer(t, role, target):
                raise BtfError(f"type [{t.id}]: {role} refers to {describe(target)}")


def _may_refer(t: Type, role: str, target: Type) -> bool:
    match t:
        case Func():
            return isinstance(target, FuncProto)
        case Datasec():  # libbpf's ".ksyms" also lists the kfuncs the object declares
            return isinstance(target, Var) or (t.name == ".ksyms" and isinstance(target, Func))
        case DeclTag():
            return isinstance(target, _TAGGABLE)
        case Array() if role == "index":
            return isinstance(target, Int)
    return not isinstance(target, _NOT_A_TARGET)


class _Checker:
    """Walks the type graph once, without following pointers, to find loops and sizes.

    The walk is iterative so that hostile input cannot exhaust Python's stack; each type is
    finished (sized and checked) after everything it contains.
    """

    def __init__(self, types: tuple[Type, ...]) -> None:
        self.types = types
        self.sizes: dict[int, int] = {}
        self.depth: dict[int, int] = {0: 0}

    def run(self) -> dict[int, int]:
        for t in self.types[1:]:
            if t.id not in self.depth:
                self._walk(t.id)
        return self.sizes

    def _walk(self, root: int) -> None:
        on_path = {root}
        stack = [(root, self._children(self.types[root]))]
        while stack:
            type_id, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(type_id)
                self._finish(self.types[type_id])
            elif child in on_path:
                raise BtfError(f"type [{child}]: contains itself")
            elif child not in self.depth:
                on_path.add(child)
                stack.append((child, self._children(self.types[child])))

    def _children(self, t: Type) -> Iterator[int]:
        if isinstance(t, Ptr):
            return iter(())
        return (ref for _, ref in _references(t))

    def _finish(self, t: Type) -> None:
        depth = 1 + max((self.depth[ref] for ref in self._children(t)), default=0)
        if depth > MAX_NESTING:
            raise BtfError(f"type [{t.id}]: nested deeper than {MAX_NESTING} types")
        self.depth[t.id] = depth
        size = self._size(t)
        if size is not None:
            if size > _MAX_SIZE:
                raise BtfError(f"type [{t.id}]: size {size} does not fit in 32 bits")
            self.sizes[t.id] = size
        if isinstance(t, (Struct, Union)):
            for m in t.members:
                self._check_member(t, m)
        elif isinstance(t, Array) and t.type not in self.sizes:
            raise BtfError(f"type [{t.id}]: {describe(self.types[t.type])} has no size")
        elif isinstance(t, DeclTag):
            self._check_decl_tag(t)

    def _size(self, t: Type) -> int | None:
        match t:
            case Int() | Struct() | Union() | Enum() | Enum64() | Float() | Datasec():
                return t.size
            case Ptr():
                return POINTER_SIZE
            case Array():
                elem = self.sizes.get(t.type)
                return None if elem is None else elem * t.nelems
            case Typedef() | Volatile() | Const() | Restrict() | TypeTag() | Var():
                return self.sizes.get(t.type)
        return None

    def _base(self, type_id: int) -> Type:
        t = self.types[type_id]
        while isinstance(t, MODIFIERS):
            t = self.types[t.type]
        return t

    def _check_member(self, t: Struct | Union, m: Member) -> None:
        where = f"type [{t.id}]: member '{m.name}'"
        size = self.sizes.get(m.type)
        if size is None:
            raise BtfError(f"{where} has no size")
        base = self._base(m.type)
        if m.bitfield_size:
            if not isinstance(base, (Int, Enum, Enum64)):
                raise BtfError(f"{where} is a bitfield of {describe(base)}")
            if m.bitfield_size > 8 * size:
                raise BtfError(f"{where} has {m.bitfield_size} bits in a {size}-byte type")
            width = m.bitfield_size
        elif isinstance(base, Int):
            width = base.offset + base.bits
        else:
            if m.bit_offset % 8:
                raise BtfError(f"{where} is not byte aligned")
            width = 8 * size
        if m.bit_offset + width > 8 * t.size:
            raise BtfError(f"{where} ends beyond the {t.size}-byte {t.kind.name.lower()}")

    def _check_decl_tag(self, t: DeclTag) -> None:
        target = self.types[t.type]
        if t.component_idx == -1:
            return
        match target:
            case Struct() | Union():
                count = len(target.members)
            case Func():
                proto = self.types[target.type]
                assert isinstance(proto, FuncProto)  # checked by _may_refer
                count = len(proto.params)
            case _:
                count = 0
        if not 0 <= t.component_idx < count:
            raise BtfError(f"type [{t.id}]: component {t.component_idx} out of range")
