"""Implementations of kfuncs, by registry id, filled by the ``@implements_kfunc`` decorator.

A kfunc implementation has a helper's shape (:data:`pybpf.engine.HelperFn`): the run's context
and r1-r5 in, r0 out. What pybpf has no object for answers as the kernel does for a missing
one (NULL from an acquire, an error code from a constructor).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ..engine import ExecContext, HelperFn
from ..engine._context import Thrown
from ._dynptr import BPF_DYNPTR_TYPE_LOCAL, read_dynptr, write_dynptr
from ._impl import host
from ._kfuncs import KFUNCS_BY_NAME

__all__ = ["KFUNC_IMPLEMENTATIONS", "implements_kfunc"]

EINVAL, E2BIG, ERANGE = 22, 7, 34
BPF_MAX_LOOPS = 8 * 1024 * 1024  #: the longest run a number iterator may cover
_ITER_NUM = struct.Struct("<ii")  #: struct bpf_iter_num_kern: int cur, end

#: kfunc id -> implementation
KFUNC_IMPLEMENTATIONS: dict[int, HelperFn] = {}


def implements_kfunc(*names: str) -> Callable[[HelperFn], HelperFn]:
    """Register the decorated function as the implementation of the declared kfuncs ``names``."""

    def register(fn: HelperFn) -> HelperFn:
        for name in names:
            KFUNC_IMPLEMENTATIONS[KFUNCS_BY_NAME[name].id] = fn
        return fn

    return register


@implements_kfunc("bpf_iter_num_new")
def iter_num_new(ctx: ExecContext, it: int, start: int, end: int, _4: int, _5: int) -> int:
    """Iterate over [start, end): -EINVAL when start > end, -E2BIG over BPF_MAX_LOOPS numbers."""
    start, end = _s32(start), _s32(end)
    if start > end or end - start > BPF_MAX_LOOPS:
        ctx.write(it, _ITER_NUM.pack(0, 0))
        return -EINVAL if start > end else -E2BIG
    ctx.write(it, _ITER_NUM.pack(start - 1, end))
    return 0


@implements_kfunc("bpf_iter_num_next")
def iter_num_next(ctx: ExecContext, it: int, *_: int) -> int:
    """A pointer to the next number (inside the iterator), or NULL when done."""
    cur, end = _ITER_NUM.unpack(ctx.read(it, 8))
    if cur + 1 >= end:
        ctx.write(it, _ITER_NUM.pack(0, 0))
        return 0
    ctx.write(it, _ITER_NUM.pack(cur + 1, end))
    return it


@implements_kfunc("bpf_iter_num_destroy")
def iter_num_destroy(ctx: ExecContext, it: int, *_: int) -> int:
    ctx.write(it, _ITER_NUM.pack(0, 0))
    return 0


@implements_kfunc(
    "bpf_rcu_read_lock", "bpf_rcu_read_unlock", "bpf_preempt_disable", "bpf_preempt_enable",
    "bpf_local_irq_save", "bpf_local_irq_restore", "bpf_task_release", "bpf_cgroup_release",
)
def no_effect(ctx: ExecContext, *_: int) -> int:
    """Sections and references the verifier tracks; nothing happens at run time."""
    return 0


@implements_kfunc("bpf_cast_to_kern_ctx", "bpf_rdonly_cast", "bpf_task_acquire", "bpf_cgroup_acquire")
def same_pointer(ctx: ExecContext, pointer: int, *_: int) -> int:
    """The pointer it is given: a cast, or a new reference on the same object."""
    return pointer


@implements_kfunc("bpf_throw")
def throw(ctx: ExecContext, cookie: int, *_: int) -> int:
    """Unwind the whole run: the program returns ``cookie`` (the verifier made sure no lock,
    reference or section is held, and that no callback throws)."""
    raise Thrown(cookie)


@implements_kfunc("bpf_task_from_pid", "bpf_task_from_vpid")
def task_from_pid(ctx: ExecContext, pid: int, *_: int) -> int:
    """The current task when ``pid`` is its pid; NULL for any other (pybpf has no other task)."""
    runtime = host(ctx)
    return runtime.task_address() if _s32(pid) == runtime.current_task().pid else 0


@implements_kfunc("bpf_obj_new_impl")
def obj_new(ctx: ExecContext, type_id: int, *_: int) -> int:
    """A new zeroed object of the program's struct ``type_id``, or NULL past the runtime's
    budget of live objects."""
    return host(ctx).new_object(ctx.program, type_id & 0xFFFF_FFFF)


@implements_kfunc("bpf_obj_drop_impl")
def obj_drop(ctx: ExecContext, p: int, *_: int) -> int:
    """Free an object of bpf_obj_new."""
    host(ctx).drop_object(p)
    return 0


@implements_kfunc("bpf_cgroup_from_id")
def cgroup_from_id(ctx: ExecContext, cgid: int, *_: int) -> int:
    """The root cgroup (id 1) or the current task's (``Task.cgroup_id``); NULL for any other
    id, as for a cgroup that does not exist."""
    return host(ctx).cgroup_address(cgid)


@implements_kfunc("bpf_cgroup_ancestor")
def cgroup_ancestor(ctx: ExecContext, cgrp: int, level: int, *_: int) -> int:
    """The ancestor at ``level`` (0: the root), or NULL above the cgroup's own level."""
    return host(ctx).cgroup_ancestor(cgrp, _s32(level))


