"""Pointers to kernel structs typed by BTF (``PTR_TO_BTF_ID``): where they come from (the
arguments of tracing and LSM programs, kfunc results, walks) and what a load through one
reads, with the trust the kernel gives the result (``check_ptr_to_btf_access``,
``btf_ctx_access``).

The BTF is the runtime's target BTF: the one CO-RE relocations resolve against, so that the
offsets the verifier judges are the offsets the program was relocated to. Without it, or for a
struct it does not describe, BTF pointers stay untyped and their loads unchecked, as before.

Trust, as in Linux 6.18: ``trusted`` (tp_btf, iterator and LSM arguments, acquired and
allow-listed pointers), ``rcu`` (allow-listed fields read inside an RCU read-side section,
which a non-sleepable program always is), ``untrusted`` (any other field read through a
trusted, RCU or untrusted pointer, or through a union) and the legacy plain kind (``""``) of
fentry arguments and what is read through them. Trusted and RCU pointers are what ``KF_TRUSTED_ARGS`` and ``KF_RCU`` kfuncs take.
"""

from __future__ import annotations

import re
from typing import Final

from .._spec import AttachType, ProgType
from ..btf import (
    Enum,
    Enum64,
    Func,
    FuncProto,
    Fwd,
    Int,
    Ptr,
    Spec,
    Struct,
    Typedef,
    TypeTag,
    Union,
)
from ..helpers import KfFlag, KfuncProto
from ._bounds import sync
from ._btf_walk import EACCES, struct_walk, structs_match
from ._env import Env, Refuse
from ._local_obj import check_special_overlap, is_alloc
from ._log import type_str
from ._state import Reg, RegType, Slot, State, scalar_unknown
from ._struct_ops import StructOpsTarget, promoted_struct, struct_ops_write

__all__ = [
    "btf_pointer",
    "check_btf_access",
    "check_helper_btf_arg",
    "check_struct_arg",
    "check_trusted_arg",
    "kernel_struct_id",
    "param_struct",
    "rcu_section",
    "rdonly_cast",
    "tracing_arg",
    "typed",
]

TRUSTED, RCU, UNTRUSTED = "trusted", "rcu", "untrusted"

#: fields whose pointer is trusted whatever the RCU state, and never NULL
#: (the kernel's ``BTF_TYPE_SAFE_TRUSTED`` lists)
_SAFE_TRUSTED: Final = {
    "bpf_iter_meta": {"seq"}, "bpf_iter__task": {"meta", "task"}, "linux_binprm": {"file"},
    "file": {"f_inode"}, "dentry": {"d_inode"},
}
_SAFE_TRUSTED_OR_NULL: Final = {"socket": {"sk"}}
#: fields trusted inside an RCU read-side section (``BTF_TYPE_SAFE_RCU``), never NULL
_SAFE_RCU: Final = {
    "task_struct": {"cpus_ptr", "cgroups", "real_parent", "group_leader"}, "cgroup": {"kn"},
    "css_set": {"dfl_cgrp"},
}
_SAFE_RCU_OR_NULL: Final = {"mm_struct": {"exe_file"}, "sk_buff": {"sk"}, "request_sock": {"sk"}}

#: attach types whose program arguments the kernel trusts (``prog_args_trusted``)
_TRUSTED_ARGS: Final = frozenset({AttachType.TRACE_RAW_TP, AttachType.TRACE_ITER, AttachType.LSM_MAC})


def param_struct(c_params: str, index: int) -> str:
    """The struct parameter ``index`` of a C parameter list points to ("" for none); a lone C
    type is a list of one."""
    parts = c_params.split(",")
    match = re.search(r"struct\s+(\w+)", parts[index]) if index < len(parts) else None
    return match.group(1) if match else ""


def kernel_struct_id(env: Env, name: str) -> int:
    """The id of ``struct name`` in the target BTF, 0 when it has none (or no single one)."""
    spec = env.inp.kernel_btf
    if spec is None or not name:
        return 0
    found = spec.types_by_name(name, Struct)
    return found[0].id if len(found) == 1 else 0


