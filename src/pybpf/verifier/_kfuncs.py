"""Kfunc calls: arguments checked by the kind the registry declares, references from acquire
kfuncs (``KF_ACQUIRE``) released once by release kfuncs (``KF_RELEASE``), results that may be
NULL (``KF_RET_NULL``), and open-coded iterators, whose state lives in an 8-byte stack slot
that the ``_new`` kfunc initialises, ``_next`` advances and ``_destroy`` ends (the kernel's
``check_kfunc_args``, ``process_iter_arg``). An iterator alive at exit is a leaked reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..helpers import KfArg, KfFlag, KfParam, KfRet, KfuncProto
from ._btf_ptr import btf_pointer, check_struct_arg, check_trusted_arg, param_struct, rdonly_cast
from ._calls import check_size_arg, release_reference
from ._dynptr import PACKET_SLICE, check_dynptr_arg, dynptr_type
from ._env import Env, Refuse
from ._graph import GraphMeta, check_graph_arg, graph_result
from ._local_obj import check_alloc_arg, new_object
from ._log import type_str
from ._state import NOT_INIT, Ref, Reg, RegType, Slot, State, scalar_known, scalar_unknown

__all__ = ["SCALAR_KINDS", "KfuncCall", "check_kfunc_call"]

#: the byte kind of a stack slot holding an iterator (``STACK_ITER``)
ITER_BYTE = "i"
_GRAPH_ARGS = frozenset({KfArg.PTR_TO_LIST_HEAD, KfArg.PTR_TO_LIST_NODE, KfArg.PTR_TO_RB_ROOT, KfArg.PTR_TO_RB_NODE,
                         KfArg.PTR_TO_REFCOUNTED_KPTR})
_C_SIZES = {"char": 1, "short": 2, "int": 4, "long": 8, "__u8": 1, "__u16": 2, "__u32": 4, "__u64": 8,
            "__s32": 4, "__s64": 8, "u32": 4, "u64": 8}


@dataclass
class KfuncCall:
    """What checking one kfunc call decided: R0 after it, and for an iterator's ``_next`` the
    R0 of the path where the iterator yields (the path that continues is the drained one)."""

    r0: Reg
    active_r0: Reg | None = None
    graph: GraphMeta | None = None  #: what a graph kfunc's arguments established


#: the argument kinds that are numbers (BTF scalars)
SCALAR_KINDS = frozenset({KfArg.SCALAR, KfArg.SCALAR_CONST, KfArg.MEM_SIZE})


def _struct_name(param: KfParam) -> str:
    return param_struct(param.c_type, 0)


def check_kfunc_call(env: Env, st: State, pc: int, proto: KfuncProto) -> KfuncCall:
    """Check the arguments of a kfunc call, apply its reference effects, and type R0."""
    regs = st.cur.regs
    release = 0
    const_size = 0  #: a constant ``__szk`` size: the size of a returned slice
    const_arg = 0  #: a ``__k`` constant (``bpf_obj_new``'s type id)
    graph = GraphMeta()
    dynptr: Reg | None = None  #: the state of the last dynptr argument (what a clone copies)
    for i, param in enumerate(proto.args):
        regno = i + 1
        reg = regs[regno]
        if param.kind == KfArg.IGNORED:  # not even read: it may be uninitialised
            continue
        if param.kind in SCALAR_KINDS and reg.type != RegType.SCALAR:  # a pointer too, or unset
            raise Refuse(f"R{regno} is not a scalar", 22)
        if reg.type == RegType.NOT_INIT:
            raise Refuse(f"R{regno} !read_ok")
        if param.kind == KfArg.MEM_SIZE and reg.type == RegType.SCALAR and reg.is_const:
            const_size = reg.const
        # a kernel pointer may stand for the context it projects (netfilter's skb for a
        # struct __sk_buff): the kernel matches it as a struct
        if param.kind == KfArg.PTR_TO_CTX and reg.type not in (RegType.CTX, RegType.BTF_ID):
            raise Refuse(f"arg#{i} expected pointer to ctx, but got {type_str(reg)}", 22)
        if param.kind == KfArg.SCALAR_CONST:
            if reg.type != RegType.SCALAR:
                raise Refuse(f"R{regno} is not a scalar", 22)
            if not reg.is_const:
                raise Refuse(f"R{regno} must be a known constant", 22)
            const_arg = reg.const
        if param.kind == KfArg.PTR_TO_ALLOC_BTF_ID:
            release = check_alloc_arg(i, reg)
        if param.kind in _GRAPH_ARGS:
            check_graph_arg(env, st, proto, i, reg, graph)
        if param.kind == KfArg.PTR_TO_MEM_SIZE:
            _mem_size_pair(env, st, pc, proto, i, param)
        if param.kind == KfArg.PTR_TO_ITER:
            _iter_arg(env, st, pc, proto, i, param, reg)
        elif param.kind == KfArg.PTR_TO_DYNPTR:
            dynptr = _dynptr_arg(env, st, pc, proto, i, reg, dynptr)
        elif param.kind == KfArg.PTR_TO_BTF_ID:
            ref = _btf_arg(env, proto, i, param, reg)
            if proto.flags & KfFlag.RELEASE and not release:
                if not ref:
                    raise Refuse(f"release kernel function {proto.name} expects refcounted PTR_TO_BTF_ID")
                release = ref
    if proto.name == "bpf_dynptr_slice_rdwr":
        # the recorded kernel (6.18) refuses every writable slice once its arguments check out,
        # in every program type (the 6.12 selftests still expect it to work)
        raise Refuse(f"{proto.name}() is not allowed", 22)
    if release:
        release_reference(st, release)
    r0 = graph_result(env, st, pc, proto, graph)
    if r0 is not None:
        return KfuncCall(r0, graph=graph)
    if proto.name == "bpf_obj_new_impl":
        return KfuncCall(new_object(env, st, pc, const_arg))
    if proto.name == "bpf_rdonly_cast" and env.inp.kernel_btf is not None:
        return KfuncCall(rdonly_cast(env.inp.kernel_btf, const_arg))
    call = _result(env, st, pc, proto, const_size)
    if dynptr is not None and call.r0.type == RegType.MEM:  # a slice: gone with its dynptr
        call.r0.dynptr_id = dynptr.id
        if dynptr_type(dynptr) in ("skb", "xdp"):
            call.r0.btf_name = PACKET_SLICE  # the packet may move under it: see clear_packet_pointers
    return call


def _mem_size_pair(env: Env, st: State, pc: int, proto: KfuncProto, i: int, param: KfParam) -> None:
    """A memory argument and its size, the next one (``KF_ARG_PTR_TO_MEM_SIZE``): the memory
    must hold the size's largest value unless it is an optional one passed as NULL (whatever
    the access check said is followed by the pair's message); a ``__szk`` size is a constant."""
    regs = st.cur.regs
    buffer = regs[i + 1]
    if not (param.nullable and buffer.is_null_scalar()):
        if buffer.null:  # checked as if it were not NULL (check_kfunc_mem_size_reg)
            regs[i + 1] = buffer.copy()
            regs[i + 1].null = False
        try:
            check_size_arg(env, st, pc, i + 2, True, False)
        except Refuse as err:
            env.log.add(err.message)
            raise Refuse(f"arg#{i} arg#{i + 1} memory, len pair leads to invalid memory access", err.errno) from None
        finally:
            regs[i + 1] = buffer
    if _param_name(proto, i + 1).endswith("__szk") and not (regs[i + 2].type == RegType.SCALAR and regs[i + 2].is_const):
        raise Refuse(f"R{i + 2} must be a known constant", 22)