@implements_kfunc("bpf_task_under_cgroup")
def task_under_cgroup(ctx: ExecContext, task: int, ancestor: int, *_: int) -> int:
    """Whether the task (pybpf's only one, the current task) is in ``ancestor``'s subtree: the
    root's, and its own cgroup's."""
    runtime = host(ctx)
    own = runtime.current_task().cgroup_id
    return int(ancestor != 0 and ancestor in (runtime.cgroup_address(1), runtime.cgroup_address(own)))


@implements_kfunc("bpf_task_get_cgroup1")
def task_get_cgroup1(ctx: ExecContext, *_: int) -> int:
    """NULL: pybpf models no cgroup v1 hierarchy."""
    return 0


#: the program types whose skb dynptrs may write the packet (may_access_direct_pkt_data for a
#: write); the kernel gives the others bpf_dynptr_from_skb_rdonly
_SKB_WRITERS = frozenset({"SCHED_CLS", "SCHED_ACT", "LWT_XMIT", "SK_SKB", "SK_MSG"})
SKB_DATA, SKB_DATA_END = 76, 80  #: the packet pointers of struct __sk_buff (32-bit, as pybpf places packets)
BPF_DYNPTR_TYPE_SKB = 3


@implements_kfunc("bpf_dynptr_from_skb")
def dynptr_from_skb(ctx: ExecContext, skb: int, flags: int, ptr: int, _4: int, _5: int) -> int:
    """A dynptr over the packet from ``skb->data`` for ``skb->len`` bytes (pybpf's packets are
    linear). A netfilter program passes its ``ctx->skb`` (the modelled ``struct sk_buff``),
    the others their ``struct __sk_buff`` context."""
    if flags:
        write_dynptr(ctx, ptr, 0, 0, 0, 0, False)
        return -EINVAL
    prog_type = ctx.program.type.name if ctx.program is not None else ""
    if prog_type == "NETFILTER":
        fields = host(ctx).kernel_skb_fields()
        data = struct.unpack("<Q", ctx.read(skb + fields["data"], 8))[0]
        size = struct.unpack("<I", ctx.read(skb + fields["len"], 4))[0]
    else:
        data, end = struct.unpack("<II", ctx.read(skb + SKB_DATA, 8))
        size = end - data
    write_dynptr(ctx, ptr, data, size, 0, BPF_DYNPTR_TYPE_SKB, prog_type not in _SKB_WRITERS)
    return 0


