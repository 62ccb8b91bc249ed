"""Objects a program allocates with ``bpf_obj_new`` (``PTR_TO_BTF_ID | MEM_ALLOC``): typed by
the program's own BTF, referenced until ``bpf_obj_drop`` frees them, readable and writable
field by field except for the special fields only kfuncs may touch (the kernel's
``bpf_obj_new_impl`` and ``bpf_obj_drop_impl`` rules in ``check_kfunc_args`` and
``check_kfunc_call``, and ``btf_struct_access`` for allocated objects).
"""

from __future__ import annotations

from typing import Final

from ..btf import Spec, Struct
from ._env import Env, Refuse
from ._state import Ref, Reg, RegType, State

__all__ = ["ALLOC", "check_alloc_arg", "check_special_overlap", "is_alloc", "new_object"]

ALLOC: Final = "alloc"  #: the trust mark of an allocated object (``MEM_ALLOC``)
EINVAL: Final = 22

#: the structs only kfuncs may touch inside an allocated object, by the name the kernel's
#: messages give them (``btf_field_type_name``)
_SPECIAL: Final = frozenset({"bpf_spin_lock", "bpf_list_head", "bpf_list_node", "bpf_rb_root", "bpf_rb_node",
                             "bpf_refcount", "bpf_timer", "bpf_wq"})


def is_alloc(reg: Reg) -> bool:
    """Whether ``reg`` points to an object of the program's own (``bpf_obj_new``), by an
    owning or a non-owning reference (see :mod:`._graph`)."""
    return reg.type == RegType.BTF_ID and reg.trust.startswith(ALLOC)


def new_object(env: Env, st: State, pc: int, type_id: int) -> Reg:
    """R0 of ``bpf_obj_new_impl(type_id)``: a referenced, possibly NULL pointer to a new
    object of the program's struct ``type_id``."""
    spec = env.inp.prog_btf
    if spec is None:
        raise Refuse("bpf_obj_new/bpf_percpu_obj_new requires prog BTF", EINVAL)
    if type_id >> 32:
        raise Refuse("local type ID argument must be in range [0, U32_MAX]", EINVAL)
    t = spec.type_by_id(type_id) if type_id < len(spec) else None
    if not isinstance(t, Struct):
        raise Refuse("bpf_obj_new/bpf_percpu_obj_new type ID argument must be of a struct", EINVAL)
    r = Reg(RegType.BTF_ID)
    r.btf_name, r.btf_id, r.trust, r.null = t.name, t.id, ALLOC, True
    r.id = r.ref_obj_id = env.new_id()
    st.refs = st.refs + (Ref(r.id, pc),)
    return r


def check_alloc_arg(i: int, reg: Reg) -> int:
    """``bpf_obj_drop``'s argument: a referenced allocated object, not NULL, not moved.
    Returns its reference."""
    if reg.is_null_scalar() or reg.null:
        raise Refuse(f"Possibly NULL pointer passed to trusted arg{i}", 13)
    if not reg.ref_obj_id and not (reg.type == RegType.BTF_ID and reg.trust == "trusted"):
        raise Refuse(f"R{i + 1} must be referenced or trusted", EINVAL)  # a release's rule first
    if not is_alloc(reg):
        raise Refuse(f"arg#{i} expected pointer to allocated object", EINVAL)
    if not reg.ref_obj_id:
        raise Refuse("allocated object must be referenced", EINVAL)
    if reg.off or not reg.is_const or reg.const:
        raise Refuse(f"R{i + 1} must have zero offset when passed to release func or trusted arg to kfunc", EINVAL)
    return reg.ref_obj_id


def check_special_overlap(spec: Spec, type_id: int, off: int, size: int) -> None:
    """No load or store may touch a special field of an allocated object."""
    for field_off, field_size, name in _special_fields(spec, type_id, 0):
        if off < field_off + field_size and field_off < off + size:
            raise Refuse(f"direct access to {name} is disallowed", 13)


def _special_fields(spec: Spec, type_id: int, base: int) -> list[tuple[int, int, str]]:
    """(offset, size, name) of each special struct inside the struct ``type_id``, nested
    structs included."""
    t = spec.type_by_id(spec.skip_modifiers(type_id))
    if not isinstance(t, Struct):
        return []
    if t.name in _SPECIAL:
        return [(base, t.size, t.name)]
    found: list[tuple[int, int, str]] = []
    for m in t.members:
        found += _special_fields(spec, m.type, base + m.bit_offset // 8)
    return found
