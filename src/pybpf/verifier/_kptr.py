"""kptrs: pointer fields of map values tagged ``__kptr`` (referenced: only ``bpf_kptr_xchg``
moves a reference in or out), ``__kptr_untrusted`` (a plain pointer a program may store) or
``__percpu_kptr``, and the other fields of a map value no instruction may touch (list heads,
tree roots); the kernel's ``process_kptr_func``, ``check_map_access`` and
``check_map_kptr_access``.
"""

from __future__ import annotations

from typing import Final

from ._env import Env, Refuse
from ._graph import KPTR_RCU, is_non_owning, reg_record
from ._graph_fields import Kptr, record_of
from ._local_obj import ALLOC, is_alloc
from ._log import type_str
from ._state import Ref, Reg, RegType, State

__all__ = ["check_kptr_xchg", "kptr_xchg_result", "owned_field_access"]

EINVAL: Final = 22
EACCES: Final = 13
EFAULT: Final = 14
_REFERENCED: Final = ("kptr", "percpu_kptr")
_ROOT_SIZE: Final = 16


def check_kptr_xchg(env: Env, st: State, field_reg: Reg, ptr: Reg) -> tuple[Kptr, int]:
    """``bpf_kptr_xchg(field, ptr)``'s arguments: the field (a referenced kptr of a map value
    or of an allocated object, at a constant offset) and the pointer moved in (NULL, or a referenced pointer to the
    field's struct). Returns the field and the reference the call releases (0: none)."""
    in_object = is_alloc(field_reg) and not is_non_owning(field_reg) and not field_reg.null
    if (field_reg.type != RegType.MAP_VALUE or field_reg.null) and not in_object:
        raise Refuse(f"R1 type={type_str(field_reg)} expected=map_value, ptr_", EACCES)
    m = field_reg.map
    if m is not None and not m.btf:
        raise Refuse(f"map '{m.name}' has to have BTF in order to use bpf_kptr_xchg", EINVAL)
    record = reg_record(env, field_reg)
    if not record.kptrs:
        raise Refuse(f"map '{m.name}' has no valid kptr" if m is not None else "local has no valid kptr", EINVAL)
    if not field_reg.is_const:
        raise Refuse("R1 doesn't have constant offset. kptr has to be at the constant offset", EINVAL)
    off = field_reg.off + field_reg.const
    field = record.kptr_at(off)
    if field is None:
        raise Refuse(f"off={off} doesn't point to kptr", EACCES)
    if field.tag not in _REFERENCED:
        raise Refuse(f"off={off} kptr isn't referenced kptr", EACCES)
    if ptr.is_null_scalar():
        return field, 0
    if ptr.type != RegType.BTF_ID:
        raise Refuse(f"R2 type={type_str(ptr)} expected=ptr_, trusted_ptr_, rcu_ptr_", EACCES)
    if ptr.null:
        raise Refuse("verifier bug: invalid PTR_TO_BTF_ID register for type match", EFAULT)
    if ptr.btf_name != field.struct_name:
        raise Refuse(f"invalid kptr access, R2 type=ptr_{ptr.btf_name} expected=ptr_{field.struct_name}", EINVAL)
    if not ptr.ref_obj_id:
        raise Refuse("R2 must be referenced when passed to release function", EINVAL)
    if ptr.off or not ptr.is_const or ptr.const:
        raise Refuse("R2 must have zero offset when passed to release func or trusted arg to kfunc", EINVAL)
    return field, ptr.ref_obj_id


def kptr_xchg_result(env: Env, st: State, pc: int, field: Kptr) -> Reg:
    """R0: the pointer the field held, or NULL; a reference the program must release."""
    r = Reg(RegType.BTF_ID)
    local = _is_local(env, field)
    r.btf_name, r.btf_id = field.struct_name, field.struct_id if local else 0
    r.trust = ALLOC if local else ""
    r.null = True
    r.id = r.ref_obj_id = env.new_id()
    st.refs = st.refs + (Ref(r.id, pc),)
    return r


def _is_local(env: Env, field: Kptr) -> bool:
    """Whether the field points to a struct of the program's own (an allocated object) rather
    than to a kernel struct."""
    kernel = env.inp.kernel_btf
    return kernel is None or not kernel.types_by_name(field.struct_name)


def owned_field_access(env: Env, st: State, reg: Reg, off: int, size: int, write: bool, value: Reg | None,
                       atomic: bool, st_imm: bool) -> Reg | None:
    """A load or store of a map value that touches a kptr or a graph root: refused as the
    kernel refuses it, or, for a kptr load, the pointer it yields (None: not such a field)."""
    record = reg_record(env, reg)
    if not record.kptrs and not record.roots:
        return None
    start = reg.off + off
    lo, hi = reg.smin + start, reg.umax + start + size
    for root in record.roots:
        if lo < root.offset + _ROOT_SIZE and root.offset < hi:
            raise Refuse(f"{root.kind} cannot be accessed directly by load/store", EACCES)
    for field in record.kptrs:
        if lo < field.offset + 8 and field.offset < hi:
            return _kptr_access(env, st, reg, field, start, size, write, value, atomic, st_imm)
    return None


def _kptr_access(env: Env, st: State, reg: Reg, field: Kptr, start: int, size: int, write: bool, value: Reg | None,
                 atomic: bool, st_imm: bool) -> Reg | None:
    if not reg.is_const:
        raise Refuse("kptr access cannot have variable offset", EACCES)
    if field.offset != start + reg.const:
        raise Refuse(f"kptr access misaligned expected={field.offset} off={start + reg.const}", EACCES)
    if size != 8:
        raise Refuse("kptr access size must be BPF_DW", EACCES)
    if atomic:
        raise Refuse("kptr in map can only be accessed using BPF_MEM instruction mode", EACCES)
    if write and field.tag in _REFERENCED:
        raise Refuse("store to referenced kptr disallowed", EACCES)
    if write:
        if st_imm and value is not None and not value.is_null_scalar():
            raise Refuse(f"BPF_ST imm must be 0 when storing to kptr at off={field.offset}", EACCES)
        return None
    out = Reg(RegType.BTF_ID)
    out.btf_name, out.null, out.id = field.struct_name, True, env.new_id()
    spec = env.inp.prog_btf
    if field.tag == "kptr" and _is_local(env, field) and spec is not None \
            and record_of(spec, field.struct_id).refcount_off >= 0 and _in_rcu(env, st):
        out.btf_id, out.trust = field.struct_id, KPTR_RCU  # refcounted: RCU keeps it alive
    else:
        out.trust = "untrusted"  # typed by name only, read as probes read
    return out


def _in_rcu(env: Env, st: State) -> bool:
    return st.rcu or st.lock is not None or not env.inp.sleepable

