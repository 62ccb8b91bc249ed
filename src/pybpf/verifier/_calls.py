"""Calls: helpers checked argument by argument against their declaration in the one registry,
bpf-to-bpf calls with frames, callbacks (``bpf_loop``, ``bpf_for_each_map_elem``, timer
callbacks), acquired references (ring buffer records) and ``bpf_spin_lock``."""

from __future__ import annotations

from .._spec import ProgType
from ..helpers import BY_ID, Arg, HelperProto, Ret
from ..isa import Instruction
from ._bounds import sync
from ._btf_ptr import btf_pointer, check_helper_btf_arg, param_struct
from ._dynptr import (
    CONST_DYNPTR,
    DYNPTR_BYTE,
    check_dynptr_arg,
    check_dynptr_release,
    dynptr_at,
    dynptr_type,
    refuse_helper_write,
)
from ._env import Env, Refuse, reg_read
from ._graph import check_object_lock, in_less_callback, invalidate_non_owning
from ._graph_fields import Kptr
from ._kptr import check_kptr_xchg, kptr_xchg_result
from ._ksyms import percpu_arg, percpu_copy
from ._leaks import TAIL_CALL, check_resource_leak
from ._local_obj import is_alloc
from ._log import type_str
from ._mapfuncs import SOCK_MAPS, check_map_func, map_value_arg
from ._memory import (
    check_aligned_arg,
    check_map_value,
    check_mem_access,
    check_ptr_off_reg,
    check_stack_range,
    stack_write,
)
from ._packets import check_packet_arg, clear_packet_pointers, helper_changes_packet
from ._sockets import sock_btf_arg, sock_common_arg, sock_or_null_arg, sock_release_arg
from ._state import (
    MAX_BPF_STACK,
    NOT_INIT,
    Callback,
    Frame,
    MapInfo,
    Ref,
    Reg,
    RegType,
    State,
    scalar_unknown,
)
from ._struct_ops import struct_ops_proto
from ._timers import (
    check_field_pointer,
    check_timer_arg,
    check_timer_init_map,
    timer_callback_state,
)

__all__ = ["FIXED_SIZE_ARGS", "MEM_REGS", "check_helper_call", "check_subprog_call", "enter_frame", "helper_mem", "return_from_frame"]

MAX_CALL_FRAMES = 8
BPF_MAX_VAR_SIZ = 1 << 29
_MEM_TYPES = "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_"
MEM_REGS = frozenset({RegType.STACK, RegType.PACKET, RegType.PACKET_META, RegType.MAP_KEY,
                       RegType.MAP_VALUE, RegType.MEM})

# map types (UAPI enum bpf_map_type)
_PROG_ARRAY = 3
_ARRAY_OF_MAPS, _HASH_OF_MAPS = 12, 13
_ARRAY, _PERCPU_ARRAY = 2, 6
_FOR_EACH_MAPS = frozenset({1, 2, 5, 6, 9, 10})  # hash, array and their per-CPU and LRU kinds


_SOCK_RETS = {Ret.PTR_TO_SOCKET_OR_NULL: RegType.SOCKET, Ret.PTR_TO_SOCK_COMMON_OR_NULL: RegType.SOCK_COMMON,
              Ret.PTR_TO_TCP_SOCK_OR_NULL: RegType.TCP_SOCK}
#: helpers whose socket result is their argument seen as another type (``is_ptr_cast_function``)
_SOCK_CASTS = frozenset({"bpf_sk_fullsock", "bpf_tcp_sock"})
#: helpers whose result is at most their buffer's size, or a negative errno
#: (``do_refine_retval_range``)
_COPIES_AT_MOST_SIZE = frozenset({"bpf_get_stack", "bpf_get_task_stack", "bpf_probe_read_str",
                                  "bpf_probe_read_kernel_str", "bpf_probe_read_user_str"})
