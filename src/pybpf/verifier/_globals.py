"""Global functions: the kernel verifies each global (BTF linkage ``global``) subprogram once,
on its own, with its arguments typed from its BTF prototype, and a caller only checks that the
registers it passes match those types (``btf_prepare_func_args``, ``btf_check_subprog_call``).

A prototype is read once per load (:func:`prepare_global`) into a :class:`GlobalFunc`: per
argument a scalar, the program's context, a pointer to memory of the pointee's size (null
allowed unless tagged ``arg:nonnull``), an arena pointer, read-only untrusted memory
(``arg:untrusted`` on a pointer to a primitive or void), or a trusted pointer to a kernel struct
(``arg:trusted``, null allowed only if also ``arg:nullable``). A prototype the kernel cannot use
keeps the kernel's message in ``error``: every call to it is refused with that message logged.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, final

from .._spec import AttachType, ProgType
from ..btf import (
    MODIFIERS,
    BtfError,
    DeclTag,
    Enum,
    Enum64,
    Func,
    FuncProto,
    Fwd,
    Int,
    Ptr,
    Struct,
    Type,
    Typedef,
    Union,
    Void,
    essential_name,
)
from ..btf import Spec as BtfSpec
from ._btf_ptr import TRUSTED, btf_pointer, check_helper_btf_arg
from ._calls import MEM_REGS, helper_mem
from ._dynptr import CONST_DYNPTR, check_dynptr_arg
from ._env import Env, Refuse
from ._log import type_str
from ._state import NOT_INIT, Frame, Reg, RegType, State, scalar_unknown

__all__ = ["GlobalArg", "GlobalFunc", "GlobalKind", "check_global_args", "global_entry_state", "prepare_global"]

MAX_BPF_FUNC_REG_ARGS: Final = 5

#: the struct a program type's context pointer points to, as BPF C names it (``bpf_ctx_convert``)
CTX_STRUCTS: Final = {
    ProgType.SOCKET_FILTER: "__sk_buff", ProgType.SCHED_CLS: "__sk_buff", ProgType.SCHED_ACT: "__sk_buff",
    ProgType.CGROUP_SKB: "__sk_buff", ProgType.LWT_IN: "__sk_buff", ProgType.LWT_OUT: "__sk_buff",
    ProgType.LWT_XMIT: "__sk_buff", ProgType.LWT_SEG6LOCAL: "__sk_buff", ProgType.SK_SKB: "__sk_buff",
    ProgType.FLOW_DISSECTOR: "__sk_buff", ProgType.XDP: "xdp_md", ProgType.CGROUP_SOCK: "bpf_sock",
    ProgType.SOCK_OPS: "bpf_sock_ops", ProgType.CGROUP_DEVICE: "bpf_cgroup_dev_ctx", ProgType.SK_MSG: "sk_msg_md",
    ProgType.RAW_TRACEPOINT: "bpf_raw_tracepoint_args", ProgType.RAW_TRACEPOINT_WRITABLE: "bpf_raw_tracepoint_args",
    ProgType.CGROUP_SOCK_ADDR: "bpf_sock_addr",
    ProgType.SK_REUSEPORT: "sk_reuseport_md", ProgType.CGROUP_SYSCTL: "bpf_sysctl",
    ProgType.CGROUP_SOCKOPT: "bpf_sockopt", ProgType.SK_LOOKUP: "bpf_sk_lookup",
    ProgType.PERF_EVENT: "bpf_perf_event_data", ProgType.KPROBE: "pt_regs", ProgType.NETFILTER: "bpf_nf_ctx",
}
#: the typedefs that also name a context (``bpf_user_pt_regs_t`` is kprobe's)
_CTX_TYPEDEFS: Final = {ProgType.KPROBE: "bpf_user_pt_regs_t"}
_ARG_TAGS: Final = ("ctx", "trusted", "untrusted", "nonnull", "nullable", "arena")


class GlobalKind(enum.Enum):
    """What a global function's argument register holds (``bpf_subprog_arg_info.arg_type``)."""

    SCALAR = "scalar"
    CTX = "ctx"
    MEM = "mem"
    ARENA = "arena"
    UNTRUSTED = "untrusted"  #: read-only untrusted memory: a caller may pass anything
    TRUSTED = "trusted"  #: a trusted pointer to the kernel struct ``GlobalArg.struct`` names
    DYNPTR = "dynptr"  #: an initialised dynptr the function may read, never change


@final
@dataclass(frozen=True)
class GlobalArg:
    """One argument: its kind, for memory the pointee's size, for a trusted pointer the
    kernel struct's name, and whether null may come."""

    kind: GlobalKind
    size: int = 0
    nullable: bool = False
    struct: str = ""