def btf_pointer(env: Env, name: str, trust: str) -> Reg:
    """A pointer to the kernel ``struct name``, typed by the target BTF when it knows it."""
    r = Reg(RegType.BTF_ID)
    r.btf_name, r.btf_id, r.trust = name, kernel_struct_id(env, name), trust
    return r


def _spec_of(env: Env, reg: Reg) -> Spec | None:
    """The BTF ``reg``'s struct is in: the program's for its own objects, else the kernel's."""
    return env.inp.prog_btf if is_alloc(reg) else env.inp.kernel_btf


def typed(env: Env, reg: Reg) -> bool:
    """Whether accesses through ``reg`` are judged against BTF."""
    return bool(reg.btf_id) and _spec_of(env, reg) is not None


def _in_rcu(env: Env, st: State) -> bool:
    """``in_rcu_cs``: inside bpf_rcu_read_lock, a spin lock, or any non-sleepable program."""
    return st.rcu or st.lock is not None or not env.inp.sleepable


def _var_off(reg: Reg) -> str:
    v = reg.var_off
    return f"({v.value:#x}; {v.mask:#x})" if v.mask else hex(v.value)


def rdonly_cast(spec: Spec, type_id: int) -> Reg:
    """R0 of ``bpf_rdonly_cast(p, type_id)``: an untrusted, read-only pointer to the kernel
    struct ``type_id`` (to memory of no known size for ``void``, type id 0)."""
    t = spec.type_by_id(type_id) if type_id < len(spec) else None
    if type_id == 0:
        out = Reg(RegType.MEM)
        out.rdonly, out.trust = True, UNTRUSTED
        return out
    if not isinstance(t, (Struct, Union)):
        raise Refuse("kfunc bpf_rdonly_cast type ID argument must be of a struct or void", 22)
    r = Reg(RegType.BTF_ID)
    r.btf_name, r.btf_id, r.trust = t.name, t.id, UNTRUSTED
    return r


def check_btf_access(env: Env, st: State, reg: Reg, regno: int, off: int, size: int, write: bool) -> Reg | None:
    """A load or store through a typed BTF pointer: refused as the kernel refuses it, and for
    a load the register it yields."""
    spec = _spec_of(env, reg)
    assert spec is not None
    name = reg.btf_name
    alloc = is_alloc(reg)
    if not env.inp.license_gpl and not alloc:
        raise Refuse(f"Cannot access kernel 'struct {name}' from non-GPL compatible program", 22)
    off += reg.off
    if off < 0:
        raise Refuse(f"R{regno} is ptr_{name} invalid negative access: off={off}", EACCES)
    if not reg.is_const or reg.const:
        raise Refuse(f"R{regno} is ptr_{name} invalid variable offset: off={off}, var_off={_var_off(reg)}", EACCES)
    if reg.trust in ("user", "percpu"):
        what = "user" if reg.trust == "user" else "percpu"
        raise Refuse(f"R{regno} is ptr_{name} access {what} memory: off={off}", EACCES)
    if write and not alloc:  # refused unless a struct_ops type allows it
        struct_ops_write(env, name, off, size)
        return None
    if alloc:
        check_special_overlap(spec, reg.btf_id, off, size)
    walked = struct_walk(spec, reg.btf_id, off, size)
    if walked.kind == "scalar" or alloc:  # what an object of the program's holds is a number
        return None  # the caller makes it an unknown scalar of the load's size
    if walked.kind == "mem":  # a pointer to no struct: memory of no known size, read-only
        out = Reg(RegType.MEM)
        out.rdonly, out.trust = True, UNTRUSTED
        return out
    out = Reg(RegType.BTF_ID)
    target = spec.type_by_id(walked.type_id)
    out.btf_name, out.btf_id = target.name, walked.type_id
    out.trust, null = _walked_trust(env, st, reg, walked.field, walked.tag, walked.untrusted)
    if null:
        out.null = True
        out.id = env.new_id()
    return out