XDP_DATA, BPF_DYNPTR_TYPE_XDP = 0, 4  #: struct xdp_md's data (data_end follows); the dynptr type


@implements_kfunc("bpf_dynptr_from_xdp")
def dynptr_from_xdp(ctx: ExecContext, xdp: int, flags: int, ptr: int, _4: int, _5: int) -> int:
    """A writable dynptr over the packet from ``xdp->data`` to ``xdp->data_end`` (the linear
    part: pybpf's dynptrs do not reach into the fragments of a multi-buffer test run)."""
    if flags:
        write_dynptr(ctx, ptr, 0, 0, 0, 0, False)
        return -EINVAL
    data, end = struct.unpack("<II", ctx.read(xdp + XDP_DATA, 8))
    write_dynptr(ctx, ptr, data, end - data, 0, BPF_DYNPTR_TYPE_XDP, False)
    return 0


@implements_kfunc("bpf_dynptr_is_null")
def dynptr_is_null(ctx: ExecContext, ptr: int, *_: int) -> int:
    return int(read_dynptr(ctx, ptr)[0] == 0)


@implements_kfunc("bpf_dynptr_is_rdonly")
def dynptr_is_rdonly(ctx: ExecContext, ptr: int, *_: int) -> int:
    data, _size, _offset, rdonly = read_dynptr(ctx, ptr)
    return int(bool(data) and rdonly)


@implements_kfunc("bpf_dynptr_size")
def dynptr_size(ctx: ExecContext, ptr: int, *_: int) -> int:
    data, size, _offset, _rdonly = read_dynptr(ctx, ptr)
    return size if data else -EINVAL & 0xFFFF_FFFF


@implements_kfunc("bpf_dynptr_adjust")
def dynptr_adjust(ctx: ExecContext, ptr: int, start: int, end: int, _4: int, _5: int) -> int:
    data, size, offset, rdonly = read_dynptr(ctx, ptr)
    start, end = start & 0xFFFF_FFFF, end & 0xFFFF_FFFF
    if not data or start > end:
        return -EINVAL
    if end > size:
        return -ERANGE
    write_dynptr(ctx, ptr, data, end - start, offset + start, BPF_DYNPTR_TYPE_LOCAL, rdonly)
    return 0


@implements_kfunc("bpf_dynptr_clone")
def dynptr_clone(ctx: ExecContext, ptr: int, clone: int, *_: int) -> int:
    data, size, offset, rdonly = read_dynptr(ctx, ptr)
    if not data:
        write_dynptr(ctx, clone, 0, 0, 0, 0, False)
        return -EINVAL
    write_dynptr(ctx, clone, data, size, offset, BPF_DYNPTR_TYPE_LOCAL, rdonly)
    return 0


def _slice(ctx: ExecContext, ptr: int, offset: int, length: int, writable: bool) -> int:
    data, size, start, rdonly = read_dynptr(ctx, ptr)
    offset, length = offset & 0xFFFF_FFFF, length & 0xFFFF_FFFF
    if not data or (writable and rdonly) or length > size or offset > size - length:
        return 0
    return data + start + offset


@implements_kfunc("bpf_dynptr_slice")
def dynptr_slice(ctx: ExecContext, ptr: int, offset: int, buffer: int, length: int, _5: int) -> int:
    return _slice(ctx, ptr, offset, length, False)


@implements_kfunc("bpf_dynptr_slice_rdwr")
def dynptr_slice_rdwr(ctx: ExecContext, ptr: int, offset: int, buffer: int, length: int, _5: int) -> int:
    return _slice(ctx, ptr, offset, length, True)


def _s32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value & 0x8000_0000 else value


EOPNOTSUPP = 95


@implements_kfunc("bpf_sock_destroy")
def sock_destroy(ctx: ExecContext, sock: int, *_: int) -> int:
    """-EOPNOTSUPP: the only sockets pybpf has are test runs' dummy sockets, whose protocol
    (like the kernel's for test runs) has no ``diag_destroy``."""
    return -EOPNOTSUPP
