"""Lists and red-black trees of allocated objects, and their reference counts (the kernel's
graph kfunc rules in ``check_kfunc_args`` and ``check_kfunc_call``).

A ``bpf_list_head`` or ``bpf_rb_root`` lives in a map value (or an allocated object) beside a
``bpf_spin_lock`` that every operation on it must hold. Pushing an object gives up the
program's reference (its *owning* reference) for a *non-owning* one: the object stays
readable and writable until the lock is released, when every non-owning reference becomes
an unknown scalar. Popping or removing returns an owning reference again, which the program
must drop or push; peeking (``bpf_rbtree_first``, ``bpf_list_front``...) returns a non-owning
one. An object with a ``bpf_refcount`` may have several owning references
(``bpf_refcount_acquire``), and its non-owning references are RCU-protected instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..helpers import KfArg, KfuncProto
from ._env import Env, Refuse
from ._graph_fields import GRAPH_NODE_OF, GraphRoot, Record, record_of
from ._local_obj import ALLOC, is_alloc
from ._log import type_str
from ._state import Callback, Ref, Reg, RegType, Slot, State, scalar_unknown

__all__ = [
    "GRAPH_KFUNCS", "KPTR_RCU", "NON_OWN", "NON_OWN_RCU", "GraphMeta", "check_graph_arg", "check_object_lock", "graph_result",
    "in_less_callback", "invalidate_non_owning", "is_non_owning", "less_callback_args", "reg_record",
]

EINVAL: Final = 22
EACCES: Final = 13
KPTR_RCU: Final = "alloc_rcu"  #: a refcounted object read from a kptr in an RCU section (``MEM_ALLOC | MEM_RCU``)
NON_OWN: Final = "alloc_nonown"  #: the trust mark of a non-owning reference (``NON_OWN_REF``)
NON_OWN_RCU: Final = "alloc_nonown_rcu"  #: of a refcounted object's one (``| MEM_RCU``)

_LIST: Final = frozenset({"bpf_list_push_front_impl", "bpf_list_push_back_impl", "bpf_list_pop_front",
                          "bpf_list_pop_back", "bpf_list_front", "bpf_list_back"})
_RBTREE: Final = frozenset({"bpf_rbtree_add_impl", "bpf_rbtree_remove", "bpf_rbtree_first", "bpf_rbtree_root",
                            "bpf_rbtree_left", "bpf_rbtree_right"})
#: the kfuncs a program may call while it holds a spin lock (``is_bpf_graph_api_kfunc``)
GRAPH_KFUNCS: Final = _LIST | _RBTREE | {"bpf_refcount_acquire_impl"}
#: the kfuncs that give an object back to the program (owning)
_TAKES: Final = frozenset({"bpf_list_pop_front", "bpf_list_pop_back", "bpf_rbtree_remove"})
#: the kfuncs that give the program a look at an object still linked (non-owning)
_PEEKS: Final = frozenset({"bpf_list_front", "bpf_list_back", "bpf_rbtree_first", "bpf_rbtree_root",
                           "bpf_rbtree_left", "bpf_rbtree_right"})
#: the kfuncs that link an object, giving up its owning reference
_LINKS: Final = frozenset({"bpf_list_push_front_impl", "bpf_list_push_back_impl", "bpf_rbtree_add_impl"})


@dataclass
class GraphMeta:
    """What the graph arguments of one call established."""

    root: GraphRoot | None = None
    node_ref: int = 0  #: the owning reference a push or add gives up
    arg_type: Reg | None = None  #: ``bpf_refcount_acquire``'s argument
    arg_owning: bool = False


def is_non_owning(reg: Reg) -> bool:
    return reg.type == RegType.BTF_ID and reg.trust in (NON_OWN, NON_OWN_RCU)


def reg_record(env: Env, reg: Reg) -> Record:
    """The special fields of the map value or allocated object ``reg`` points into."""
    spec = env.inp.prog_btf
    if spec is None:
        return Record()
    if reg.type == RegType.MAP_VALUE and reg.map is not None:
        return record_of(spec, reg.map.value_type_id)
    if is_alloc(reg):
        return record_of(spec, reg.btf_id)
    return Record()


def _lock_held(st: State, reg: Reg) -> bool:
    """Whether the lock held is the one in ``reg``'s allocation (``check_reg_allocation_locked``)."""
    if st.lock is None:
        return False
    if reg.type == RegType.MAP_VALUE and reg.map is not None:
        return st.lock[0] == (reg.id or reg.map.ident)
    return st.lock[0] == reg.id


