"""The special fields of a map value or of an allocated object that lists, red-black trees,
reference counts and kptrs need (the kernel's ``btf_record``, built by ``btf_parse_fields``):
where each ``bpf_list_head``/``bpf_rb_root`` sits and which struct it holds through which
node (its ``contains:<struct>:<member>`` declaration tag), where the nodes, the
``bpf_refcount`` and the ``bpf_spin_lock`` sit, and each ``__kptr`` pointer field.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

from ..btf import MODIFIERS, Array, Datasec, DeclTag, Ptr, Spec, Struct, TypeTag, Var

__all__ = ["GRAPH_NODE_OF", "GraphRoot", "Kptr", "Record", "record_of"]

#: the node struct each root struct links through
GRAPH_NODE_OF: Final = {"bpf_list_head": "bpf_list_node", "bpf_rb_root": "bpf_rb_node"}
_NODES: Final = frozenset(GRAPH_NODE_OF.values())
#: the pointer type tags that make a kptr field, by the kind the kernel's messages name
_KPTR_TAGS: Final = {"kptr": "kptr", "kptr_untrusted": "kptr_untrusted", "percpu_kptr": "percpu_kptr"}


@dataclass(frozen=True)
class GraphRoot:
    """A ``bpf_list_head`` or ``bpf_rb_root`` at ``offset``, holding structs ``value_id``
    (``value_name``) linked through the node at ``node_offset`` in them (0 and -1 when its
    tag names nothing usable)."""

    kind: str
    offset: int
    value_id: int
    value_name: str
    node_offset: int


@dataclass(frozen=True)
class Kptr:
    """A ``__kptr`` pointer field at ``offset``: its tag and the struct it points to (in the
    program's BTF: the struct's own id there)."""

    offset: int
    tag: str
    struct_id: int
    struct_name: str


@dataclass(frozen=True)
class Record:
    """The special fields of one struct or data section."""

    roots: tuple[GraphRoot, ...] = ()
    nodes: tuple[tuple[int, str], ...] = ()  #: (offset, ``bpf_list_node``/``bpf_rb_node``)
    kptrs: tuple[Kptr, ...] = ()
    refcount_off: int = -1
    lock_off: int = -1

    def root_at(self, off: int, kind: str) -> GraphRoot | None:
        return next((r for r in self.roots if r.offset == off and r.kind == kind), None)

    def node_at(self, off: int, kind: str) -> bool:
        return (off, kind) in self.nodes

    def kptr_at(self, off: int) -> Kptr | None:
        return next((k for k in self.kptrs if k.offset == off), None)


@functools.lru_cache(maxsize=512)
def record_of(spec: Spec, type_id: int) -> Record:
    """The record of struct or data section ``type_id`` of ``spec`` (an empty one for any
    other type)."""
    t = spec.type_by_id(spec.skip_modifiers(type_id)) if 0 < type_id < len(spec) else None
    found = _Found()
    if isinstance(t, Struct):
        _walk_struct(spec, t, 0, found)
    elif isinstance(t, Datasec):
        for v in t.vars:
            var = spec.type_by_id(v.type)
            if isinstance(var, Var):
                _member(spec, var.type, v.offset, _contains(spec, var.id, -1), found)
    return Record(tuple(found.roots), tuple(found.nodes), tuple(found.kptrs), found.refcount, found.lock)


class _Found:
    def __init__(self) -> None:
        self.roots: list[GraphRoot] = []
        self.nodes: list[tuple[int, str]] = []
        self.kptrs: list[Kptr] = []
        self.refcount = -1
        self.lock = -1


def _walk_struct(spec: Spec, t: Struct, base: int, found: _Found) -> None:
    for index, m in enumerate(t.members):
        if m.bitfield_size or m.bit_offset % 8:
            continue
        _member(spec, m.type, base + m.bit_offset // 8, _contains(spec, t.id, index), found)


def _member(spec: Spec, type_id: int, off: int, contains: str, found: _Found) -> None:
    """One member (or variable) at ``off``: a special struct, a kptr, or a struct to search."""
    t = spec.type_by_id(spec.skip_modifiers(type_id))
    if isinstance(t, Array):  # each element, as the kernel's btf_find_field counts them
        size = spec.resolve_size(t.type)
        for i in range(t.nelems if size else 0):
            _member(spec, t.type, off + i * size, contains, found)
        return
    if isinstance(t, Ptr):
        tags = []
        inner = spec.type_by_id(t.type)
        while isinstance(inner, MODIFIERS):
            if isinstance(inner, TypeTag):
                tags.append(inner.name)
            inner = spec.type_by_id(inner.type)
        kptr_tag = next((_KPTR_TAGS[n] for n in tags if n in _KPTR_TAGS), "")
        if kptr_tag and isinstance(inner, Struct):
            found.kptrs.append(Kptr(off, kptr_tag, inner.id, inner.name))
        return
    if not isinstance(t, Struct):
        return
    if t.name in GRAPH_NODE_OF:
        found.roots.append(_root(spec, t.name, off, contains))
    elif t.name in _NODES:
        found.nodes.append((off, t.name))
    elif t.name == "bpf_refcount":
        found.refcount = off
    elif t.name == "bpf_spin_lock":
        found.lock = off
    elif not t.name.startswith("bpf_"):
        _walk_struct(spec, t, off, found)


def _contains(spec: Spec, target: int, component: int) -> str:
    """The ``contains:`` tag on member ``component`` of ``target`` (-1: on ``target`` itself)."""
    for t in spec:
        if isinstance(t, DeclTag) and t.type == target and t.component_idx == component \
                and t.name.startswith("contains:"):
            return t.name
    return ""


def _root(spec: Spec, kind: str, off: int, contains: str) -> GraphRoot:
    parts = contains.split(":")
    if len(parts) != 3:
        return GraphRoot(kind, off, 0, "", -1)
    _, struct_name, member = parts
    for s in spec.types_by_name(struct_name, Struct):
        for m in s.members:
            if m.name == member:
                return GraphRoot(kind, off, s.id, s.name, m.bit_offset // 8)
    return GraphRoot(kind, off, 0, struct_name, -1)
