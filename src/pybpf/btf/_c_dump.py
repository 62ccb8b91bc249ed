"""Text dumps of BTF, as ``bpftool btf dump file X`` prints them in its two formats.

:func:`dump_raw` prints one entry per type (``[14] STRUCT 'bpf_timer' size=16 vlen=0``).
:func:`dump_c` prints compilable C (``format c``), reproducing the output of bpftool 7.1 with
libbpf 1.1 (Debian 12): libbpf's ``btf_dump`` orders definitions topologically (a struct
embedded by value is defined first, one reached through a pointer may only be declared),
defines anonymous types inline, renames clashing names to ``name___2``, and fills gaps in a
struct with anonymous bitfields such as ``long: 64;`` so the layout survives a recompile. That
is how the old ``struct bpf_timer``, whose BTF has a size and no members, prints as two
``long: 64;`` lines. Newer libbpf also appends ``__attribute__((mode(byte)))`` to odd-sized
enums; this dump follows 1.1 and does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum as _Enumeration

from ._errors import BtfError
from ._spec import MAX_NESTING, POINTER_SIZE, Spec
from ._types import (
    Array,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    Float,
    Func,
    FuncProto,
    Fwd,
    Int,
    IntEncoding,
    Linkage,
    Ptr,
    Restrict,
    Struct,
    Type,
    Typedef,
    TypeTag,
    Union,
    Var,
    Volatile,
)

__all__ = ["ENCODING_NAMES", "LINKAGE_NAMES", "dump_c", "dump_raw"]

_C_HEADER = """\
#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

