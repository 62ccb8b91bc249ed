"""Every kfunc pybpf knows, declared once beside the helpers: the table the loader resolves
extern kfunc declarations against, the verifier checks calls against, and the docs list.

A kfunc is a kernel function a program calls through ``call`` with ``src_reg =
BPF_PSEUDO_KFUNC_CALL``; unlike a helper it has no UAPI number, only a name and a BTF
prototype, so each entry carries its C prototype, the kind of each argument and of the return
value as the kernel's verifier classifies them (``enum kfunc_ptr_arg_type`` and the parameter
name suffixes ``__k``, ``__sz``, ``__nullable``...), the ``KF_*`` flags of its
``BTF_ID_FLAGS`` line, the program types its kfunc set is registered for, and the release it
first appeared in (the release table keys on that field). Like the helper registry this module
imports nothing of pybpf.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import final

__all__ = [
    "GENERIC_PROG_TYPES",
    "KFUNCS",
    "KFUNCS_BY_NAME",
    "KfArg",
    "KfFlag",
    "KfParam",
    "KfRet",
    "KfuncProto",
    "kfunc_proto",
]


class KfFlag(enum.IntFlag):
    """The ``KF_*`` flags of a kfunc (``include/linux/btf.h``; values as in Linux 6.18)."""

    NONE = 0
    ACQUIRE = 1 << 0  #: returns a referenced pointer the program must release
    RELEASE = 1 << 1  #: releases the referenced pointer it is given
    RET_NULL = 1 << 2  #: may return NULL: the program must check before use
    TRUSTED_ARGS = 1 << 4  #: pointer arguments must be trusted (not walked, not NULL)
    SLEEPABLE = 1 << 5  #: may sleep: only sleepable programs may call it
    DESTRUCTIVE = 1 << 6  #: acts on the whole system (crash_kexec): needs CAP_SYS_BOOT
    RCU = 1 << 7  #: takes RCU-protected or trusted pointers
    ITER_NEW = 1 << 8  #: the constructor of an open-coded iterator
    ITER_NEXT = 1 << 9  #: the next method of an open-coded iterator
    ITER_DESTROY = 1 << 10  #: the destructor of an open-coded iterator
    RCU_PROTECTED = 1 << 11  #: must be called inside an RCU read-side section
    FASTCALL = 1 << 12  #: follows the bpf_fastcall convention (no caller-saved clobbers)


class KfArg(enum.Enum):
    """What a kfunc argument must be: the kernel's ``KF_ARG_*`` kinds (``enum
    kfunc_ptr_arg_type``), plus the scalar kinds the verifier derives from parameter names."""

    SCALAR = "scalar"  #: any initialised scalar
    SCALAR_CONST = "const scalar"  #: a ``__k`` parameter: a known constant
    MEM_SIZE = "mem size"  #: a ``__sz`` parameter: the size of the previous memory argument
    IGNORED = "ignored"  #: an ``__ign`` parameter: the verifier does not check it
    PTR_TO_CTX = "ctx"  #: KF_ARG_PTR_TO_CTX: the program's context
    PTR_TO_ALLOC_BTF_ID = "alloc obj"  #: KF_ARG_PTR_TO_ALLOC_BTF_ID: a bpf_obj_new object
    PTR_TO_REFCOUNTED_KPTR = "refcounted kptr"  #: KF_ARG_PTR_TO_REFCOUNTED_KPTR
    PTR_TO_DYNPTR = "dynptr"  #: KF_ARG_PTR_TO_DYNPTR: a ``struct bpf_dynptr`` on the stack
    PTR_TO_ITER = "iter"  #: KF_ARG_PTR_TO_ITER: a ``struct bpf_iter_*`` on the stack
    PTR_TO_LIST_HEAD = "list head"  #: KF_ARG_PTR_TO_LIST_HEAD
    PTR_TO_LIST_NODE = "list node"  #: KF_ARG_PTR_TO_LIST_NODE
    PTR_TO_BTF_ID = "btf id"  #: KF_ARG_PTR_TO_BTF_ID: a pointer to a kernel struct
    PTR_TO_MEM = "mem"  #: KF_ARG_PTR_TO_MEM: memory of the pointee type's size
    PTR_TO_MEM_SIZE = "mem+size"  #: KF_ARG_PTR_TO_MEM_SIZE: memory sized by the next argument
    PTR_TO_CALLBACK = "callback"  #: KF_ARG_PTR_TO_CALLBACK: a static subprogram
    PTR_TO_RB_ROOT = "rb root"  #: KF_ARG_PTR_TO_RB_ROOT
    PTR_TO_RB_NODE = "rb node"  #: KF_ARG_PTR_TO_RB_NODE
    PTR_TO_NULL = "null"  #: KF_ARG_PTR_TO_NULL: a ``__nullable`` pointer passed as NULL
    PTR_TO_CONST_STR = "const str"  #: KF_ARG_PTR_TO_CONST_STR: a ``__str`` read-only string
    PTR_TO_MAP = "map"  #: KF_ARG_PTR_TO_MAP: a ``__map`` map pointer
    PTR_TO_WORKQUEUE = "wq"  #: KF_ARG_PTR_TO_WORKQUEUE: a ``struct bpf_wq`` in a map value
    PTR_TO_TIMER = "timer"  #: KF_ARG_PTR_TO_TIMER (7.0): a ``struct bpf_timer`` in a map value
    PTR_TO_IRQ_FLAG = "irq flag"  #: KF_ARG_PTR_TO_IRQ_FLAG: a ``__irq_flag`` stack slot
    PTR_TO_RES_SPIN_LOCK = "res spin lock"  #: KF_ARG_PTR_TO_RES_SPIN_LOCK


class KfRet(enum.Enum):
    """What a kfunc returns, as the verifier types r0 after the call."""

    VOID = "void"
    SCALAR = "scalar"
    PTR_TO_BTF_ID = "btf id"  #: a pointer to a kernel struct (referenced with KF_ACQUIRE)
    PTR_TO_MEM = "mem"  #: a pointer to memory of a known size (dynptr slices, iterator items)
    PTR_TO_CTX = "kernel ctx"  #: bpf_cast_to_kern_ctx: the kernel's view of the context


@final
@dataclass(frozen=True)
class KfParam:
    """One kfunc parameter: its kind, its C type, and whether NULL is allowed
    (``__nullable``/``__opt`` in the kernel's parameter name)."""

    kind: KfArg
    c_type: str
    nullable: bool = False


#: The program types the kernel registers ``generic_kfunc_set`` for (kernel/bpf/helpers.c).
GENERIC_PROG_TYPES = frozenset({"TRACING", "SCHED_CLS", "XDP", "STRUCT_OPS", "SYSCALL", "CGROUP_SKB"})
#: program types whose kfunc sets are the tracing hook's
_KFUNC_HOOK = {"LSM": "TRACING", "TRACEPOINT": "TRACING", "PERF_EVENT": "TRACING"}
#: ``bpf_dynptr_from_skb`` and the other skb kfuncs (net/core/filter.c).
_SKB_PROG_TYPES = frozenset(
    {"SCHED_CLS", "SCHED_ACT", "SOCKET_FILTER", "CGROUP_SKB", "LWT_IN", "LWT_OUT", "LWT_XMIT",
     "LWT_SEG6LOCAL", "SK_SKB", "NETFILTER", "TRACING"}
)


@final
@dataclass(frozen=True)
class KfuncProto:
    """One kfunc's declaration.

    ``prog_types`` names the program types (``ProgType`` member names) that may call it, or is
    None when the kernel offers it to every type (``common_kfunc_set``, registered for
    ``BPF_PROG_TYPE_UNSPEC``). ``release`` is the first kernel release that has it.
    """

    id: int  #: pybpf's number for it (stands in for the vmlinux BTF id in ``call`` instructions)
    name: str
    c_decl: str
    ret: KfRet
    args: tuple[KfParam, ...]
    flags: KfFlag
    prog_types: frozenset[str] | None
    release: str
    doc: str

    def offered_to(self, prog_type: str) -> bool:
        """Whether a program of type ``prog_type`` (a ``ProgType`` name) may call it. Types
        that share a kfunc hook share what is registered for any of them (Linux 6.18's
        ``bpf_prog_type_to_kfunc_hook``: tracepoint and perf_event programs get the tracing
        set, as LSM programs do)."""
        if self.prog_types is None:
            return True
        hook = _KFUNC_HOOK.get(prog_type, prog_type)
        return any(_KFUNC_HOOK.get(t, t) == hook for t in self.prog_types)

    @property
    def ret_null(self) -> bool:
        """Whether the program must check the result for NULL (KF_RET_NULL)."""
        return bool(self.flags & KfFlag.RET_NULL)


_PARAM = re.compile(r"^(?P<type>.*?[\s*])(?P<name>\w+)$")
_SUFFIX_KINDS = {"__k": KfArg.SCALAR_CONST, "__sz": KfArg.MEM_SIZE, "__szk": KfArg.MEM_SIZE}


def _split_params(inner: str) -> list[str]:
    """The parameters of a C parameter list, split at commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(inner[start:i].strip())
            start = i + 1
    parts.append(inner[start:].strip())
    return parts


def _params(c_decl: str, kinds: str) -> tuple[KfParam, ...]:
    """Parameters from the C prototype; ``kinds`` names a KfArg per pointer parameter in order
    (space separated), scalars take their kind from their name's suffix."""
    inner = c_decl[c_decl.index("(") + 1 : c_decl.rindex(")")].strip()
    pointer_kinds = iter(kinds.split())
    out = []
    for text in [] if inner in ("", "void") else _split_params(inner):
        if "(" in text:  # a function pointer: a callback
            out.append(KfParam(KfArg[next(pointer_kinds)], text))
            continue
        match = _PARAM.match(text)
        assert match, text
        c_type, name = match.group("type").strip(), match.group("name")
        nullable = name.endswith(("__nullable", "__opt"))
        if name.endswith("__ign"):
            kind = KfArg.IGNORED
        elif "*" in c_type:
            kind = KfArg[next(pointer_kinds)]
        else:
            kind = next((k for s, k in _SUFFIX_KINDS.items() if name.endswith(s)), KfArg.SCALAR)
        out.append(KfParam(kind, c_type, nullable))
    assert next(pointer_kinds, None) is None, c_decl
    return tuple(out)


_ALL: list[KfuncProto] = []


def _k(
    c_decl: str, ret: KfRet, kinds: str, flags: KfFlag, types: frozenset[str] | None, release: str, doc: str
) -> None:
    match = re.search(r"(\w+)\(", c_decl)
    assert match, c_decl
    _ALL.append(KfuncProto(len(_ALL) + 1, match.group(1), c_decl, ret, _params(c_decl, kinds), flags, types,
                           release, doc))


_F, _R = KfFlag, KfRet
_GEN = GENERIC_PROG_TYPES
_ACQ_RCU_NULL = _F.ACQUIRE | _F.RCU | _F.RET_NULL

# -- common_kfunc_set: every program type ---------------------------------------------------
_k("void *bpf_cast_to_kern_ctx(void *obj)", _R.PTR_TO_CTX, "PTR_TO_CTX", _F.FASTCALL, None, "6.2",
   "The kernel's own context behind the program's (sk_buff for __sk_buff...).")
_k("void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k)", _R.PTR_TO_BTF_ID, "", _F.FASTCALL,
   None, "6.2", "Reinterpret a pointer as a read-only pointer to a BTF type.")
_k("void bpf_rcu_read_lock(void)", _R.VOID, "", _F.NONE, None, "6.2", "Enter an RCU read-side section.")
_k("void bpf_rcu_read_unlock(void)", _R.VOID, "", _F.NONE, None, "6.2", "Leave an RCU read-side section.")
_k("void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt, __u32 buffer__szk)",
   _R.PTR_TO_MEM, "PTR_TO_DYNPTR PTR_TO_MEM_SIZE", _F.RET_NULL, None, "6.3",
   "A read-only pointer to len bytes of a dynptr (or a copy in buffer), NULL if out of range.")
_k("void *bpf_dynptr_slice_rdwr(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt, __u32 buffer__szk)",
   _R.PTR_TO_MEM, "PTR_TO_DYNPTR PTR_TO_MEM_SIZE", _F.RET_NULL, None, "6.3",
   "A writable pointer to len bytes of a dynptr, NULL if out of range or read-only.")
_k("int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end)", _R.SCALAR, "PTR_TO_ITER",
   _F.ITER_NEW, None, "6.4", "Start a number iterator over [start, end) (bpf_for and bpf_repeat use it).")
_k("int *bpf_iter_num_next(struct bpf_iter_num *it)", _R.PTR_TO_MEM, "PTR_TO_ITER",
   _F.ITER_NEXT | _F.RET_NULL, None, "6.4", "The next number of the iterator, NULL when done.")
_k("void bpf_iter_num_destroy(struct bpf_iter_num *it)", _R.VOID, "PTR_TO_ITER", _F.ITER_DESTROY, None, "6.4",
   "End a number iterator.")
_k("int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task, __u64 addr)", _R.SCALAR,
   "PTR_TO_ITER PTR_TO_BTF_ID", _F.ITER_NEW | _F.RCU, None, "6.7", "Start iterating a task's memory areas.")
_k("struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it)", _R.PTR_TO_BTF_ID,
   "PTR_TO_ITER", _F.ITER_NEXT | _F.RET_NULL, None, "6.7", "The next memory area, NULL when done.")
_k("void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it)", _R.VOID, "PTR_TO_ITER", _F.ITER_DESTROY,
   None, "6.7", "End a memory area iterator.")
_k("int bpf_iter_css_task_new(struct bpf_iter_css_task *it, struct cgroup_subsys_state *css, unsigned int flags)",
   _R.SCALAR, "PTR_TO_ITER PTR_TO_BTF_ID", _F.ITER_NEW | _F.TRUSTED_ARGS, None, "6.7",
   "Start iterating the tasks of a cgroup.")
_k("struct task_struct *bpf_iter_css_task_next(struct bpf_iter_css_task *it)", _R.PTR_TO_BTF_ID, "PTR_TO_ITER",
   _F.ITER_NEXT | _F.RET_NULL, None, "6.7", "The next task of the cgroup, NULL when done.")
_k("void bpf_iter_css_task_destroy(struct bpf_iter_css_task *it)", _R.VOID, "PTR_TO_ITER", _F.ITER_DESTROY,
   None, "6.7", "End a cgroup task iterator.")
_k("int bpf_iter_css_new(struct bpf_iter_css *it, struct cgroup_subsys_state *start, unsigned int flags)",
   _R.SCALAR, "PTR_TO_ITER PTR_TO_BTF_ID", _F.ITER_NEW | _F.TRUSTED_ARGS | _F.RCU_PROTECTED, None, "6.7",
   "Start walking a cgroup hierarchy.")
_k("struct cgroup_subsys_state *bpf_iter_css_next(struct bpf_iter_css *it)", _R.PTR_TO_BTF_ID, "PTR_TO_ITER",
   _F.ITER_NEXT | _F.RET_NULL, None, "6.7", "The next cgroup of the walk, NULL when done.")
_k("void bpf_iter_css_destroy(struct bpf_iter_css *it)", _R.VOID, "PTR_TO_ITER", _F.ITER_DESTROY, None, "6.7",
   "End a cgroup walk.")
_k("int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task__nullable, unsigned int flags)",
   _R.SCALAR, "PTR_TO_ITER PTR_TO_BTF_ID", _F.ITER_NEW | _F.TRUSTED_ARGS | _F.RCU_PROTECTED, None, "6.7",
   "Start iterating tasks (all, or the threads of one).")
_k("struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it)", _R.PTR_TO_BTF_ID, "PTR_TO_ITER",
   _F.ITER_NEXT | _F.RET_NULL, None, "6.7", "The next task, NULL when done.")
_k("void bpf_iter_task_destroy(struct bpf_iter_task *it)", _R.VOID, "PTR_TO_ITER", _F.ITER_DESTROY, None, "6.7",
   "End a task iterator.")
_k("int bpf_dynptr_adjust(const struct bpf_dynptr *p, __u32 start, __u32 end)", _R.SCALAR, "PTR_TO_DYNPTR",
   _F.NONE, None, "6.4", "Narrow a dynptr to [start, end) of its current view.")
_k("bool bpf_dynptr_is_null(const struct bpf_dynptr *p)", _R.SCALAR, "PTR_TO_DYNPTR", _F.NONE, None, "6.4",
   "Whether the dynptr is invalid (NULL).")
_k("bool bpf_dynptr_is_rdonly(const struct bpf_dynptr *p)", _R.SCALAR, "PTR_TO_DYNPTR", _F.NONE, None, "6.4",
   "Whether the dynptr is read-only.")
_k("__u32 bpf_dynptr_size(const struct bpf_dynptr *p)", _R.SCALAR, "PTR_TO_DYNPTR", _F.NONE, None, "6.4",
   "The number of bytes the dynptr views.")
_k("int bpf_dynptr_clone(const struct bpf_dynptr *p, struct bpf_dynptr *clone__uninit)", _R.SCALAR,
   "PTR_TO_DYNPTR PTR_TO_DYNPTR", _F.NONE, None, "6.4", "Copy a dynptr into an uninitialised one.")
_k("int bpf_dynptr_copy(struct bpf_dynptr *dst_ptr, __u32 dst_off, struct bpf_dynptr *src_ptr, __u32 src_off, "
   "__u32 size)", _R.SCALAR, "PTR_TO_DYNPTR PTR_TO_DYNPTR", _F.NONE, None, "6.15",
   "Copy bytes from one dynptr to another.")
_k("int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags)", _R.SCALAR, "PTR_TO_WORKQUEUE PTR_TO_MAP",
   _F.NONE, None, "6.10", "Initialise a workqueue item in a map value.")
_k("int bpf_wq_set_callback_impl(struct bpf_wq *wq, int (callback_fn)(void *map, int *key, void *value), "
   "unsigned int flags, void *aux__ign)", _R.SCALAR, "PTR_TO_WORKQUEUE PTR_TO_CALLBACK", _F.NONE,
   None, "6.10", "Set the function a workqueue item runs.")
_k("int bpf_wq_start(struct bpf_wq *wq, unsigned int flags)", _R.SCALAR, "PTR_TO_WORKQUEUE", _F.NONE, None,
   "6.10", "Queue a workqueue item.")
_k("int bpf_wq_set_callback(struct bpf_wq *wq, int (callback_fn)(void *map, int *key, void *value), "
   "unsigned int flags)", _R.SCALAR, "PTR_TO_WORKQUEUE PTR_TO_CALLBACK", _F.NONE, None, "7.0",
   "Set the function a workqueue item runs (7.0's name; the verifier supplies the program).")
_k("int bpf_timer_cancel_async(struct bpf_timer *timer)", _R.SCALAR, "PTR_TO_TIMER", _F.NONE, None, "7.0",
   "Cancel a timer without waiting and without detaching its callback.")
_k("void bpf_preempt_disable(void)", _R.VOID, "", _F.NONE, None, "6.10", "Disable preemption.")
_k("void bpf_preempt_enable(void)", _R.VOID, "", _F.NONE, None, "6.10", "Enable preemption again.")
_k("int bpf_iter_bits_new(struct bpf_iter_bits *it, const __u64 *unsafe_ptr__ign, __u32 nr_words)", _R.SCALAR,
   "PTR_TO_ITER", _F.ITER_NEW, None, "6.11", "Start iterating the set bits of a bitmap.")
_k("int *bpf_iter_bits_next(struct bpf_iter_bits *it)", _R.PTR_TO_MEM, "PTR_TO_ITER", _F.ITER_NEXT | _F.RET_NULL,
   None, "6.11", "The index of the next set bit, NULL when done.")
_k("void bpf_iter_bits_destroy(struct bpf_iter_bits *it)", _R.VOID, "PTR_TO_ITER", _F.ITER_DESTROY, None, "6.11",
   "End a bit iterator.")
_k("int bpf_copy_from_user_str(void *dst, __u32 dst__sz, const void *unsafe_ptr__ign, __u64 flags)", _R.SCALAR,
   "PTR_TO_MEM_SIZE", _F.SLEEPABLE, None, "6.12", "Copy a NUL-terminated string from user memory.")
_k("void bpf_local_irq_save(unsigned long *flags__irq_flag)", _R.VOID, "PTR_TO_IRQ_FLAG", _F.NONE, None, "6.14",
   "Disable local interrupts, saving their state.")
_k("void bpf_local_irq_restore(unsigned long *flags__irq_flag)", _R.VOID, "PTR_TO_IRQ_FLAG", _F.NONE, None,
   "6.14", "Restore the local interrupt state saved by bpf_local_irq_save.")
_k("void __bpf_trap(void)", _R.VOID, "", _F.NONE, None, "6.16", "A trap the verifier refuses at any call site.")

# -- generic_kfunc_set: TRACING, SCHED_CLS, XDP, STRUCT_OPS, SYSCALL, CGROUP_SKB --------------
_k("void *bpf_obj_new_impl(__u64 local_type_id__k, void *meta__ign)", _R.PTR_TO_BTF_ID, "",
   _F.ACQUIRE | _F.RET_NULL, _GEN, "6.4", "Allocate a program-defined object (bpf_obj_new; pybpf zeroes it, NULL past 64 MiB live).")
_k("void bpf_obj_drop_impl(void *p__alloc, void *meta__ign)", _R.VOID, "PTR_TO_ALLOC_BTF_ID",
   _F.RELEASE, _GEN, "6.4", "Free an object from bpf_obj_new (bpf_obj_drop).")
_k("void *bpf_refcount_acquire_impl(void *p__refcounted_kptr, void *meta__ign)", _R.PTR_TO_BTF_ID,
   "PTR_TO_REFCOUNTED_KPTR", _F.ACQUIRE | _F.RET_NULL | _F.RCU, _GEN, "6.4",
   "Take another reference on a refcounted object.")
_k("int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node, void *meta__ign, "
   "__u64 off)", _R.SCALAR, "PTR_TO_LIST_HEAD PTR_TO_LIST_NODE", _F.NONE, _GEN, "6.4",
   "Add an object at the front of a list.")
_k("int bpf_list_push_back_impl(struct bpf_list_head *head, struct bpf_list_node *node, void *meta__ign, "
   "__u64 off)", _R.SCALAR, "PTR_TO_LIST_HEAD PTR_TO_LIST_NODE", _F.NONE, _GEN, "6.4",
   "Add an object at the back of a list.")
_k("struct bpf_list_node *bpf_list_pop_front(struct bpf_list_head *head)", _R.PTR_TO_BTF_ID, "PTR_TO_LIST_HEAD",
   _F.ACQUIRE | _F.RET_NULL, _GEN, "6.2", "Remove and return the first node of a list.")
_k("struct bpf_list_node *bpf_list_pop_back(struct bpf_list_head *head)", _R.PTR_TO_BTF_ID, "PTR_TO_LIST_HEAD",
   _F.ACQUIRE | _F.RET_NULL, _GEN, "6.2", "Remove and return the last node of a list.")
_k("struct bpf_list_node *bpf_list_front(struct bpf_list_head *head)", _R.PTR_TO_BTF_ID, "PTR_TO_LIST_HEAD",
   _F.RET_NULL, _GEN, "6.16", "The first node of a list, left in it (a non-owning reference).")
_k("struct bpf_list_node *bpf_list_back(struct bpf_list_head *head)", _R.PTR_TO_BTF_ID, "PTR_TO_LIST_HEAD",
   _F.RET_NULL, _GEN, "6.16", "The last node of a list, left in it (a non-owning reference).")
_k("struct task_struct *bpf_task_acquire(struct task_struct *p)", _R.PTR_TO_BTF_ID, "PTR_TO_BTF_ID",
   _ACQ_RCU_NULL, _GEN, "6.2", "Take a reference on a task.")
_k("void bpf_task_release(struct task_struct *p)", _R.VOID, "PTR_TO_BTF_ID", _F.RELEASE, _GEN, "6.2",
   "Drop a reference on a task.")
_k("struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root, struct bpf_rb_node *node)",
   _R.PTR_TO_BTF_ID, "PTR_TO_RB_ROOT PTR_TO_RB_NODE", _F.ACQUIRE | _F.RET_NULL, _GEN, "6.3",
   "Remove a node from a red-black tree.")
_k("int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node, "
   "bool (less)(struct bpf_rb_node *a, const struct bpf_rb_node *b), void *meta__ign, __u64 off)", _R.SCALAR,
   "PTR_TO_RB_ROOT PTR_TO_RB_NODE PTR_TO_CALLBACK", _F.NONE, _GEN, "6.4",
   "Add a node to a red-black tree ordered by less.")
_k("struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root)", _R.PTR_TO_BTF_ID, "PTR_TO_RB_ROOT",
   _F.RET_NULL, _GEN, "6.3", "The leftmost node of a red-black tree.")
_k("struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp)", _R.PTR_TO_BTF_ID, "PTR_TO_BTF_ID", _ACQ_RCU_NULL,
   _GEN, "6.2", "Take a reference on a cgroup.")
_k("void bpf_cgroup_release(struct cgroup *cgrp)", _R.VOID, "PTR_TO_BTF_ID", _F.RELEASE, _GEN, "6.2",
   "Drop a reference on a cgroup.")
_k("struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level)", _R.PTR_TO_BTF_ID, "PTR_TO_BTF_ID",
   _ACQ_RCU_NULL, _GEN, "6.2", "A referenced ancestor of a cgroup at a level (pybpf: the root at 0, NULL above the cgroup).")
_k("struct cgroup *bpf_cgroup_from_id(__u64 cgid)", _R.PTR_TO_BTF_ID, "", _F.ACQUIRE | _F.RET_NULL, _GEN, "6.3",
   "A referenced cgroup by id, NULL if none (pybpf has the root, id 1, and the current task's).")
_k("long bpf_task_under_cgroup(struct task_struct *task, struct cgroup *ancestor)", _R.SCALAR,
   "PTR_TO_BTF_ID PTR_TO_BTF_ID", _F.RCU, _GEN, "6.5", "Whether a task is in a cgroup's subtree.")
_k("struct cgroup *bpf_task_get_cgroup1(struct task_struct *task, int hierarchy_id)", _R.PTR_TO_BTF_ID,
   "PTR_TO_BTF_ID", _ACQ_RCU_NULL, _GEN, "6.10", "A task's cgroup in a cgroup-v1 hierarchy (NULL: pybpf has no v1 hierarchy).")
_k("struct task_struct *bpf_task_from_pid(__s32 pid)", _R.PTR_TO_BTF_ID, "", _F.ACQUIRE | _F.RET_NULL, _GEN,
   "6.2", "A referenced task by pid, NULL if none (pybpf has the current task only).")
_k("struct task_struct *bpf_task_from_vpid(__s32 vpid)", _R.PTR_TO_BTF_ID, "", _F.ACQUIRE | _F.RET_NULL, _GEN,
   "6.13", "A referenced task by pid in the caller's namespace, NULL if none.")
_k("void bpf_throw(__u64 cookie)", _R.VOID, "", _F.NONE, _GEN, "6.7",
   "Unwind the program, returning cookie (or the exception callback's value).")
_k("int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type, __u64 value)", _R.SCALAR,
   "PTR_TO_BTF_ID", _F.TRUSTED_ARGS, _GEN, "6.13", "Send a signal to a task.")

# -- networking kfuncs (net/core/filter.c) ------------------------------------------------
_k("int bpf_dynptr_from_skb(struct __sk_buff *s, __u64 flags, struct bpf_dynptr *ptr__uninit)", _R.SCALAR,
   "PTR_TO_CTX PTR_TO_DYNPTR", _F.NONE, _SKB_PROG_TYPES, "6.3", "A dynptr over the packet of an skb program.")
_k("int bpf_dynptr_from_xdp(struct xdp_md *x, __u64 flags, struct bpf_dynptr *ptr__uninit)", _R.SCALAR,
   "PTR_TO_CTX PTR_TO_DYNPTR", _F.NONE, frozenset({"XDP"}), "6.3", "A dynptr over the packet of an XDP program.")

#: every kfunc, in registry order (ids count from 1)
# socket iterators (bpf_sk_iter_kfunc_set: TRACING programs, iter/tcp and iter/udp only)
_k("int bpf_sock_destroy(struct sock_common *sock)", _R.SCALAR, "PTR_TO_BTF_ID", _F.TRUSTED_ARGS,
   frozenset({"TRACING"}), "6.5", "Abort a TCP or UDP socket a socket iterator visits (iterator programs only).")

# -- bpf_tcp_ca_kfunc_set: STRUCT_OPS (net/ipv4/bpf_tcp_ca.c), the kernel's own congestion steps
_TCP_CA = frozenset({"STRUCT_OPS"})
_k("__u32 tcp_reno_ssthresh(struct sock *sk)", _R.SCALAR, "PTR_TO_BTF_ID", _F.NONE, _TCP_CA, "5.15",
   "Reno's slow-start threshold: half the congestion window, at least 2.")
_k("void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked)", _R.VOID, "PTR_TO_BTF_ID", _F.NONE, _TCP_CA,
   "5.15", "Reno's window growth on an ACK (slow start, then additive increase).")
_k("__u32 tcp_reno_undo_cwnd(struct sock *sk)", _R.SCALAR, "PTR_TO_BTF_ID", _F.NONE, _TCP_CA, "5.15",
   "The window to restore on undo: the larger of the current and the prior one.")
_k("__u32 tcp_slow_start(struct tcp_sock *tp, __u32 acked)", _R.SCALAR, "PTR_TO_BTF_ID", _F.NONE, _TCP_CA, "5.15",
   "Grow the window by the ACKed packets up to ssthresh; returns the packets left over.")
_k("void tcp_cong_avoid_ai(struct tcp_sock *tp, __u32 w, __u32 acked)", _R.VOID, "PTR_TO_BTF_ID", _F.NONE, _TCP_CA,
   "5.15", "Additive increase: one packet more per w packets ACKed.")
# -- tcp_cubic_kfunc_set: CUBIC, the default congestion control, built in (net/ipv4/tcp_cubic.c)
_k("void cubictcp_init(struct sock *sk)", _R.VOID, "PTR_TO_BTF_ID", _F.NONE, _TCP_CA, "5.15",
   "CUBIC's per-socket set-up.")
_k("__u32 cubictcp_recalc_ssthresh(struct sock *sk)", _R.SCALAR, "PTR_TO_BTF_ID", _F.NONE, _TCP_CA, "5.15",
   "CUBIC's slow-start threshold after a loss.")
_k("void cubictcp_cong_avoid(struct sock *sk, __u32 ack, __u32 acked)", _R.VOID, "PTR_TO_BTF_ID", _F.NONE, _TCP_CA,
   "5.15", "CUBIC's window growth on an ACK.")
_k("void cubictcp_state(struct sock *sk, __u8 new_state)", _R.VOID, "PTR_TO_BTF_ID", _F.NONE, _TCP_CA, "5.15",
   "CUBIC's reaction to a congestion-state change.")
_k("void cubictcp_cwnd_event(struct sock *sk, int event)", _R.VOID, "PTR_TO_BTF_ID", _F.NONE, _TCP_CA, "5.15",
   "CUBIC's reaction to a window event (such as a restart after idle).")
_k("void cubictcp_acked(struct sock *sk, const struct ack_sample *sample)", _R.VOID, "PTR_TO_BTF_ID PTR_TO_BTF_ID",
   _F.NONE, _TCP_CA, "5.15", "CUBIC's bookkeeping of an ACK sample (delay, HyStart).")

KFUNCS: tuple[KfuncProto, ...] = tuple(_ALL)
KFUNCS_BY_NAME: dict[str, KfuncProto] = {k.name: k for k in KFUNCS}


def kfunc_proto(name: str) -> KfuncProto | None:
    """The declaration of the kfunc ``name``, or None when pybpf does not know it."""
    return KFUNCS_BY_NAME.get(name)