@final
@dataclass(frozen=True)
class GlobalFunc:
    """A global function as the verifier sees it: its name, its typed arguments, or the
    kernel's message when its prototype is not one the kernel verifies (``error``)."""

    name: str
    args: tuple[GlobalArg, ...] = ()
    error: str | None = None


def prepare_global(btf: BtfSpec, func: Func, prog_type: ProgType, attach: AttachType = AttachType.NONE,
                   kernel_btf: BtfSpec | None = None) -> GlobalFunc:
    """Read a global function's prototype as ``btf_prepare_func_args`` does; ``kernel_btf``
    (when known) is where a trusted argument's struct must be found."""
    name = func.name
    proto = btf.type_by_id(func.type)
    if not isinstance(proto, FuncProto):
        return GlobalFunc(name, error=f"Invalid BTF of func {name}")
    if len(proto.params) > MAX_BPF_FUNC_REG_ARGS:
        return GlobalFunc(name, error=f"Global function {name}() with {len(proto.params)} > "
                          f"{MAX_BPF_FUNC_REG_ARGS} args. Buggy compiler.")
    ret = btf.type_by_id(btf.skip_modifiers(proto.return_type))
    if not isinstance(ret, (Int, Enum, Enum64)):
        return GlobalFunc(name, error=f"Global function {name}() doesn't return scalar. Only those are supported.")
    tags = _arg_tags(btf, func)
    args = []
    for i, param in enumerate(proto.params):
        arg = _prepare_arg(btf, kernel_btf, i, param.type, tags.get(i, set()), (prog_type, attach), name)
        if isinstance(arg, str):
            return GlobalFunc(name, error=arg)
        args.append(arg)
    return GlobalFunc(name, tuple(args))


def _arg_tags(btf: BtfSpec, func: Func) -> dict[int, set[str]]:
    """The ``arg:`` decl tags on each parameter of ``func`` (an unknown one as ``?``)."""
    out: dict[int, set[str]] = {}
    for t in btf:
        if isinstance(t, DeclTag) and t.type == func.id and t.component_idx >= 0 and t.name.startswith("arg:"):
            tag = t.name[4:]
            out.setdefault(t.component_idx, set()).add(tag if tag in _ARG_TAGS else "?")
    return out


def _prepare_arg(btf: BtfSpec, kernel_btf: BtfSpec | None, i: int, type_id: int, tags: set[str],
                 prog: tuple[ProgType, AttachType], fname: str) -> GlobalArg | str:
    """One argument's kind, or the kernel's message for what it cannot verify."""
    prog_type, attach = prog
    if "?" in tags:
        return f"arg#{i} has unsupported set of tags"
    t = btf.type_by_id(btf.skip_modifiers(type_id))
    if isinstance(t, Ptr):
        target = btf.type_by_id(btf.skip_modifiers(t.type))
        if "ctx" in tags or _is_ctx(btf, t, prog_type):
            if tags - {"ctx"}:
                return f"arg#{i} has invalid combination of tags"
            wrong = _ctx_arg_error(btf, i, t, prog_type, attach) if "ctx" in tags else None
            return GlobalArg(GlobalKind.CTX) if wrong is None else wrong
        if target.name == "bpf_dynptr" and (isinstance(target, Struct) or isinstance(target, Fwd) and not target.is_union):
            if tags:
                return f"arg#{i} has invalid combination of tags"
            return GlobalArg(GlobalKind.DYNPTR)
        if "trusted" in tags:
            if "nonnull" in tags:
                return f"arg#{i} has invalid combination of tags"
            struct = _kernel_struct(kernel_btf, i, target)
            if struct.startswith("arg#"):
                return struct
            return GlobalArg(GlobalKind.TRUSTED, nullable="nullable" in tags, struct=struct)
        if "untrusted" in tags:
            if tags - {"untrusted"}:
                return f"arg#{i} untrusted cannot be combined with any other tags"
            return GlobalArg(GlobalKind.UNTRUSTED)
        if "arena" in tags:
            if tags - {"arena"}:
                return f"arg#{i} arena cannot be combined with any other tags"
            return GlobalArg(GlobalKind.ARENA)
        if "nullable" in tags:
            return f"arg#{i} has invalid combination of tags"
        try:
            size = btf.resolve_size(target.id)
        except BtfError:
            size = -1
        if size < 0 or isinstance(target, (FuncProto, Fwd)):
            kind = "UNKNOWN" if isinstance(target, Void) else target.kind.name
            return f"arg#{i} reference type('{kind} {target.name}') size cannot be determined: -22"
        return GlobalArg(GlobalKind.MEM, size, nullable="nonnull" not in tags)
    if tags:
        return f"arg#{i} has pointer tag, but is not a pointer type"
    if isinstance(t, (Int, Enum, Enum64)):
        return GlobalArg(GlobalKind.SCALAR)
    kind = "UNKNOWN" if isinstance(t, Void) else t.kind.name
    return f"Arg#{i} type {kind} in {fname}() is not supported yet."