MAX_ERRNO = 4095
_MAP_VALUE_ARGS = frozenset({Arg.PTR_TO_MAP_VALUE, Arg.PTR_TO_UNINIT_MAP_VALUE, Arg.PTR_TO_MAP_VALUE_OR_NULL})
_MEM_ARGS = frozenset({Arg.PTR_TO_MEM, Arg.PTR_TO_UNINIT_MEM, Arg.PTR_TO_MEM_OR_NULL, Arg.PTR_TO_UNINIT_MEM_OR_NULL})
#: the helpers that initialise a dynptr, and the type it gets (``DYNPTR_TYPE_*`` of their
#: ``MEM_UNINIT`` argument); those that release one (``OBJ_RELEASE``)
_DYNPTR_CONSTRUCTORS = {"bpf_dynptr_from_mem": "local", "bpf_ringbuf_reserve_dynptr": "ringbuf"}
_DYNPTR_RELEASERS = frozenset({"bpf_ringbuf_submit_dynptr", "bpf_ringbuf_discard_dynptr"})
#: memory of a size the helper fixes (``ARG_PTR_TO_FIXED_SIZE_MEM``, its ``argN_size``), and
#: whether the helper writes it (``MEM_WRITE``, which comes with ``MEM_ALIGNED``): strtol's and
#: get_func_arg's results, check_mtu's MTU, the headers the raw syncookie helpers read
FIXED_SIZE_ARGS = {Arg.PTR_TO_LONG: (8, True), Arg.PTR_TO_U32: (4, True), Arg.PTR_TO_IPV4_HEADER: (20, False),
                   Arg.PTR_TO_IPV6_HEADER: (40, False), Arg.PTR_TO_TCP_HEADER: (20, False)}


def _expected(regno: int, reg: Reg, expected: str) -> Refuse:
    return Refuse(f"R{regno} type={type_str(reg)} expected={expected}")


def _map_compatible(env: Env, proto: HelperProto, m: MapInfo) -> None:
    """The map rules of a helper call that come before the kernel's two-way table."""
    name = proto.name
    if name == "bpf_tail_call" and m.type != _PROG_ARRAY:
        raise Refuse("expected prog array map for tail call", 22)
    if name == "bpf_for_each_map_elem" and m.type not in _FOR_EACH_MAPS:
        raise Refuse("callback function not allowed for map", 22)
    if m.readonly_prog and name in ("bpf_map_update_elem", "bpf_map_delete_elem", "bpf_map_push_elem",
                                    "bpf_map_pop_elem"):
        raise Refuse("write into map forbidden", 13)
    check_map_func(env, proto, m)


def helper_mem(env: Env, st: State, pc: int, regno: int, size: int, write: bool, zero_ok: bool) -> None:
    """A helper reads or writes ``size`` bytes through register ``regno``."""
    reg = st.cur.regs[regno]
    if reg.is_null_scalar():  # NULL, where the argument may be: only with nothing to access
        if size == 0 and zero_ok:
            return
        raise Refuse(f"R{regno} type={type_str(reg)} expected=fp")
    if reg.type == RegType.STACK:
        lo, hi = check_stack_range(env, st, reg, regno, 0, size, "read from" if not write else "write to", zero_ok)
        if not write and reg.is_const:
            _kernel_owned_bytes(st, reg.frameno, regno, lo, size)
        if write and size:
            refuse_helper_write(st, reg.frameno, lo, hi)
            if reg.is_const:
                stack_write(st, reg.frameno, lo, size, None, False)
            else:
                stack_write(st, reg.frameno, lo, hi - lo, None, False)
        return
    if reg.type == RegType.MAP_VALUE:
        check_map_value(env, reg, regno, 0, size, write, helper=True, zero_ok=zero_ok)
        return
    if size == 0 and zero_ok:
        return
    check_mem_access(env, st, pc, regno, 0, size, write)