def check_graph_arg(env: Env, st: State, proto: KfuncProto, i: int, reg: Reg, meta: GraphMeta) -> None:
    """One graph argument of a kfunc (a root, a node, or a refcounted object)."""
    kind = proto.args[i].kind
    if reg.null or reg.is_null_scalar():
        raise Refuse(f"Possibly NULL pointer passed to trusted arg{i}", EACCES)
    if reg.type == RegType.BTF_ID and not reg.is_const:  # an object's pointer moved by a variable
        v = reg.var_off
        raise Refuse(f"variable {type_str(reg)} access var_off=({v.value:#x}; {v.mask:#x}) disallowed", EACCES)
    if kind in (KfArg.PTR_TO_LIST_HEAD, KfArg.PTR_TO_RB_ROOT):
        _root_arg(env, st, i, reg, "bpf_list_head" if kind == KfArg.PTR_TO_LIST_HEAD else "bpf_rb_root", meta)
    elif kind in (KfArg.PTR_TO_LIST_NODE, KfArg.PTR_TO_RB_NODE):
        _node_arg(env, st, proto, i, reg, meta)
    elif kind == KfArg.PTR_TO_REFCOUNTED_KPTR:
        if not is_alloc(reg):
            raise Refuse(f"arg#{i} is neither owning or non-owning ref", EINVAL)
        if reg_record(env, reg).refcount_off < 0:
            raise Refuse(f"arg#{i} doesn't point to a type with bpf_refcount field", EINVAL)
        meta.arg_type = reg
        meta.arg_owning = not is_non_owning(reg) and bool(reg.ref_obj_id)


def check_object_lock(env: Env, regno: int, reg: Reg) -> None:
    """``bpf_spin_lock``/``bpf_spin_unlock`` of the lock inside an allocated object
    (``process_spin_lock``): exactly at the object's ``bpf_spin_lock``."""
    if not reg.is_const:
        raise Refuse(f"R{regno} doesn't have constant offset. bpf_spin_lock has to be at the constant offset", EINVAL)
    record = reg_record(env, reg)
    if record.lock_off < 0:
        raise Refuse("local 'kptr' has no valid bpf_spin_lock", EINVAL)  # the kernel's text names no type
    off = reg.off + reg.const
    if off != record.lock_off:
        raise Refuse(f"off {off} doesn't point to 'struct bpf_spin_lock' that is at {record.lock_off}", EINVAL)


def _const_off(i: int, reg: Reg, what: str) -> int:
    if not reg.is_const:
        raise Refuse(f"R{i + 1} doesn't have constant offset. {what} has to be at the constant offset", EINVAL)
    return reg.off + reg.const


def _root_arg(env: Env, st: State, i: int, reg: Reg, kind: str, meta: GraphMeta) -> None:
    owning_alloc = is_alloc(reg) and not is_non_owning(reg) and not reg.null
    if not (reg.type == RegType.MAP_VALUE and not reg.null) and not owning_alloc:
        raise Refuse(f"arg#{i} expected pointer to map value or allocated object", EINVAL)
    if owning_alloc and not reg.ref_obj_id:
        raise Refuse("allocated object must be referenced", EINVAL)
    off = _const_off(i, reg, kind)
    record = reg_record(env, reg)
    root = record.root_at(off, kind)
    if root is None:
        raise Refuse(f"{kind} not found at offset={off}", EINVAL)
    if not _lock_held(st, reg):
        if st.lock is not None:
            env.log.add("held lock and object are not in the same allocation")
        raise Refuse(f"bpf_spin_lock at off={record.lock_off} must be held for {kind}", EINVAL)
    meta.root = root


def _node_arg(env: Env, st: State, proto: KfuncProto, i: int, reg: Reg, meta: GraphMeta) -> None:
    if proto.name in _LINKS:
        if not is_alloc(reg) or is_non_owning(reg) or reg.null:
            raise Refuse(f"arg#{i} expected pointer to allocated object", EINVAL)
        if not reg.ref_obj_id:
            raise Refuse("allocated object must be referenced", EINVAL)
        meta.node_ref = reg.ref_obj_id
    elif not is_non_owning(reg) and not reg.ref_obj_id:
        raise Refuse(f"{proto.name} can only take non-owning or refcounted bpf_rb_node pointer", EINVAL)
    elif in_less_callback(st):
        raise Refuse(f"{proto.name} not allowed in rbtree cb", EINVAL)
    root = meta.root
    assert root is not None  # the root is the argument before
    kind = GRAPH_NODE_OF[root.kind]
    off = _const_off(i, reg, kind)
    if not reg_record(env, reg).node_at(off, kind):
        raise Refuse(f"{kind} not found at offset={off}", EINVAL)
    if reg.btf_id != root.value_id:
        raise Refuse(f"operation on {root.kind} expects arg#1 {kind} at offset={root.node_offset} "
                     f"in struct {root.value_name}, but arg is at offset={off} in struct {reg.btf_name}", EINVAL)
    if off != root.node_offset:
        raise Refuse(f"arg#1 offset={off}, but expected {kind} at offset={root.node_offset} "
                     f"in struct {root.value_name}", EINVAL)