def _kernel_struct(kernel_btf: BtfSpec | None, i: int, target: Type) -> str:
    """The kernel struct a trusted argument points to: the one of the same kind whose name is
    the pointee's without its ``___flavour`` (``btf_get_ptr_to_btf_id``), or the kernel's
    message (starting ``arg#``) when there is not exactly one. Without the kernel's BTF the
    name is taken on trust."""
    shown = f"arg#{i} reference type('{'UNKNOWN' if isinstance(target, Void) else target.kind.name} {target.name}')"
    if not target.name:
        return f"{shown} candidate matching error: -22"
    name = essential_name(target.name)
    if kernel_btf is None:
        return name
    kind = Union if isinstance(target, Union) else type(target)
    found = kernel_btf.types_by_name(name, kind)
    if len(found) != 1:
        return f"{shown} {'is ambiguous' if found else 'has no matches'}"
    return name


#: the program types whose ``arg:ctx`` may point to anything (``btf_validate_prog_ctx_type``)
_ANY_CTX: Final = frozenset({ProgType.TRACEPOINT, ProgType.SYSCALL, ProgType.EXT})
#: the program types whose ``arg:ctx`` may also be a ``u64 *`` (the arguments as an array)
_U64_CTX: Final = frozenset({ProgType.RAW_TRACEPOINT, ProgType.RAW_TRACEPOINT_WRITABLE, ProgType.LSM,
                             ProgType.STRUCT_OPS})
_U64_CTX_TRACING: Final = frozenset({AttachType.TRACE_RAW_TP, AttachType.TRACE_FENTRY, AttachType.TRACE_FEXIT,
                                     AttachType.MODIFY_RETURN})


def _ctx_arg_error(btf: BtfSpec, i: int, ptr: Ptr, prog_type: ProgType, attach: AttachType) -> str | None:
    """Why an ``arg:ctx`` pointer's type does not fit the program type, or None
    (``btf_validate_prog_ctx_type``): ``void *`` always fits, the canonical context struct
    does, and some program types also take their kernel-side views of the context (a
    kprobe's ``struct pt_regs``, a raw tracepoint's ``u64`` array, an iterator's
    ``struct bpf_iter__*``)."""
    t = btf.type_by_id(ptr.type)
    if prog_type in (ProgType.KPROBE, ProgType.PERF_EVENT):
        while isinstance(t, MODIFIERS) and not isinstance(t, Typedef):
            t = btf.type_by_id(t.type)
        if isinstance(t, Typedef) and t.name == "bpf_user_pt_regs_t":
            return None
    t = btf.type_by_id(btf.skip_modifiers(t.id))
    if isinstance(t, Void):
        return None
    if not t.name:
        return f"arg#{i} type doesn't have a name"
    struct = t.name if isinstance(t, Struct) else None
    u64 = isinstance(t, Int) and t.size == 8
    if prog_type in _ANY_CTX or (u64 and prog_type in _U64_CTX):
        return None
    if prog_type in (ProgType.KPROBE, ProgType.PERF_EVENT) and struct == "pt_regs":  # x86's user regs
        return None
    if prog_type == ProgType.TRACING:
        if u64 and attach in _U64_CTX_TRACING:
            return None
        if attach == AttachType.TRACE_RAW_TP and struct == "bpf_raw_tracepoint_args":
            return None
        if attach == AttachType.TRACE_ITER and struct is not None and struct.startswith("bpf_iter__"):
            return None
    canonical = CTX_STRUCTS.get(prog_type)
    if canonical is None:
        return f"arg#{i} should be void pointer"
    return None if struct == canonical else f"arg#{i} should be `struct {canonical} *`"


def _is_ctx(btf: BtfSpec, ptr: Ptr, prog_type: ProgType) -> bool:
    """Whether ``ptr`` points to the program type's context struct (``btf_is_prog_ctx_type``).
    The kernel compares names only, its canonical type's first: a struct named as kprobe's
    typedef (``struct bpf_user_pt_regs_t {}``, old programs' workaround) is a context too."""
    t = btf.type_by_id(ptr.type)
    while isinstance(t, MODIFIERS) and not isinstance(t, Typedef):
        t = btf.type_by_id(t.type)
    typedef = _CTX_TYPEDEFS.get(prog_type)
    if isinstance(t, Typedef):
        if t.name and t.name == typedef:
            return True
        t = btf.type_by_id(btf.skip_modifiers(t.id))
    return isinstance(t, Struct) and bool(t.name) and t.name in (CTX_STRUCTS.get(prog_type), typedef)