def _param_name(proto: KfuncProto, i: int) -> str:
    """The name of parameter ``i`` in the kfunc's C prototype."""
    params = proto.c_decl[proto.c_decl.index("(") + 1:proto.c_decl.rindex(")")].split(",")
    return params[i].strip().rsplit(" ", 1)[-1].lstrip("*")


def _btf_arg(env: Env, proto: KfuncProto, i: int, param: KfParam, reg: Reg) -> int:
    """A pointer to a kernel struct: not NULL (unless the parameter is nullable), trusted or
    RCU-protected where the kfunc asks for it, not moved when released, and pointing to the
    struct the parameter names. Returns the reference it carries."""
    if reg.is_null_scalar() or reg.null:
        if param.nullable and reg.is_null_scalar():
            return 0
        raise Refuse(f"Possibly NULL pointer passed to trusted arg{i}")
    if reg.type != RegType.BTF_ID:
        raise Refuse(f"arg#{i} pointer type STRUCT {_struct_name(param)} must point to scalar, or struct with scalar")
    release = bool(proto.flags & KfFlag.RELEASE)
    check_trusted_arg(proto, i, reg, release)
    if release and reg.ref_obj_id and (reg.off or not reg.is_const or reg.const) or not reg.is_const:
        raise Refuse(f"R{i + 1} must have zero offset when passed to release func or trusted arg to kfunc")
    check_struct_arg(env, proto, i, _struct_name(param), reg, strict=release and bool(reg.ref_obj_id))
    return reg.ref_obj_id