def _walked_trust(env: Env, st: State, reg: Reg, field: str, tag: str, union: bool) -> tuple[str, bool]:
    """The trust of a pointer read from ``field`` of ``reg``'s struct, and whether it may be
    NULL (the kernel's allow lists and ``__rcu`` tags)."""
    name = reg.btf_name
    if reg.trust == UNTRUSTED or union:
        return UNTRUSTED, False
    if reg.trust not in (TRUSTED, RCU) and not reg.ref_obj_id:
        return tag if tag in ("user", "percpu") else "", False
    if field in _SAFE_TRUSTED.get(name, ()):
        return TRUSTED, False
    if field in _SAFE_TRUSTED_OR_NULL.get(name, ()):
        return TRUSTED, True
    if not _in_rcu(env, st) or reg.null:
        return UNTRUSTED, False
    if field in _SAFE_RCU.get(name, ()):
        return RCU, False
    if tag == "rcu" or field in _SAFE_RCU_OR_NULL.get(name, ()):
        return RCU, True
    # any other field of a trusted pointer is untrusted (6.18; 6.12 left it plain)
    return (tag if tag in ("user", "percpu") else UNTRUSTED), False


# -- the arguments of tracing programs ----------------------------------------------------


def _attach_proto(spec: Spec, ptype: ProgType, attach: AttachType, name: str) -> tuple[str, list[int]] | None:
    """The attach target's name as the kernel prints it and its argument types: a raw
    tracepoint's from its ``btf_trace_<name>`` typedef (less the leading ``void *``), a
    function's (an LSM hook's ``bpf_lsm_<name>``) from its prototype."""
    if attach == AttachType.TRACE_RAW_TP:
        for td in spec.types_by_name(f"btf_trace_{name}", Typedef):
            ptr = spec.type_by_id(spec.skip_modifiers(td.type))
            proto = spec.type_by_id(ptr.type) if isinstance(ptr, Ptr) else None
            if isinstance(proto, FuncProto) and proto.params:
                return name, [p.type for p in proto.params[1:]]
    func_name = f"bpf_lsm_{name}" if ptype == ProgType.LSM else name
    if attach == AttachType.TRACE_ITER:  # an iterator's context is ``bpf_iter_<target>``'s arguments
        func_name = f"bpf_iter_{name}"
    for func in spec.types_by_name(func_name, Func):
        proto = spec.type_by_id(func.type)
        if isinstance(proto, FuncProto):
            return func_name, [p.type for p in proto.params]
    return None


def _ctx_refused(env: Env, reason: str, off: int, size: int) -> Refuse:
    env.log.add(reason)
    return Refuse(f"invalid bpf_context access off={off} size={size}", EACCES)