def check_global_args(env: Env, st: State, pc: int, func: GlobalFunc) -> None:
    """What a caller passes, against the prototype (``btf_check_func_arg_match``): the reason
    goes to the log and the call is refused with "Caller passes invalid args"."""
    if func.error is not None:
        raise Refuse(func.error, 22)
    regs = st.cur.regs
    for i, arg in enumerate(func.args):
        regno = i + 1
        reg = regs[regno]
        if arg.kind == GlobalKind.SCALAR:
            if reg.type != RegType.SCALAR:
                raise Refuse(f"R{regno} is not a scalar", 22)
        elif arg.kind == GlobalKind.CTX:
            _check_unmoved(reg, regno)
            if reg.type != RegType.CTX:
                raise Refuse(f"arg#{i} expects pointer to ctx", 22)
        elif arg.kind == GlobalKind.MEM:
            _check_unmoved(reg, regno)
            if not reg.is_null_scalar():
                _check_mem(env, st, pc, regno, arg.size)
            if not arg.nullable and (reg.null or reg.is_null_scalar()):
                raise Refuse(f"arg#{i} is expected to be non-NULL", 22)
        elif arg.kind == GlobalKind.DYNPTR:
            check_dynptr_arg(env, st, pc, reg, i, helper=False)
        elif arg.kind == GlobalKind.TRUSTED:
            if not (arg.nullable and reg.is_null_scalar()):
                check_helper_btf_arg(env, regno, reg, arg.struct, arg.nullable)
        elif arg.kind == GlobalKind.ARENA and reg.type not in (RegType.ARENA, RegType.SCALAR):
            raise Refuse(f"R{regno} is not a pointer to arena or scalar.", 22)


def _check_unmoved(reg: Reg, regno: int) -> None:
    """``check_func_arg_reg_off``: a context pointer is passed exactly as the program got it."""
    if reg.type == RegType.CTX and (reg.off or not reg.is_const or reg.const):
        raise Refuse(f"dereference of modified ctx ptr R{regno} off={reg.off} disallowed", 13)


def _check_mem(env: Env, st: State, pc: int, regno: int, size: int) -> None:
    """``check_mem_reg``: the callee may read and write all ``size`` bytes (a pointer that may
    be null is checked as if it were not)."""
    regs = st.cur.regs
    reg = regs[regno]
    if reg.type not in MEM_REGS:
        raise Refuse(f"R{regno} type={type_str(reg)} expected=fp", 13)
    saved = reg
    if reg.null:
        reg = reg.copy()
        reg.null = False
        regs[regno] = reg
    try:
        helper_mem(env, st, pc, regno, size, False, True)
        helper_mem(env, st, pc, regno, size, True, True)
    finally:
        if saved.null:
            regs[regno] = saved


def global_entry_state(env: Env, entry: int, func: GlobalFunc) -> State:
    """The state a global function is verified from: its arguments as its prototype types
    them, nothing else known."""
    regs = [NOT_INIT] * 11
    for i, arg in enumerate(func.args):
        regs[i + 1] = _arg_reg(env, arg)
    fp = Reg(RegType.STACK)
    regs[10] = fp
    return State([Frame(regs, {}, 0, entry)])


def _arg_reg(env: Env, arg: GlobalArg) -> Reg:
    if arg.kind == GlobalKind.CTX:
        return Reg(RegType.CTX)
    if arg.kind == GlobalKind.MEM:
        r = Reg(RegType.MEM)
        r.mem_size = arg.size
        if arg.nullable:
            r.null = True
            r.id = env.new_id()
        return r
    if arg.kind == GlobalKind.ARENA:
        return Reg(RegType.ARENA)
    if arg.kind == GlobalKind.UNTRUSTED:
        return Reg(RegType.BTF_ID)
    if arg.kind == GlobalKind.DYNPTR:
        r = Reg(RegType.BTF_ID)
        r.btf_name, r.id = CONST_DYNPTR, env.new_id()
        return r
    if arg.kind == GlobalKind.TRUSTED:
        r = btf_pointer(env, arg.struct, TRUSTED)
        r.null = arg.nullable
        r.id = env.new_id()
        return r
    return scalar_unknown()