def _node_pointer(env: Env, root: GraphRoot, owning: bool) -> Reg:
    """A pointer to the node of an object ``root`` holds (``mark_reg_graph_node``)."""
    r = Reg(RegType.BTF_ID)
    r.btf_id, r.btf_name, r.off = root.value_id, root.value_name, root.node_offset
    r.trust = ALLOC if owning else _non_owning_mark(env, r)
    return r


def _non_owning_mark(env: Env, reg: Reg) -> str:
    return NON_OWN_RCU if reg_record(env, reg).refcount_off >= 0 else NON_OWN


def graph_result(env: Env, st: State, pc: int, proto: KfuncProto, meta: GraphMeta) -> Reg | None:
    """R0 of a graph kfunc, after its effects on references; None for the other kfuncs."""
    name = proto.name
    if name in _LINKS:
        _convert_to_non_owning(env, st, meta.node_ref)
        return scalar_unknown()
    if name == "bpf_refcount_acquire_impl":
        src = meta.arg_type
        assert src is not None
        r = Reg(RegType.BTF_ID)
        r.btf_id, r.btf_name, r.trust = src.btf_id, src.btf_name, ALLOC
        r.null = not meta.arg_owning
        r.id = r.ref_obj_id = env.new_id()
        st.refs = st.refs + (Ref(r.id, pc),)
        return r
    if name not in _TAKES and name not in _PEEKS:
        return None
    assert meta.root is not None
    r = _node_pointer(env, meta.root, name in _TAKES)
    r.null = True
    r.id = env.new_id()
    if name in _TAKES:
        r.ref_obj_id = r.id
        st.refs = st.refs + (Ref(r.id, pc),)
    return r


def _convert_to_non_owning(env: Env, st: State, ref: int) -> None:
    """Every copy of the pushed object's owning reference becomes non-owning, and the
    reference is released (``ref_convert_owning_non_owning``)."""
    for frame in st.frames:
        for i, r in enumerate(frame.regs):
            if r.ref_obj_id == ref:
                frame.regs[i] = _as_non_owning(env, r)
        for spi, slot in list(frame.stack.items()):
            if slot.spilled is not None and slot.spilled.ref_obj_id == ref:
                frame.stack[spi] = Slot(slot.kinds, _as_non_owning(env, slot.spilled))
    st.refs = tuple(r for r in st.refs if r.id != ref)  # no register holds it any more


def _as_non_owning(env: Env, r: Reg) -> Reg:
    out = r.copy()
    out.ref_obj_id = 0
    out.trust = _non_owning_mark(env, out)
    return out


def invalidate_non_owning(st: State) -> None:
    """At ``bpf_spin_unlock``: non-owning references become unknown scalars."""
    for frame in st.frames:
        for i, r in enumerate(frame.regs):
            if is_non_owning(r):
                frame.regs[i] = scalar_unknown()
        for spi, slot in list(frame.stack.items()):
            if slot.spilled is not None and is_non_owning(slot.spilled):
                frame.stack[spi] = Slot(slot.kinds, scalar_unknown())


def less_callback_args(env: Env, meta: GraphMeta) -> tuple[list[Reg], Callback]:
    """The arguments ``bpf_rbtree_add``'s ``less`` callback is verified with: two non-owning
    pointers to nodes of the tree, returning 0 or 1 (``set_rbtree_add_callback_state``)."""
    assert meta.root is not None
    args = [Reg()] * 11
    args[1] = _node_pointer(env, meta.root, False)
    args[2] = _node_pointer(env, meta.root, False)
    return args, Callback(0, 1, False, "bpf_rbtree_add_impl")


def in_less_callback(st: State) -> bool:
    """Whether the path is inside a ``less`` callback (``in_rbtree_lock_required_cb``)."""
    return any(f.callback is not None and f.callback.helper == "bpf_rbtree_add_impl" for f in st.frames)