def tracing_arg(env: Env, off: int, size: int) -> Reg | None:
    """A load of argument ``off // 8`` of a BTF-typed tracing, LSM or struct_ops program
    (``btf_ctx_access``): a scalar, or a pointer typed by the target function's prototype (a
    struct_ops member's). None when the target BTF does not describe the attach target (the
    caller keeps its untyped rule)."""
    ops = env.inp.struct_ops
    spec = env.inp.kernel_btf if ops is None else ops.btf
    if ops is not None:
        found: tuple[str, list[int]] | None = ops.member, list(ops.params)
    else:
        found = None if spec is None else _attach_proto(spec, env.inp.prog_type, env.inp.attach_type,
                                                        env.inp.attach_to)
    if spec is not None and found is None and env.inp.attach_type == AttachType.TRACE_ITER:
        return _unmodelled_iter_arg(env, off, size)
    if spec is None or found is None:
        return None
    tname, params = found
    if off % 8:
        raise _ctx_refused(env, f"func '{tname}' offset {off} is not multiple of 8", off, size)
    arg = off // 8
    if arg > len(params) or arg == len(params) and env.inp.attach_type not in (AttachType.TRACE_FEXIT,
                                                                             AttachType.LSM_MAC):
        raise _ctx_refused(env, f"func '{tname}' doesn't have {arg + 1}-th argument", off, size)
    if arg == len(params):  # fexit's (and LSM's) return value: an LSM hook's is an errno
        return lsm_retval() if env.inp.attach_type == AttachType.LSM_MAC else scalar_unknown()
    t = spec.type_by_id(spec.skip_modifiers(params[arg]))
    if isinstance(t, (Int, Enum, Enum64, Struct, Union)):
        return scalar_unknown()
    if not isinstance(t, Ptr):
        raise _ctx_refused(env, f"func '{tname}' arg{arg} '{t.name}' has type {t.kind.name}. "
                           "Only pointer access is allowed", off, size)
    if size != 8:
        raise _ctx_refused(env, f"func '{tname}' size {size} must be 8", off, size)
    pointee = spec.type_by_id(t.type)
    tag = pointee.name if isinstance(pointee, TypeTag) and not pointee.attribute else ""
    target = spec.type_by_id(spec.skip_modifiers(t.type))
    if ops is not None and isinstance(target, Fwd):  # the object declared the struct only
        return _declared_only(ops, target.name)
    if not isinstance(target, (Struct, Union)):
        return scalar_unknown()  # a pointer to no struct is a number to the verifier
    r = Reg(RegType.BTF_ID)
    r.btf_name, r.btf_id = target.name, target.id
    r.trust = tag if tag in ("user", "percpu") else TRUSTED if env.inp.attach_type in _TRUSTED_ARGS else ""
    if env.inp.attach_type == AttachType.TRACE_ITER and arg > 0:  # the object the iterator
        r.null, r.id = True, env.new_id()                         # is at, NULL at the end
    if ops is not None:  # struct_ops arguments are trusted, some retyped by the struct_ops type
        r.trust = TRUSTED if not r.trust else r.trust
        name = promoted_struct(ops, target.name)
        if name != target.name:  # a BTF without the promoted struct leaves the pointer untyped
            promoted = spec.types_by_name(name, Struct)
            r.btf_name, r.btf_id = name, promoted[0].id if promoted else 0
        if ops.rules is not None and arg in ops.rules.nullable.get(ops.member, ()):
            r.null, r.id = True, env.new_id()
    return r


def lsm_retval() -> Reg:
    """What an LSM program reads of the return value so far (the previous program's): a
    number whose low 32 bits are an errno or 0 (``__mark_reg_s32_range``; pybpf knows no
    hook of the kernel's that returns a bool)."""
    r = scalar_unknown()
    r.s32min, r.s32max = -4095, 0
    sync(r)
    return r


def _unmodelled_iter_arg(env: Env, off: int, size: int) -> Reg | None:
    """A context load of an iterator whose target the target BTF does not describe: every
    iterator's first argument is its ``struct bpf_iter_meta *``; a narrower load is a number
    (a pointer argument is only ever loaded whole); a later pointer keeps the untyped rule."""
    if off == 0 and size == 8 and kernel_struct_id(env, "bpf_iter_meta"):
        return btf_pointer(env, "bpf_iter_meta", TRUSTED)
    return scalar_unknown() if size < 8 else None


def _declared_only(ops: StructOpsTarget, name: str) -> Reg:
    """A struct_ops argument pointing to a struct the BTF only declares: a trusted kernel
    pointer pybpf cannot type (its loads and stores go unchecked), as the kernel's would be
    typed by a BTF that defines the struct."""
    r = Reg(RegType.BTF_ID)
    r.btf_name, r.btf_id, r.trust = promoted_struct(ops, name), 0, TRUSTED
    return r


# -- helper and kfunc arguments -------------------------------------------------------------

_HELPER_BTF_TYPES: Final = "ptr_, trusted_ptr_, rcu_ptr_"