def _kernel_owned_bytes(st: State, frameno: int, regno: int, lo: int, size: int) -> None:
    """A helper may not read the stack bytes of an iterator or a dynptr, not even a privileged
    program's (``check_stack_range_initialized``)."""
    stack = st.frames[frameno].stack
    for addr in range(lo, lo + size):
        slot = stack.get((-addr - 1) // 8)
        if slot is not None and slot.kinds[addr % 8] in (DYNPTR_BYTE, "i"):
            raise Refuse(f"invalid read from stack R{regno} off {lo}+{addr - lo} size {size}")


def check_size_arg(env: Env, st: State, pc: int, regno: int, zero_ok: bool, write: bool) -> int:
    """A memory argument's size register (the memory in the register before it); returns
    the most it may be. Kfuncs' ``__sz`` parameters are checked as helpers' are."""
    reg = reg_read(st, regno)
    if reg.type != RegType.SCALAR:
        raise _expected(regno, reg, "scalar")
    if reg.smin < 0:
        raise Refuse(f"R{regno} min value is negative, either use unsigned or 'var &= const'")
    if reg.umin == 0 and not zero_ok:
        raise Refuse(f"R{regno} invalid zero-sized read: u64=[{reg.umin},{reg.umax}]")
    if reg.umax >= BPF_MAX_VAR_SIZ:
        raise Refuse(f"R{regno} unbounded memory access, use 'var &= const' or 'if (var < const)'")
    helper_mem(env, st, pc, regno - 1, reg.umax, write, zero_ok)
    return reg.umax


def _const_key(st: State, reg: Reg, size: int) -> int | None:
    """The value of a map key on the stack, when the verifier knows it (a spilled constant or
    zero bytes): the kernel elides the NULL check of an array lookup with such a key."""
    if reg.type != RegType.STACK or not reg.is_const or size not in (4, 8):
        return None
    from ._memory import read_stack_value
    value = read_stack_value(st, reg.frameno, reg.off + _s64(reg.const), size)
    return value.const if value.type == RegType.SCALAR and value.is_const else None


def _s64(u: int) -> int:
    return u - (1 << 64) if u >> 63 else u


def _mem_arg(reg: Reg, regno: int, nullable: bool = False) -> None:
    if nullable and reg.is_null_scalar():
        return
    if reg.type not in MEM_REGS or reg.null:
        raise _expected(regno, reg, _MEM_TYPES)


class _Meta:
    """What the argument checks of one helper call learned (``bpf_call_arg_meta``)."""

    def __init__(self) -> None:
        self.map: MapInfo | None = None
        self.map_uid = 0
        self.func: int | None = None
        self.release_ref = 0
        self.const_size: int | None = None
        self.timer_reg: Reg | None = None
        self.const_key: int | None = None  #: a map key known at verification time
        self.ref_obj_id = 0  #: the reference a socket argument carries (casts keep it)
        self.msize_max = 0  #: the largest size a memory argument's size register allows
        self.kptr: Kptr | None = None  #: ``bpf_kptr_xchg``'s field
        self.dynptr: Reg | None = None  #: the state of the dynptr argument
        self.percpu: Reg | None = None  #: the per-CPU variable ``bpf_per_cpu_ptr`` takes


_SPIN_UNLOCK = 94  #: the one helper a program holding a lock may call


def check_helper_call(env: Env, st: State, pc: int, insn: Instruction) -> Frame | None:
    """Check a helper call; returns a callback frame to enter, if the helper calls one now."""
    if st.lock is not None and insn.imm != _SPIN_UNLOCK:  # before anything else of the call
        raise Refuse("function calls are not allowed while holding a lock", 22)
    if insn.imm == 0:
        raise Refuse("program of this type cannot use helper bpf_unspec#0", 22)
    proto = BY_ID.get(insn.imm)
    if proto is None:
        raise Refuse(f"invalid func unknown#{insn.imm}", 22)
    offered = env.inp.offered
    if offered is not None and insn.imm not in offered:
        raise Refuse(f"program of this type cannot use helper {proto.name}#{proto.id}", 22)
    if proto.gpl_only and not env.inp.license_gpl:
        raise Refuse("cannot call GPL-restricted function from non-GPL compatible program", 22)
    if proto.might_sleep and not env.inp.sleepable:
        raise Refuse("helper call might sleep in a non-sleepable prog", 22)
    if st.preempt and proto.might_sleep:
        raise Refuse(f"sleepable helper {proto.name}#{proto.id} in non-preemptible region", 22)
    meta = _Meta()
    proto = struct_ops_proto(env, proto)
    for i, kind in enumerate(proto.args):
        _check_arg(env, st, pc, proto, i + 1, kind, meta)
    if meta.map is not None:
        _map_compatible(env, proto, meta.map)
    if proto.name == "bpf_dynptr_from_mem" and st.cur.regs[1].type != RegType.MAP_VALUE:
        raise Refuse(f"Unsupported reg type {type_str(st.cur.regs[1])} for bpf_dynptr_from_mem data", 13)
    if proto.name == "bpf_get_local_storage" and not st.cur.regs[2].is_null_scalar():
        raise Refuse("get_local_storage() doesn't support non-zero flags", 22)  # it cannot fail
    # writing through an skb dynptr may move the packet (an xdp one's writes never do)
    written = dynptr_at(st, st.cur.regs[1]) if proto.name == "bpf_dynptr_write" else None
    frame = _effects(env, st, pc, proto, meta)
    regs = st.cur.regs
    for r in range(1, 6):
        regs[r] = NOT_INIT
    regs[0] = _ret(env, st, pc, proto, meta)
    if helper_changes_packet(proto) or written is not None and dynptr_type(written) == "skb":
        clear_packet_pointers(st)
    return frame


def _check_arg(env: Env, st: State, pc: int, proto: HelperProto, regno: int, kind: Arg, meta: _Meta) -> None:
    if kind == Arg.DONTCARE:
        return
    reg = reg_read(st, regno)
    if kind == Arg.ANYTHING:
        return
    check_packet_arg(env, proto, reg)
    if kind == Arg.CONST_MAP_PTR:
        if reg.type != RegType.CONST_MAP or reg.null:
            raise _expected(regno, reg, "map_ptr")
        assert reg.map is not None
        meta.map, meta.map_uid = reg.map, reg.map_uid
    elif kind in _MAP_VALUE_ARGS and map_value_arg(meta.map, kind) == Arg.PTR_TO_BTF_ID_SOCK_COMMON:
        sock_btf_arg(reg, regno)  # a socket map's value: the socket
    elif kind == Arg.PTR_TO_MAP_VALUE_OR_NULL and reg.is_null_scalar():
        return
    elif kind in (Arg.PTR_TO_MAP_KEY, *_MAP_VALUE_ARGS):
        _mem_arg(reg, regno)
        if meta.map is None:
            raise Refuse(f"invalid map_ptr to access map->{'key' if kind == Arg.PTR_TO_MAP_KEY else 'value'}")
        size = meta.map.key_size if kind == Arg.PTR_TO_MAP_KEY else meta.map.value_size
        helper_mem(env, st, pc, regno, size, kind == Arg.PTR_TO_UNINIT_MAP_VALUE, False)
        if kind == Arg.PTR_TO_MAP_KEY:
            meta.const_key = _const_key(st, reg, size)
    elif kind in _MEM_ARGS:
        _mem_arg(reg, regno, nullable=kind in (Arg.PTR_TO_MEM_OR_NULL, Arg.PTR_TO_UNINIT_MEM_OR_NULL))
    elif kind in (Arg.CONST_SIZE, Arg.CONST_SIZE_OR_ZERO):
        prev = proto.args[regno - 2] if regno >= 2 else None
        if prev in _MEM_ARGS:
            meta.msize_max = check_size_arg(env, st, pc, regno, kind == Arg.CONST_SIZE_OR_ZERO,
                                       prev in (Arg.PTR_TO_UNINIT_MEM, Arg.PTR_TO_UNINIT_MEM_OR_NULL))
        else:
            if reg.type != RegType.SCALAR:
                raise _expected(regno, reg, "scalar")
            if not reg.is_const:
                raise Refuse(f"R{regno} is not a known constant'")
            meta.const_size = reg.const
    elif kind == Arg.PTR_TO_CTX_OR_NULL and reg.is_null_scalar():
        return
    elif kind in (Arg.PTR_TO_CTX, Arg.PTR_TO_CTX_OR_NULL):
        if reg.type != RegType.CTX:
            raise _expected(regno, reg, "ctx")
        check_ptr_off_reg(reg, regno)
    elif kind == Arg.PTR_TO_FUNC:
        if reg.type != RegType.FUNC:
            raise _expected(regno, reg, "func")
        meta.func = reg.subprog
    elif kind == Arg.PTR_TO_STACK_OR_NULL:
        if not reg.is_null_scalar() and reg.type != RegType.STACK:
            raise _expected(regno, reg, "fp")
    elif kind == Arg.PTR_TO_TIMER:
        check_timer_arg(env, st, regno, reg)
        meta.timer_reg = reg
    elif kind == Arg.PTR_TO_SPIN_LOCK:
        _spin_lock_arg(env, st, regno, reg, proto.name == "bpf_spin_lock")
    elif kind == Arg.PTR_TO_ALLOC_MEM:
        if reg.type != RegType.MEM or not reg.ringbuf or reg.null:
            raise _expected(regno, reg, "ringbuf_mem")
        if reg.off or not reg.is_const or reg.const:
            raise Refuse(f"R{regno} must have zero offset when passed to release func or trusted arg to kfunc")
        if not any(ref.id == reg.ref_obj_id for ref in st.refs):
            raise Refuse(f"arg {regno} is an unacquired reference")
        meta.release_ref = reg.ref_obj_id
    elif kind in FIXED_SIZE_ARGS:  # ARG_PTR_TO_FIXED_SIZE_MEM: the size is the helper's own
        size, write = FIXED_SIZE_ARGS[kind]
        _mem_arg(reg, regno)
        helper_mem(env, st, pc, regno, size, write, False)
        if write:  # the out-parameters are MEM_ALIGNED too
            check_aligned_arg(reg, size)
    elif kind == Arg.PTR_TO_PERCPU_BTF_ID:
        meta.percpu = percpu_arg(reg, regno)
        check_ptr_off_reg(reg, regno)
    elif kind == Arg.PTR_TO_DYNPTR:
        if proto.name in _DYNPTR_RELEASERS:
            meta.release_ref = check_dynptr_release(st, reg, regno)
        else:
            meta.dynptr = check_dynptr_arg(env, st, pc, reg, regno - 1, helper=True,
                                           construct=_DYNPTR_CONSTRUCTORS.get(proto.name))
    elif kind == Arg.PTR_TO_CONST_STR:
        _const_str(reg, regno)
    elif kind == Arg.PTR_TO_SOCK_COMMON:
        sock_common_arg(reg, regno)
        meta.ref_obj_id = reg.ref_obj_id
    elif kind == Arg.PTR_TO_BTF_ID_SOCK_COMMON:
        sock_btf_arg(reg, regno)
        meta.ref_obj_id = reg.ref_obj_id
    elif kind == Arg.PTR_TO_SOCKET_OR_NULL:  # bpf_sk_assign's socket: per program type
        if env.inp.prog_type == ProgType.SK_LOOKUP:
            sock_or_null_arg(reg, regno)
        else:
            sock_btf_arg(reg, regno)
    elif kind == Arg.PTR_TO_SOCKET_RELEASE:
        meta.release_ref = sock_release_arg(reg, regno)
    elif kind == Arg.PTR_TO_KPTR:  # the field and the pointer moved in, together
        meta.kptr, meta.release_ref = check_kptr_xchg(env, st, reg, reg_read(st, regno + 1))
    elif kind in (Arg.PTR_TO_BTF_ID, Arg.PTR_TO_BTF_ID_OR_NULL) and meta.kptr is None:
        check_helper_btf_arg(env, regno, reg, param_struct(proto.c_params, regno - 1),
                             kind == Arg.PTR_TO_BTF_ID_OR_NULL)


def _const_str(reg: Reg, regno: int) -> None:
    if reg.type != RegType.MAP_VALUE or reg.null:
        raise _expected(regno, reg, "map_value")
    m = reg.map
    assert m is not None
    if m.frozen_value is None:
        raise Refuse(f"R{regno} does not point to a readonly map'")
    if not reg.is_const:
        raise Refuse(f"R{regno} is not a constant address'")
    start = reg.off + reg.const
    if start < 0 or start >= len(m.frozen_value):
        raise Refuse(f"invalid access to map value, value_size={m.value_size} off={start} size=1")
    if b"\0" not in m.frozen_value[start:]:
        raise Refuse("string is not zero-terminated")


def _lock_identity(reg: Reg) -> tuple[int, int]:
    if reg.map is None:  # an allocated object's own lock
        return (reg.id, reg.off + reg.const)
    return (reg.id or reg.map.ident, reg.off + reg.const)


def _spin_lock_arg(env: Env, st: State, regno: int, reg: Reg, lock: bool) -> None:
    if in_less_callback(st):
        raise Refuse("can't spin_{lock,unlock} in rbtree cb", 13)
    if is_alloc(reg) and not reg.null:
        check_object_lock(env, regno, reg)
    else:
        check_field_pointer(env.inp.release, regno, reg, "bpf_spin_lock", "map_value, ptr_")
    ident = _lock_identity(reg)
    if lock:
        if st.lock is not None:
            raise Refuse("Locking two bpf_spin_locks are not allowed")
        st.lock = ident
    else:
        if st.lock is None:
            raise Refuse("bpf_spin_unlock without taking a lock")
        if st.lock != ident:
            raise Refuse("bpf_spin_unlock of different lock")
        st.lock = None
        invalidate_non_owning(st)


def release_reference(st: State, ref_id: int) -> None:
    st.refs = tuple(ref for ref in st.refs if ref.id != ref_id)
    for frame in st.frames:
        for i, r in enumerate(frame.regs):
            if r.ref_obj_id == ref_id:
                frame.regs[i] = scalar_unknown()
        for spi, slot in list(frame.stack.items()):
            if slot.spilled is not None and slot.spilled.ref_obj_id == ref_id:
                from ._state import Slot
                frame.stack[spi] = Slot("mmmmmmmm")


def _effects(env: Env, st: State, pc: int, proto: HelperProto, meta: _Meta) -> Frame | None:
    if meta.release_ref:
        release_reference(st, meta.release_ref)
    name = proto.name
    if name == "bpf_timer_init" and meta.timer_reg is not None:
        check_timer_init_map(meta.timer_reg, st.cur.regs[2])
    if name == "bpf_tail_call":  # only the main program's references leak: a subprogram's return to its caller
        check_resource_leak(env, st, TAIL_CALL)
    if name == "bpf_timer_set_callback" and meta.func is not None and meta.timer_reg is not None:
        if meta.func in env.inp.global_funcs:
            raise Refuse("callback function not static", 22)
        timer_map = meta.timer_reg.map
        assert timer_map is not None
        env.async_callbacks.append((meta.func, timer_callback_state(env, meta.func, timer_map)))
        return None
    if name in _SYNC_CALLBACK_HELPERS and meta.func is not None:
        return _sync_callback(env, st, pc, name, meta)
    return None


#: helpers that call their callback before they return, on the caller's stack
_SYNC_CALLBACK_HELPERS = frozenset({"bpf_loop", "bpf_for_each_map_elem", "bpf_user_ringbuf_drain", "bpf_find_vma"})


def _sync_callback(env: Env, st: State, pc: int, name: str, meta: _Meta) -> Frame:
    """The frame a synchronous callback starts with: its arguments as the helper passes them."""
    regs = st.cur.regs
    args = [NOT_INIT] * 11
    if name == "bpf_loop":
        args[1] = scalar_unknown()
        args[2] = regs[3]
    elif name == "bpf_user_ringbuf_drain":  # a dynptr over the sample (CONST_PTR_TO_DYNPTR), ctx
        args[1] = Reg(RegType.BTF_ID)
        args[1].btf_name = CONST_DYNPTR
        args[2] = regs[3]
    elif name == "bpf_find_vma":  # the task, the memory area found, ctx
        args[1] = regs[1]
        args[2] = btf_pointer(env, "vm_area_struct", "")
        args[3] = regs[4]
    else:
        m = meta.map
        assert m is not None
        cm = Reg(RegType.CONST_MAP)
        cm.map = m
        key = Reg(RegType.MAP_KEY)
        key.map = m
        val = Reg(RegType.MAP_VALUE)
        val.map = m
        args[1], args[2], args[3], args[4] = cm, key, val, regs[3]
    cb = Callback(0, 1, False, name)
    return new_frame(env, st, meta.func or 0, pc, args, cb)


def new_frame(env: Env, st: State, entry: int, callsite: int, args: list[Reg], cb: Callback | None) -> Frame:
    counted = [f for f in st.frames if f.subprog not in env.inp.global_funcs]
    if len(counted) >= MAX_CALL_FRAMES and entry not in env.inp.global_funcs:
        raise Refuse(f"the call stack of {len(counted) + 1} frames is too deep", 7)
    frameno = len(st.frames)
    regs = list(args)
    for i in (0, 6, 7, 8, 9):
        regs[i] = NOT_INIT
    fp = Reg(RegType.STACK)
    fp.frameno = frameno
    regs[10] = fp
    return Frame(regs, {}, frameno, entry, callsite, cb)


def _ret(env: Env, st: State, pc: int, proto: HelperProto, meta: _Meta) -> Reg:
    ret = proto.ret
    if ret == Ret.VOID:
        return NOT_INIT
    if ret == Ret.PTR_TO_MAP_VALUE:  # bpf_get_local_storage: the whole value, never NULL
        r = Reg(RegType.MAP_VALUE)
        r.map = meta.map
        return r
    if ret == Ret.PTR_TO_MAP_VALUE_OR_NULL:
        m = meta.map
        assert m is not None
        if m.type in SOCK_MAPS:  # the socket stored: acquired, to be released
            r = Reg(RegType.SOCKET)
            r.id = r.ref_obj_id = env.new_id()
            st.refs = st.refs + (Ref(r.id, pc),)
        elif m.type in (_ARRAY_OF_MAPS, _HASH_OF_MAPS) and m.inner is not None:
            r = Reg(RegType.CONST_MAP)
            r.map = m.inner
            r.id = env.new_id()
            r.map_uid = r.id if m.inner.timer_off >= 0 else 0
        else:
            r = Reg(RegType.MAP_VALUE)
            r.map, r.map_uid = m, meta.map_uid
            r.null = not (m.type in (_ARRAY, _PERCPU_ARRAY) and meta.const_key is not None
                          and meta.const_key < m.max_entries)
            r.id = env.new_id() if r.null or m.lock_off >= 0 else 0
            return r
        r.null = True
        return r
    if ret == Ret.PTR_TO_ALLOC_MEM_OR_NULL:
        if meta.const_size is None:
            raise Refuse("R2 is not a known constant'")
        r = Reg(RegType.MEM)
        r.ringbuf = True
        r.null = True
        r.mem_size = meta.const_size
        r.id = r.ref_obj_id = env.new_id()
        st.refs = st.refs + (Ref(r.id, pc),)
        return r
    sock = _SOCK_RETS.get(ret)
    if sock is not None:
        r = Reg(sock)
        r.null = True
        r.id = env.new_id()
        if proto.acquire:
            r.ref_obj_id = r.id
            st.refs = st.refs + (Ref(r.id, pc),)
        elif proto.name in _SOCK_CASTS:
            r.ref_obj_id = meta.ref_obj_id
        return r
    if meta.kptr is not None:
        return kptr_xchg_result(env, st, pc, meta.kptr)
    if ret == Ret.PTR_TO_BTF_ID_OR_NULL:  # a socket cast (bpf_skc_to_*): checked before use
        r = Reg(RegType.BTF_ID)
        r.btf_name = proto.c_return_type.removeprefix("struct ").rstrip(" *")
        r.null = True
        r.id = env.new_id()
        r.ref_obj_id = meta.ref_obj_id
        return r
    if ret == Ret.PTR_TO_DYNPTR_MEM_OR_NULL:  # bpf_dynptr_data: a slice, gone with a released dynptr
        r = Reg(RegType.MEM)
        r.null = True
        r.mem_size = meta.const_size or 0
        r.id = env.new_id()
        r.ref_obj_id = meta.dynptr.ref_obj_id if meta.dynptr is not None else 0
        r.dynptr_id = meta.dynptr.id if meta.dynptr is not None else 0
        return r
    if ret == Ret.PTR_TO_MEM_OR_BTF_ID and meta.percpu is not None:
        return percpu_copy(env, meta.percpu, proto.name == "bpf_per_cpu_ptr")
    if ret == Ret.PTR_TO_BTF_ID:  # bpf_get_current_task_btf: a trusted task
        return btf_pointer(env, param_struct(proto.c_return_type, 0), "trusted")
    if ret != Ret.INTEGER:  # a kernel object: pybpf lets it be read, never proves it in bounds
        return Reg(RegType.BTF_ID)
    r0 = scalar_unknown()
    if proto.name == "bpf_get_smp_processor_id":
        r0.umin, r0.umax = 0, max(env.inp.ncpus - 1, 0)
        sync(r0)
    elif proto.name in _COPIES_AT_MOST_SIZE:  # a byte count no larger than the buffer, or -errno
        r0.smin = r0.s32min = -MAX_ERRNO
        r0.smax = r0.s32max = meta.msize_max
        sync(r0)
    return r0


def check_subprog_call(env: Env, st: State, pc: int, insn: Instruction) -> Frame:
    """A bpf-to-bpf call: the callee's frame, with the caller's r1-r5 as its arguments."""
    target = pc + 1 + insn.imm
    regs = st.cur.regs
    args = [NOT_INIT] * 11
    for i in range(1, 6):
        args[i] = regs[i]
    return new_frame(env, st, target, pc, args, None)


def enter_frame(st: State, frame: Frame) -> None:
    st.frames.append(frame)


def check_stack_depth(env: Env, frame: Frame) -> None:
    depth = (frame.depth + 7) // 8 * 8
    prev = env.stack_depth.get(frame.subprog, 0)
    env.stack_depth[frame.subprog] = max(prev, depth)
    if depth > MAX_BPF_STACK:
        raise Refuse(f"combined stack size of {len([frame])} calls is {depth}. Too large", 13)


def return_from_frame(env: Env, st: State) -> int:
    """The exit of a callee: pop its frame and give its r0 to the caller; returns the PC to
    continue at."""
    callee = st.frames.pop()
    check_stack_depth(env, callee)
    caller = st.cur
    r0 = callee.regs[0]
    if r0.type == RegType.STACK and r0.frameno == callee.frameno:
        raise Refuse("cannot return stack pointer to the caller", 22)
    cb = callee.callback
    if cb is not None:
        _check_callback_ret(r0, cb)
        # the helper call is re-evaluated: the callback may run again
        return callee.callsite
    caller.regs[0] = r0
    for i in range(1, 6):
        caller.regs[i] = NOT_INIT
    return callee.callsite + 1


def _check_callback_ret(r0: Reg, cb: Callback) -> None:
    if r0.type != RegType.SCALAR:
        raise Refuse("R0 not a scalar value")
    check_ret_range(r0, cb.ret_min, cb.ret_max, "At callback return")


def check_ret_range(r0: Reg, lo: int, hi: int, where: str, low32: bool = False) -> None:
    """R0 within ``[lo, hi]``: its 64-bit bounds, or with ``low32`` its low 32 bits' (an LSM
    hook's int); the message prints the 64-bit bounds either way, as the kernel's does."""
    if r0.type != RegType.SCALAR:
        raise Refuse(f"{where} the register R0 is not a known value ({type_str(r0)})", 22)
    if (r0.s32min < lo or r0.s32max > hi) if low32 else (r0.smin < lo or r0.smax > hi):
        text = ""
        if r0.smin > -(1 << 63):
            text += f" smin={r0.smin}"
        if r0.smax < (1 << 63) - 1:
            text += f" smax={r0.smax}"
        raise Refuse(f"{where} the register R0 has{text or ' unknown scalar value'} should have been in [{lo}, {hi}]", 22)