"""
_C_FOOTER = """\
#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
"""
_MAX_INDENT = 13  # libbpf's indentation stops growing here
# libbpf pads any gap; a gap this large (a struct claiming a gigabyte) would print millions of
# lines, so it is refused instead. Real structs have gaps of at most a page.
_MAX_GAP_BITS = 8 << 20
_PADS = (("long", 8 * POINTER_SIZE), ("int", 32), ("short", 16), ("char", 8))
_QUALIFIER_WORDS: dict[type[Type], str] = {
    Volatile: "volatile",
    Const: "const",
    Restrict: "restrict",
}
#: bpftool's words for an INT's encoding and a FUNC's or VAR's linkage (``btf dump`` raw and JSON)
ENCODING_NAMES = {
    0: "(none)",
    IntEncoding.SIGNED: "SIGNED",
    IntEncoding.CHAR: "CHAR",
    IntEncoding.BOOL: "BOOL",
}
LINKAGE_NAMES = {Linkage.STATIC: "static", Linkage.GLOBAL: "global", Linkage.EXTERN: "extern"}


def dump_raw(spec: Spec, type_ids: Iterable[int] | None = None) -> str:
    """Every type (or those of ``type_ids``) as ``bpftool btf dump ... format raw`` lists it."""
    ids = range(1, len(spec)) if type_ids is None else type_ids
    return "".join(_raw_entry(spec, spec.type_by_id(i)) + "\n" for i in ids)


def _raw_entry(spec: Spec, t: Type) -> str:
    head = f"[{t.id}] {t.kind.name} '{t.name or '(anon)'}'"
    match t:
        case Int():
            enc = ENCODING_NAMES[t.encoding]
            return f"{head} size={t.size} bits_offset={t.offset} nr_bits={t.bits} encoding={enc}"
        case Ptr() | Typedef() | Volatile() | Const() | Restrict() | TypeTag():
            return f"{head} type_id={t.type}"
        case Array():
            return f"{head} type_id={t.type} index_type_id={t.index_type} nr_elems={t.nelems}"
        case Struct() | Union():
            lines = [f"{head} size={t.size} vlen={len(t.members)}"]
            for m in t.members:
                bits = f" bitfield_size={m.bitfield_size}" if m.bitfield_size else ""
                name = m.name or "(anon)"
                lines.append(f"\t'{name}' type_id={m.type} bits_offset={m.bit_offset}{bits}")
            return "\n".join(lines)
        case Enum() | Enum64():
            sign = "SIGNED" if t.signed else "UNSIGNED"
            suffix = "" if isinstance(t, Enum) else "LL" if t.signed else "ULL"
            lines = [f"{head} encoding={sign} size={t.size} vlen={len(t.values)}"]
            lines += [f"\t'{v.name}' val={v.value}{suffix}" for v in t.values]
            return "\n".join(lines)
        case Fwd():
            return f"{head} fwd_kind={'union' if t.is_union else 'struct'}"
        case Func():
            return f"{head} type_id={t.type} linkage={LINKAGE_NAMES[t.linkage]}"
        case FuncProto():
            lines = [f"{head} ret_type_id={t.return_type} vlen={len(t.params)}"]
            lines += [f"\t'{p.name or '(anon)'}' type_id={p.type}" for p in t.params]
            return "\n".join(lines)
        case Var():
            return f"{head} type_id={t.type}, linkage={LINKAGE_NAMES[t.linkage]}"
        case Datasec():
            lines = [f"{head} size={t.size} vlen={len(t.vars)}"]
            for v in t.vars:
                var = spec.types[v.type]
                lines.append(
                    f"\ttype_id={v.type} offset={v.offset} size={v.size} (VAR '{var.name}')"
                )
            return "\n".join(lines)
        case Float():
            return f"{head} size={t.size}"
        case DeclTag():
            return f"{head} type_id={t.type} component_idx={t.component_idx}"
    return head


def dump_c(spec: Spec, type_ids: Iterable[int] | None = None) -> str:
    """C definitions of every type (or of ``type_ids`` and what they need), as a header.

    Raises:
        BtfError: if the types cannot be ordered (a loop that only anonymous types close),
            nest deeper than :data:`MAX_NESTING` even through pointers, or leave a gap of more
            than a MiB inside a struct.
    """
    dumper = _CDumper(spec)
    for type_id in range(1, len(spec)) if type_ids is None else type_ids:
        spec.type_by_id(type_id)
        dumper.dump_type(type_id)
    return _C_HEADER + "".join(dumper.out) + _C_FOOTER


class _State(_Enumeration):
    """Where a type is in the ordering pass and, separately, in the emitting pass."""

    NOT_DONE = 0
    IN_PROGRESS = 1
    DONE = 2


class _CDumper:
    """libbpf's ``btf_dump``: an ordering pass, then an emitting pass, per requested type.

    State survives between requested types, so a definition is printed once, in front of the
    first type that needs it.
    """

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.types = spec.types
        self.out: list[str] = []
        self.order = {0: _State.DONE}
        self.emit = {0: _State.DONE}
        self.fwd_emitted: set[int] = set()
        self.names: dict[int, str] = {}
        self.type_names: dict[str, int] = {}
        self.ident_names: dict[str, int] = {}
        self.referenced = _referenced(spec)
        self.queue: list[int] = []
        self.depth = 0

    def dump_type(self, type_id: int) -> None:
        self.queue = []
        self._order(type_id, through_ptr=False)
        for queued in self.queue:
            self._emit(queued, 0)

    def _enter(self, type_id: int) -> None:
        """Count one level of recursion, refusing input that nests absurdly deep."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise BtfError(f"type [{type_id}]: declaration nested deeper than {MAX_NESTING}")

    # Ordering: the emit queue lists named definitions so that each comes after the types
    # it embeds. The result says whether the link to ``type_id`` is strong (a definition is
    # needed first) or weak (a forward declaration will do, through a pointer).

    def _order(self, type_id: int, *, through_ptr: bool) -> bool:
        self._enter(type_id)
        try:
            return self._order_one(type_id, through_ptr)
        finally:
            self.depth -= 1

    def _order_one(self, type_id: int, through_ptr: bool) -> bool:
        state = self.order.get(type_id, _State.NOT_DONE)
        if state == _State.DONE:
            return True
        t = self.types[type_id]
        if state == _State.IN_PROGRESS:
            if isinstance(t, (Struct, Union)) and through_ptr and t.name:
                return False
            raise BtfError(f"type [{type_id}]: unsatisfiable type cycle")
        match t:
            case Int() | Float():
                self.order[type_id] = _State.DONE
                return False
            case Ptr():
                strong = self._order(t.type, through_ptr=True)
                self.order[type_id] = _State.DONE
                return strong
            case Array():
                return self._order(t.type, through_ptr=False)
            case Struct() | Union():
                if through_ptr and t.name:
                    return False
                self.order[type_id] = _State.IN_PROGRESS
                for m in t.members:
                    self._order(m.type, through_ptr=False)
                if t.name:
                    self.queue.append(type_id)
                self.order[type_id] = _State.DONE
                return True
            case Enum() | Enum64() | Fwd():
                if t.name or type_id not in self.referenced:
                    self.queue.append(type_id)
                self.order[type_id] = _State.DONE
                return True
            case Typedef():
                strong = self._order(t.type, through_ptr=through_ptr)
                if through_ptr and not strong:
                    return False
                self.queue.append(type_id)
                self.order[type_id] = _State.DONE
                return True
            case Volatile() | Const() | Restrict() | TypeTag():
                return self._order(t.type, through_ptr=through_ptr)
            case FuncProto():
                strong = self._order(t.return_type, through_ptr=through_ptr)
                for p in t.params:
                    strong = self._order(p.type, through_ptr=through_ptr) or strong
                return strong
        self.order[type_id] = _State.DONE  # functions, variables, sections, tags
        return False

    # Emitting: definitions at top level (cont_id 0), or what a definition inside container
    # ``cont_id`` needs first (forward declarations, inline anonymous types).

    def _emit(self, type_id: int, cont_id: int) -> None:
        self._enter(type_id)
        try:
            self._emit_one(type_id, cont_id)
        finally:
            self.depth -= 1

    def _emit_one(self, type_id: int, cont_id: int) -> None:
        state = self.emit.get(type_id, _State.NOT_DONE)
        if state == _State.DONE:
            return
        t = self.types[type_id]
        if state == _State.IN_PROGRESS:
            self._emit_fwd_in_cycle(t, cont_id)
            return
        top_level = cont_id == 0
        match t:
            case Int():
                self.emit[type_id] = _State.DONE
            case Enum() | Enum64():
                if top_level:
                    self._enum_def(t, 0)
                    self.out.append(";\n\n")
                self.emit[type_id] = _State.DONE
            case Ptr() | Volatile() | Const() | Restrict() | TypeTag() | Array():
                self._emit(t.type, cont_id)
            case Fwd():
                self.out.append(self._fwd(t) + ";\n\n")
                self.emit[type_id] = _State.DONE
            case Typedef():
                self.emit[type_id] = _State.IN_PROGRESS
                self._emit(t.type, type_id)
                if type_id not in self.fwd_emitted and t.name != "__builtin_va_list":
                    self._typedef_def(t, 0)
                    self.out.append(";\n\n")
                self.emit[type_id] = _State.DONE
            case Struct() | Union():
                self._emit_struct(t, cont_id)
            case FuncProto():
                self._emit(t.return_type, cont_id)
                for p in t.params:
                    self._emit(p.type, cont_id)

    def _emit_fwd_in_cycle(self, t: Type, cont_id: int) -> None:
        """A type met again while its own definition is pending: declare it if C needs that."""
        if t.id in self.fwd_emitted:
            return
        if isinstance(t, (Struct, Union)):
            if t.id == cont_id or not t.name:  # its own member, or an anonymous loop
                return
            self.out.append(self._struct_fwd(t) + ";\n\n")
            self.fwd_emitted.add(t.id)
        elif isinstance(t, Typedef):
            if t.name != "__builtin_va_list":
                self._typedef_def(t, 0)
                self.out.append(";\n\n")
            self.fwd_emitted.add(t.id)

    def _emit_struct(self, t: Struct | Union, cont_id: int) -> None:
        top_level = cont_id == 0
        self.emit[t.id] = _State.IN_PROGRESS
        if top_level or not t.name:
            inner = t.id if t.name else cont_id
            for m in t.members:
                self._emit(m.type, inner)
        elif t.id not in self.fwd_emitted and t.id != cont_id:
            self.out.append(self._struct_fwd(t) + ";\n\n")
            self.fwd_emitted.add(t.id)
        if top_level:
            self._struct_def(t, 0)
            self.out.append(";\n\n")
            self.emit[t.id] = _State.DONE
        else:
            self.emit[t.id] = _State.NOT_DONE

    # Names: struct, union, enum and forward names share one namespace, typedefs and
    # enumerators another; the second holder of a name in a namespace becomes name___2.

    def _unique_name(self, t: Type, seen: dict[str, int]) -> str:
        if not t.name:
            return ""
        if t.id in self.names:
            return self.names[t.id]
        name = t.name
        if not isinstance(t, Fwd) and not (isinstance(t, Enum) and not t.values):
            count = seen[t.name] = seen.get(t.name, 0) + 1
            if count > 1:
                name = f"{t.name}___{count}"
        self.names[t.id] = name
        return name

    def _type_name(self, t: Type) -> str:
        return self._unique_name(t, self.type_names)

    def _ident_name(self, t: Type) -> str:
        return self._unique_name(t, self.ident_names)

    # Definitions.

    def _struct_fwd(self, t: Struct | Union) -> str:
        keyword = "struct" if isinstance(t, Struct) else "union"
        return f"{keyword}{' ' if t.name else ''}{self._type_name(t)}"

    def _fwd(self, t: Fwd) -> str:
        return f"{'union' if t.is_union else 'struct'} {self._type_name(t)}"

    def _struct_def(self, t: Struct | Union, lvl: int) -> None:
        is_struct = isinstance(t, Struct)
        align = self.spec.align_of(t.id)
        packed = isinstance(t, Struct) and self._is_packed(t)
        self.out.append(self._struct_fwd(t) + " {")
        off = 0
        prev_bitfield = False
        for m in t.members:
            m_align = 1 if packed else self.spec.align_of(m.type)
            in_bitfield = prev_bitfield and m.bitfield_size != 0
            self._bit_padding(t, off, m.bit_offset, m_align, in_bitfield, lvl + 1)
            self.out.append("\n" + _indent(lvl + 1))
            self._decl(m.type, m.name, lvl + 1)
            if m.bitfield_size:
                self.out.append(f": {m.bitfield_size}")
                off = m.bit_offset + m.bitfield_size
            else:
                off = m.bit_offset + 8 * self.spec.resolve_size(m.type)
            prev_bitfield = m.bitfield_size != 0
            self.out.append(";")
        if is_struct:
            self._bit_padding(t, off, 8 * t.size, align, False, lvl + 1)
        if t.members or t.size:
            self.out.append("\n" + _indent(lvl) + "}")
        else:
            self.out.append("}")
        if packed:
            self.out.append(" __attribute__((packed))")

    def _is_packed(self, t: Struct) -> bool:
        """Whether only ``__attribute__((packed))`` explains the layout."""
        max_align = 1
        for m in t.members:
            align = self.spec.align_of(m.type)
            if not m.bitfield_size and m.bit_offset % (8 * align):
                return True
            max_align = max(max_align, align)
        return t.size % max_align != 0

    def _bit_padding(
        self,
        owner: Struct | Union,
        cur_off: int,
        next_off: int,
        next_align: int,
        in_bitfield: bool,
        lvl: int,
    ) -> None:
        """Fill the gap of bits before the next member with anonymous bitfields.

        The largest of long, int, short and char that reaches an aligned boundary inside the
        gap is used; a ``type: 0`` marker is needed when the compiler would not align there
        by itself, and inside a run of bitfields the first pad takes the exact bit count.
        """
        if cur_off >= next_off:
            return
        if next_off - cur_off > _MAX_GAP_BITS:
            gap = (next_off - cur_off) // 8
            raise BtfError(f"type [{owner.id}]: {gap}-byte gap is too large to pad")
        pad_type, pad_bits = _PADS[-1]
        new_off = cur_off
        for pad_type, pad_bits in _PADS:
            new_off = _roundup(cur_off, pad_bits)
            if new_off <= next_off:
                break
        if cur_off < new_off <= next_off:
            if (
                in_bitfield
                or (new_off == next_off and _roundup(cur_off, 8 * next_align) != new_off)
                or (new_off != next_off and next_off - new_off <= new_off - cur_off)
            ):
                width = new_off - cur_off if in_bitfield else 0
                self.out.append(f"\n{_indent(lvl)}{pad_type}: {width};")
            cur_off = new_off
        full, rest = divmod(next_off - cur_off, pad_bits)
        self.out.append(f"\n{_indent(lvl)}{pad_type}: {pad_bits};" * full)
        if rest:
            pad_type = next(name for name, size in reversed(_PADS) if size >= rest)
            self.out.append(f"\n{_indent(lvl)}{pad_type}: {rest};")

    def _enum_def(self, t: Enum | Enum64, lvl: int) -> None:
        self.out.append(f"enum{' ' if t.name else ''}{self._type_name(t)}")
        if not t.values:
            return
        self.out.append(" {")
        suffix = "" if isinstance(t, Enum) else "LL" if t.signed else "ULL"
        for v in t.values:
            count = self.ident_names[v.name] = self.ident_names.get(v.name, 0) + 1
            name = f"{v.name}___{count}" if count > 1 else v.name
            self.out.append(f"\n{_indent(lvl + 1)}{name} = {v.value}{suffix},")
        self.out.append(f"\n{_indent(lvl)}}}")

    def _typedef_def(self, t: Typedef, lvl: int) -> None:
        name = self._ident_name(t)
        if t.type == 0 and name == "__gnuc_va_list":
            self.out.append("typedef __builtin_va_list __gnuc_va_list")
            return
        self.out.append("typedef ")
        self._decl(t.type, name, lvl)

    # Declarations: C writes qualifiers after the ``*`` they apply to and wraps arrays and
    # function pointers around the name, so the chain of types is written inside out.

    def _decl(self, type_id: int, fname: str, lvl: int) -> None:
        self._enter(type_id)
        try:
            decls = self._decl_stack(type_id)
            self._chain(decls, fname, lvl)
        finally:
            self.depth -= 1

    def _decl_stack(self, type_id: int) -> list[int]:
        """The chain from ``type_id`` down to the named type that ends the declaration."""
        decls = [type_id]
        t = self.types[type_id]
        while type_id and isinstance(
            t, (Ptr, Volatile, Const, Restrict, TypeTag, FuncProto, Array)
        ):
            type_id = t.return_type if isinstance(t, FuncProto) else t.type
            decls.append(type_id)
            if len(decls) > MAX_NESTING:
                raise BtfError(f"type [{decls[0]}]: declaration nested deeper than {MAX_NESTING}")
            t = self.types[type_id]
        return decls

    def _chain(self, decls: list[int], fname: str, lvl: int) -> None:
        last_was_ptr = True
        while decls:
            type_id = decls.pop()
            if type_id == 0:
                self._qualifiers(decls)
                self.out.append("void")
                last_was_ptr = False
                continue
            t = self.types[type_id]
            match t:
                case Int() | Float():
                    self._qualifiers(decls)
                    self.out.append(t.name)
                case Struct() | Union():
                    self._qualifiers(decls)
                    if t.name:
                        self.out.append(self._struct_fwd(t))
                    else:
                        self._struct_def(t, lvl)
                case Enum() | Enum64():
                    self._qualifiers(decls)
                    if t.name:
                        self.out.append(f"enum {self._type_name(t)}")
                    else:
                        self._enum_def(t, lvl)
                case Fwd():
                    self._qualifiers(decls)
                    self.out.append(self._fwd(t))
                case Typedef():
                    self._qualifiers(decls)
                    self.out.append(self._ident_name(t))
                case Ptr():
                    self.out.append("*" if last_was_ptr else " *")
                case Volatile() | Const() | Restrict():
                    self.out.append(" " + _QUALIFIER_WORDS[type(t)])
                case TypeTag():
                    self._qualifiers(decls)
                    tag = t.name if t.attribute else f'btf_type_tag("{t.name}")'
                    self.out.append(f" __attribute__(({tag}))")
                case Array():
                    self._array_chain(t, decls, fname, last_was_ptr, lvl)
                    return
                case FuncProto():
                    self._func_chain(t, decls, fname, last_was_ptr, lvl)
                    return
                case _:
                    return  # libbpf warns and stops: functions, variables, sections, tags
            last_was_ptr = isinstance(t, Ptr)
        self._name(fname, last_was_ptr)

    def _array_chain(
        self, t: Array, decls: list[int], fname: str, last_was_ptr: bool, lvl: int
    ) -> None:
        _drop_qualifiers(self.types, decls)
        if not decls:
            self._name(fname, last_was_ptr)
            self.out.append(f"[{t.nelems}]")
            return
        multidim = isinstance(self.types[decls[-1]], Array)
        if fname and not last_was_ptr:
            self.out.append(" ")
        if not multidim:
            self.out.append("(")
        self._chain(decls, fname, lvl)
        if not multidim:
            self.out.append(")")
        self.out.append(f"[{t.nelems}]")

    def _func_chain(
        self, t: FuncProto, decls: list[int], fname: str, last_was_ptr: bool, lvl: int
    ) -> None:
        _drop_qualifiers(self.types, decls)
        if decls:
            self.out.append(" (")
            self._chain(decls, fname, lvl)
            self.out.append(")")
        else:
            self._name(fname, last_was_ptr)
        self.out.append("(")
        if not t.params or (len(t.params) == 1 and t.params[0].type == 0):
            self.out.append("void)")
            return
        for i, p in enumerate(t.params):
            if i:
                self.out.append(", ")
            if i == len(t.params) - 1 and p.type == 0:
                self.out.append("...")
                break
            self._decl(p.type, p.name, lvl)
        self.out.append(")")

    def _qualifiers(self, decls: list[int]) -> None:
        """Write the qualifiers that precede a base type (``const int``), innermost first."""
        while decls:
            t = self.types[decls[-1]]
            word = _QUALIFIER_WORDS.get(type(t))
            if word is None:
                return
            self.out.append(word + " ")
            decls.pop()

    def _name(self, fname: str, last_was_ptr: bool) -> None:
        self.out.append(f" {fname}" if fname and not last_was_ptr else fname)


def _drop_qualifiers(types: tuple[Type, ...], decls: list[int]) -> None:
    """Drop qualifiers on arrays and functions, which GCC emits and C cannot write."""
    while decls and isinstance(types[decls[-1]], (Volatile, Const, Restrict, TypeTag)):
        decls.pop()


def _referenced(spec: Spec) -> set[int]:
    """Types that another type refers to; an anonymous enum nobody uses is a top-level one.

    Like libbpf, a function prototype's return type does not count.
    """
    refs: set[int] = set()
    for t in spec.types:
        match t:
            case Ptr() | Typedef() | Volatile() | Const() | Restrict() | TypeTag():
                refs.add(t.type)
            case Func() | Var() | DeclTag():
                refs.add(t.type)
            case Array():
                refs.update((t.type, t.index_type))
            case Struct() | Union():
                refs.update(m.type for m in t.members)
            case FuncProto():
                refs.update(p.type for p in t.params)
            case Datasec():
                refs.update(v.type for v in t.vars)
    return refs


def _indent(lvl: int) -> str:
    return "\t" * min(lvl, _MAX_INDENT)


def _roundup(value: int, step: int) -> int:
    return (value + step - 1) // step * step