#: the kfuncs that initialise their ``__uninit`` dynptr, and the type it gets (a clone: its source's)
_DYNPTR_MAKERS = {"bpf_dynptr_from_skb": "skb", "bpf_dynptr_from_xdp": "xdp", "bpf_dynptr_clone": "clone"}


def _dynptr_arg(env: Env, st: State, pc: int, proto: KfuncProto, i: int, reg: Reg, prev: Reg | None) -> Reg | None:
    """A dynptr argument: uninitialised where the parameter's name ends in ``__uninit``."""
    name = proto.c_decl[proto.c_decl.index("(") + 1:proto.c_decl.rindex(")")].split(",")[i].strip()
    if not name.endswith("__uninit") or proto.name not in _DYNPTR_MAKERS:
        return check_dynptr_arg(env, st, pc, reg, i, helper=False)
    made = _DYNPTR_MAKERS[proto.name]
    return check_dynptr_arg(env, st, pc, reg, i, helper=False, construct=made,
                            clone_of=prev if made == "clone" else None)


def _iter_kind(param: KfParam) -> str:
    """``num`` for ``struct bpf_iter_num *`` (``iter_type_str``)."""
    name = _struct_name(param)
    return name.removeprefix("bpf_iter_")


def _iter_arg(env: Env, st: State, pc: int, proto: KfuncProto, i: int, param: KfParam, reg: Reg) -> None:
    """An iterator argument: a constant stack slot, uninitialised for ``_new``, a live
    iterator of the same kind for ``_next`` and ``_destroy``."""
    if reg.type != RegType.STACK:
        raise Refuse(f"arg#{i} expected pointer to an iterator on stack")
    kind = _iter_kind(param)
    frame = st.frames[reg.frameno]
    off = reg.off + (reg.const if reg.is_const else 0)
    spi = (-off - 1) // 8
    slot = frame.stack.get(spi) if reg.is_const and off % 8 == 0 and -512 <= off < 0 else None
    live = slot is not None and slot.kinds == ITER_BYTE * 8 and slot.spilled is not None \
        and slot.spilled.btf_name == kind
    if proto.flags & KfFlag.ITER_NEW:
        aligned = reg.is_const and off % 8 == 0 and -512 <= off < 0
        if not aligned or slot is not None and ITER_BYTE in slot.kinds:
            raise Refuse(f"expected uninitialized iter_{kind} as arg #{i}")
        ref = env.new_id()
        state = Reg(RegType.BTF_ID)
        state.btf_name, state.ref_obj_id = kind, ref
        frame.stack[spi] = Slot(ITER_BYTE * 8, state)
        frame.depth = max(frame.depth, -off)
        st.refs = st.refs + (Ref(ref, pc),)
        return
    if not live:
        raise Refuse(f"expected an initialized iter_{kind} as arg #{i}")
    if proto.flags & KfFlag.ITER_DESTROY:
        assert slot is not None and slot.spilled is not None
        st.refs = tuple(r for r in st.refs if r.id != slot.spilled.ref_obj_id)
        frame.stack[spi] = Slot("????????")


def _returned_trust(proto: KfuncProto) -> str:
    """How far a returned kernel pointer is trusted: an iterator's item is, any other
    unreferenced result is not (a reference makes an acquired one trusted)."""
    if proto.flags & KfFlag.ITER_NEXT:
        return "trusted"
    return ""


def _result(env: Env, st: State, pc: int, proto: KfuncProto, const_size: int) -> KfuncCall:
    ret = proto.ret
    if ret == KfRet.VOID:
        return KfuncCall(NOT_INIT)
    if ret == KfRet.SCALAR:
        return KfuncCall(scalar_unknown())
    ret_type = proto.c_decl[: proto.c_decl.index(proto.name + "(")]
    r = btf_pointer(env, param_struct(ret_type, 0), _returned_trust(proto))
    size = _C_SIZES.get(ret_type.replace("*", "").replace("const", "").strip(), const_size)
    if ret == KfRet.PTR_TO_MEM and size:  # sized by its type (an iterator's int) or by __szk
        r = Reg(RegType.MEM)
        r.rdonly = bool(proto.flags & KfFlag.ITER_NEXT) or proto.name == "bpf_dynptr_slice"
        r.mem_size = size
    if proto.flags & KfFlag.RET_NULL:
        r.null = True
        r.id = env.new_id()
    if proto.flags & KfFlag.ACQUIRE:
        if not r.id:
            r.id = env.new_id()
        r.ref_obj_id = r.id
        st.refs = st.refs + (Ref(r.id, pc),)
    if proto.flags & KfFlag.ITER_NEXT:  # the path that goes on sees the iterator drained
        return KfuncCall(scalar_known(0), r)
    return KfuncCall(r)