def check_helper_btf_arg(env: Env, regno: int, reg: Reg, want: str, nullable: bool) -> None:
    """A helper's ``ARG_PTR_TO_BTF_ID``: a plain, trusted or RCU pointer to the struct the
    parameter names (or one that begins with it), or NULL where the helper takes NULL."""
    if nullable and reg.is_null_scalar():
        return
    if reg.type != RegType.BTF_ID or reg.trust == UNTRUSTED or reg.null and not nullable:
        shown = type_str(reg)
        raise Refuse(f"R{regno} type={shown} expected={_HELPER_BTF_TYPES}", EACCES)
    spec = env.inp.kernel_btf
    want_id = kernel_struct_id(env, want)
    if spec is None or not reg.btf_id or not want_id:
        return
    if not structs_match(spec, reg.btf_id, reg.off, want_id, False):
        raise Refuse(f"R{regno} is of type {reg.btf_name} but {want} is expected", EACCES)




def is_trusted(reg: Reg) -> bool:
    """``is_trusted_reg``: referenced, or marked trusted."""
    return bool(reg.ref_obj_id) or reg.trust == TRUSTED and not reg.null


def check_trusted_arg(proto: KfuncProto, i: int, reg: Reg, release: bool) -> None:
    """A ``KF_TRUSTED_ARGS`` kfunc (every release kfunc is one) takes trusted or referenced
    pointers, a ``KF_RCU`` one RCU-protected pointers too. A pointer pybpf could not type is
    let through: pybpf knows too little of it to judge."""
    if not reg.btf_id and not reg.trust:
        return
    rcu = bool(proto.flags & KfFlag.RCU)
    if not (proto.flags & KfFlag.TRUSTED_ARGS or release or rcu) or is_trusted(reg):
        return
    if not rcu:
        raise Refuse(f"R{i + 1} must be referenced or trusted", 22)
    if reg.trust != RCU:
        raise Refuse(f"R{i + 1} must be a rcu pointer", 22)


def check_struct_arg(env: Env, proto: KfuncProto, i: int, want: str, reg: Reg, strict: bool) -> None:
    """The pointer points to the struct the parameter names, or (unless ``strict``: a
    reference being released) to one that begins with it (``process_kf_arg_ptr_to_btf_id``)."""
    have = reg.btf_name
    if not want or not have:
        return
    spec = env.inp.kernel_btf
    want_id = kernel_struct_id(env, want)
    if spec is not None and reg.btf_id and want_id:
        if structs_match(spec, reg.btf_id, reg.off, want_id, strict):
            return
    elif have == want and not reg.off:
        return
    raise Refuse(f"kernel function {proto.name} args#{i} expected pointer to STRUCT {want} "
                 f"but R{i + 1} has a pointer to STRUCT {have}", 22)


def rcu_section(st: State, proto: KfuncProto) -> None:
    """``bpf_rcu_read_lock`` and ``bpf_rcu_read_unlock`` open and close the path's RCU
    read-side section, which does not nest; no sleepable kfunc is called inside it."""
    if proto.name == "bpf_rcu_read_lock":
        if st.rcu:
            raise Refuse(f"nested rcu read lock (kernel function {proto.name})", 22)
        st.rcu = True
    elif proto.name == "bpf_rcu_read_unlock":
        if not st.rcu:
            raise Refuse(f"unmatched rcu read unlock (kernel function {proto.name})", 22)
        _end_rcu_section(st)
    elif st.rcu and proto.flags & KfFlag.SLEEPABLE:
        raise Refuse(f"kernel func {proto.name} is sleepable within rcu_read_lock region", 13)


def _end_rcu_section(st: State) -> None:
    """Every RCU pointer of the path becomes untrusted."""
    st.rcu = False
    for frame in st.frames:
        for k, r in enumerate(frame.regs):
            if r.trust == RCU:
                frame.regs[k] = _untrusted(r)
        for spi, slot in list(frame.stack.items()):
            if slot.spilled is not None and slot.spilled.trust == RCU:
                frame.stack[spi] = Slot(slot.kinds, _untrusted(slot.spilled))


def _untrusted(r: Reg) -> Reg:
    out = r.copy()
    out.trust, out.null = UNTRUSTED, False
    return out
