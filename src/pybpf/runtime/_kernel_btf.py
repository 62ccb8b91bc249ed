"""The kernel objects pybpf models, described in BTF: the default target of CO-RE relocations.

A CO-RE program asks where a field of a kernel type lives; the answer must describe the memory
pybpf actually gives it. pybpf's task object, the ``struct pt_regs`` of kprobes and the raw
syscall tracepoint records are laid out here once, and both the relocations and the memory
behind ``bpf_get_current_task()`` follow this layout, whatever the host runs. Field names and
types are those of Linux 6.18; the set of fields is the subset programs commonly read, laid
out with C's rules (so offsets are pybpf's own, as a different kernel build's would be).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..btf import (
    Array,
    BtfError,
    Func,
    FuncProto,
    Int,
    IntEncoding,
    Linkage,
    Member,
    Param,
    Ptr,
    Spec,
    StringTable,
    Struct,
    Type,
    Typedef,
    Void,
)

__all__ = [
    "TASK_COMM_LEN", "TaskLayout", "cgroup_image", "map_struct_image", "modelled_btf", "struct_offsets", "task_layout",
]

TASK_COMM_LEN = 16

# (name, C type) per member; C types name one of _SCALARS, a typedef, "struct X", "T *" or "T[n]".
_STRUCTS: dict[str, Sequence[tuple[str, str]]] = {
    "kuid_t": [("val", "uid_t")],
    "kgid_t": [("val", "gid_t")],
    "cred": [
        ("usage", "int"), ("uid", "kuid_t"), ("gid", "kgid_t"), ("suid", "kuid_t"), ("sgid", "kgid_t"),
        ("euid", "kuid_t"), ("egid", "kgid_t"), ("fsuid", "kuid_t"), ("fsgid", "kgid_t"),
    ],
    # The fields tools commonly read, in 6.18's order; pointers to objects pybpf does not
    # model are void * (CO-RE accepts any pointer for a pointer field, and what lies behind
    # them resolves against the object's own BTF).
    "thread_info": [("flags", "unsigned long"), ("syscall_work", "unsigned long"), ("status", "u32"),
                    ("cpu", "u32")],
    "load_weight": [("weight", "unsigned long"), ("inv_weight", "u32")],
    "sched_entity": [
        ("load", "struct load_weight"), ("run_node", "struct rb_node"), ("deadline", "u64"),
        ("min_vruntime", "u64"), ("on_rq", "unsigned char"), ("sched_delayed", "unsigned char"),
        ("exec_start", "u64"), ("sum_exec_runtime", "u64"), ("prev_sum_exec_runtime", "u64"),
        ("vruntime", "u64"), ("slice", "u64"), ("nr_migrations", "u64"), ("depth", "int"),
        ("parent", "struct sched_entity *"), ("cfs_rq", "void *"), ("my_q", "void *"),
        ("runnable_weight", "unsigned long"),
    ],
    "task_struct": [
        ("thread_info", "struct thread_info"), ("__state", "unsigned int"), ("stack", "void *"),
        ("flags", "unsigned int"), ("on_cpu", "int"), ("wake_cpu", "int"), ("on_rq", "int"), ("prio", "int"),
        ("static_prio", "int"), ("normal_prio", "int"), ("rt_priority", "unsigned int"),
        ("se", "struct sched_entity"), ("policy", "unsigned int"), ("nr_cpus_allowed", "int"),
        ("mm", "void *"), ("active_mm", "void *"), ("exit_state", "int"), ("exit_code", "int"),
        ("exit_signal", "int"), ("pdeath_signal", "int"), ("personality", "unsigned int"),
        ("pid", "pid_t"), ("tgid", "pid_t"), ("real_parent", "struct task_struct *"),
        ("parent", "struct task_struct *"), ("group_leader", "struct task_struct *"), ("thread_pid", "void *"),
        ("utime", "u64"), ("stime", "u64"), ("nvcsw", "unsigned long"), ("nivcsw", "unsigned long"),
        ("start_time", "u64"), ("start_boottime", "u64"), ("min_flt", "unsigned long"),
        ("maj_flt", "unsigned long"), ("real_cred", "struct cred *"), ("cred", "struct cred *"),
        ("comm", "char[16]"), ("fs", "void *"), ("files", "void *"), ("nsproxy", "void *"),
        ("signal", "void *"), ("loginuid", "kuid_t"), ("sessionid", "unsigned int"), ("cgroups", "void *"),
    ],
    "pt_regs": [
        (name, "unsigned long")
        for name in (["r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss"])
    ],
    "trace_entry": [("type", "unsigned short"), ("flags", "unsigned char"), ("preempt_count", "unsigned char"),
                    ("pid", "int")],
    "trace_event_raw_sys_enter": [("ent", "struct trace_entry"), ("id", "long"), ("args", "unsigned long[6]")],
    "trace_event_raw_sys_exit": [("ent", "struct trace_entry"), ("id", "long"), ("ret", "long")],
    "bpf_fentry_test_t": [("a", "struct bpf_fentry_test_t *")],
    # the hrtimer inside each bpf_timer, what the hrtimer tracepoints point to
    "rb_node": [("__rb_parent_color", "unsigned long"), ("rb_right", "struct rb_node *"), ("rb_left", "struct rb_node *")],
    "timerqueue_node": [("node", "struct rb_node"), ("expires", "ktime_t")],
    "hrtimer_clock_base": [("cpu_base", "void *"), ("index", "unsigned int"), ("clockid", "clockid_t"),
                           ("running", "struct hrtimer *")],
    "hrtimer": [("node", "struct timerqueue_node"), ("_softexpires", "ktime_t"), ("function", "void *"),
                ("base", "struct hrtimer_clock_base *"), ("state", "u8"), ("is_rel", "u8"), ("is_soft", "u8"),
                ("is_hard", "u8")],
    # the cgroups pybpf models (the root and the current task's): a kernfs node holds the id,
    # and ancestors[level] is the cgroup itself (two levels: the root and one below it)
    "kernfs_node": [("parent", "struct kernfs_node *"), ("id", "u64")],
    "cgroup": [("kn", "struct kernfs_node *"), ("level", "int"), ("ancestors", "struct cgroup *[2]")],
    # what a netfilter program's context points to (struct bpf_nf_ctx): the hook state and skb
    "net_device": [("name", "char[16]"), ("ifindex", "int")],
    "nf_hook_state": [("hook", "u8"), ("pf", "u8"), ("in", "struct net_device *"), ("out", "struct net_device *"),
                      ("sk", "void *"), ("net", "void *"), ("okfn", "void *")],
    "sk_buff": [("next", "struct sk_buff *"), ("prev", "struct sk_buff *"), ("dev", "struct net_device *"),
                ("len", "unsigned int"), ("data_len", "unsigned int"), ("mac_len", "unsigned short"),
                ("protocol", "unsigned short"), ("transport_header", "unsigned short"),
                ("network_header", "unsigned short"), ("mac_header", "unsigned short"), ("mark", "u32"),
                ("priority", "u32"), ("head", "unsigned char *"), ("data", "unsigned char *")],
    "bpf_nf_ctx": [("state", "struct nf_hook_state *"), ("skb", "struct sk_buff *")],
    # the records of the classic timer/hrtimer_* tracepoints (the 6.18 layout, with was_armed)
    "trace_event_raw_hrtimer_start": [("ent", "struct trace_entry"), ("hrtimer", "void *"), ("function", "void *"),
                                      ("expires", "s64"), ("softexpires", "s64"), ("mode", "int"),
                                      ("was_armed", "_Bool")],
    "trace_event_raw_hrtimer_expire_entry": [("ent", "struct trace_entry"), ("hrtimer", "void *"), ("now", "s64"),
                                             ("function", "void *")],
    "trace_event_raw_hrtimer_class": [("ent", "struct trace_entry"), ("hrtimer", "void *")],
    # the kernel's structures of maps, which programs may read through a map pointer (6.18's
    # fields in 6.18's order, up to the name; what lies behind the pointers is not modelled)
    # an iterator program's context: the seq_file it prints to, and where the walk is
    "seq_file": [("buf", "char *"), ("size", "unsigned long"), ("from", "unsigned long"),
                 ("count", "unsigned long"), ("pad_until", "unsigned long"), ("index", "long long"),
                 ("read_pos", "long long")],
    "bpf_iter_meta": [("seq", "struct seq_file *"), ("session_id", "u64"), ("seq_num", "u64")],
    "bpf_map": [
        ("sha", "u8[32]"), ("excl", "u32"), ("ops", "void *"), ("inner_map_meta", "struct bpf_map *"),
        ("security", "void *"), ("map_type", "u32"), ("key_size", "u32"), ("value_size", "u32"),
        ("max_entries", "u32"), ("map_extra", "u64"), ("map_flags", "u32"), ("id", "u32"), ("record", "void *"),
        ("numa_node", "int"), ("btf_key_type_id", "u32"), ("btf_value_type_id", "u32"),
        ("btf_vmlinux_value_type_id", "u32"), ("btf", "void *"), ("objcg", "void *"), ("name", "char[16]"),
    ],
    "bpf_array": [("map", "struct bpf_map"), ("elem_size", "u32"), ("index_mask", "u32")],
    "bpf_htab": [("map", "struct bpf_map"), ("buckets", "void *"), ("elems", "void *"), ("count", "u32"),
                 ("n_buckets", "u32"), ("elem_size", "u32")],
    "bpf_ringbuf_map": [("map", "struct bpf_map"), ("rb", "void *")],
}
# The functions pybpf's hooks stand for, with their parameters (the kernel's test functions that
# BPF_PROG_TEST_RUN of a tracing program calls).
_FUNCTIONS: dict[str, tuple[str, Sequence[tuple[str, str]]]] = {
    "bpf_fentry_test1": ("int", [("a", "int")]),
    "bpf_fentry_test2": ("int", [("a", "int"), ("b", "u64")]),
    "bpf_fentry_test3": ("int", [("a", "char"), ("b", "int"), ("c", "u64")]),
    "bpf_fentry_test4": ("int", [("a", "void *"), ("b", "char"), ("c", "int"), ("d", "u64")]),
    "bpf_fentry_test5": ("int", [("a", "u64"), ("b", "void *"), ("c", "short"), ("d", "int"), ("e", "u64")]),
    "bpf_fentry_test6": ("int", [("a", "u64"), ("b", "void *"), ("c", "short"), ("d", "int"), ("e", "void *"),
                                 ("f", "u64")]),
    "bpf_fentry_test7": ("int", [("arg", "struct bpf_fentry_test_t *")]),
    "bpf_fentry_test8": ("int", [("arg", "struct bpf_fentry_test_t *")]),
    # the iterator targets whose objects are modelled (``SEC("iter/<target>")``)
    "bpf_iter_task": ("int", [("meta", "struct bpf_iter_meta *"), ("task", "struct task_struct *")]),
    "bpf_iter_bpf_map": ("int", [("meta", "struct bpf_iter_meta *"), ("map", "struct bpf_map *")]),
    "bpf_iter_cgroup": ("int", [("meta", "struct bpf_iter_meta *"), ("cgroup", "struct cgroup *")]),
    # the hrtimer tracepoints pybpf's timers fire (their TP_PROTO), for tp_btf arguments
    "hrtimer_start": ("void", [("hrtimer", "struct hrtimer *"), ("mode", "int"), ("was_armed", "_Bool")]),
    "hrtimer_cancel": ("void", [("hrtimer", "struct hrtimer *")]),
    "hrtimer_expire_entry": ("void", [("hrtimer", "struct hrtimer *"), ("now", "ktime_t *")]),
    "hrtimer_expire_exit": ("void", [("hrtimer", "struct hrtimer *")]),
}
_SCALARS: dict[str, tuple[int, IntEncoding]] = {
    "char": (1, IntEncoding.SIGNED),
    "unsigned char": (1, IntEncoding(0)),
    "short": (2, IntEncoding.SIGNED),
    "unsigned short": (2, IntEncoding(0)),
    "int": (4, IntEncoding.SIGNED),
    "unsigned int": (4, IntEncoding(0)),
    "long": (8, IntEncoding.SIGNED),
    "unsigned long": (8, IntEncoding(0)),
    "long long": (8, IntEncoding.SIGNED),
    "unsigned long long": (8, IntEncoding(0)),
    "_Bool": (1, IntEncoding.BOOL),
}
_TYPEDEFS = {"pid_t": "int", "uid_t": "unsigned int", "gid_t": "unsigned int", "u32": "unsigned int",
             "u64": "unsigned long long", "u8": "unsigned char", "s64": "long long", "ktime_t": "s64",
             "clockid_t": "int"}


class _Builder:
    """Types in BTF order, with each one's size and alignment for laying out structs."""

    def __init__(self) -> None:
        self.types: list[Type] = [Void()]
        self.layout: dict[int, tuple[int, int]] = {0: (0, 1)}
        self.ids: dict[str, int] = {}

    def add(self, make: object, size: int, align: int) -> int:
        type_id = len(self.types)
        self.types.append(make(type_id))  # type: ignore[operator]
        self.layout[type_id] = (size, align)
        return type_id

    def type_id(self, c_type: str) -> int:
        c_type = c_type.strip()
        if c_type == "void":
            return 0
        if c_type in self.ids:
            return self.ids[c_type]
        if c_type.endswith("]"):
            base, count = c_type[:-1].split("[")
            element = self.type_id(base)
            size, align = self.layout[element]
            found = self.add(lambda i: Array(i, "", element, self.type_id("int"), int(count)), size * int(count), align)
        elif c_type.endswith("*"):
            target = c_type[:-1].strip()
            pointee = 0 if target == "void" else self.type_id(target)
            found = self.add(lambda i: Ptr(i, "", pointee), 8, 8)
        elif c_type in _SCALARS:
            size, encoding = _SCALARS[c_type]
            found = self.add(lambda i: Int(i, c_type, size, encoding, size * 8), size, size)
        elif c_type in _TYPEDEFS:
            aliased = self.type_id(_TYPEDEFS[c_type])
            found = self.add(lambda i: Typedef(i, c_type, aliased), *self.layout[aliased])
        else:
            name = c_type.removeprefix("struct ")
            found = self.struct(name)
        self.ids[c_type] = found
        return found

    def struct(self, name: str) -> int:
        """Lay a struct out with C's rules; a pointer to it may be made before its members are."""
        type_id = len(self.types)
        self.types.append(Struct(type_id, name, 0, ()))
        self.ids[f"struct {name}"] = self.ids[name] = type_id
        offset, align, members = 0, 1, []
        for member_name, c_type in _STRUCTS[name]:
            member_type = self.type_id(c_type)
            size, member_align = self.layout[member_type]
            offset = -(-offset // member_align) * member_align
            members.append(Member(member_name, member_type, offset * 8))
            offset += size
            align = max(align, member_align)
        size = -(-offset // align) * align
        self.types[type_id] = Struct(type_id, name, size, tuple(members))
        self.layout[type_id] = (size, align)
        return type_id


@functools.cache
def modelled_btf() -> Spec:
    """The BTF of the kernel objects pybpf models (the default CO-RE target), with the
    prototypes of the functions its hooks stand for."""
    builder = _Builder()
    for name in _STRUCTS:
        builder.type_id(name if name in ("kuid_t", "kgid_t") else f"struct {name}")
    for name, (ret, params) in _FUNCTIONS.items():
        returns = builder.type_id(ret)
        typed = tuple(Param(p, builder.type_id(c_type)) for p, c_type in params)
        proto = builder.add(lambda i, r=returns, t=typed: FuncProto(i, "", r, t), 0, 1)
        builder.add(lambda i, n=name, p=proto: Func(i, n, p, Linkage.GLOBAL), 0, 1)
    return Spec(builder.types, StringTable(b"\0"))


@functools.cache
def struct_offsets(name: str) -> tuple[int, dict[str, int]]:
    """The size of the modelled ``struct name`` and the byte offset of each member."""
    found = modelled_btf().type_by_name(name, Struct)
    return found.size, {m.name: m.bit_offset // 8 for m in found.members}


@dataclass(frozen=True)
class TaskLayout:
    """Where the modelled task and cred keep what the task helpers report."""

    task_size: int
    cred_size: int
    fields: dict[str, int]  #: task_struct member -> byte offset
    cred_fields: dict[str, int]


@functools.cache
def task_layout() -> TaskLayout:
    """The offsets of ``struct task_struct`` and ``struct cred`` in :func:`modelled_btf`."""
    (task_size, task_fields), (cred_size, cred_fields) = struct_offsets("task_struct"), struct_offsets("cred")
    return TaskLayout(task_size, cred_size, task_fields, cred_fields)


def task_image(pid: int, tgid: int, comm: bytes, uid: int, gid: int, self_address: int, cred_address: int) -> tuple[bytes, bytes]:
    """The bytes of a modelled task (its own parent and group leader, as the first task is)
    and of its credentials."""
    layout = task_layout()
    task = bytearray(layout.task_size)
    f = layout.fields
    struct.pack_into("<ii", task, f["pid"], pid, tgid)
    for link in ("real_parent", "parent", "group_leader"):
        struct.pack_into("<Q", task, f[link], self_address)
    for link in ("real_cred", "cred"):
        struct.pack_into("<Q", task, f[link], cred_address)
    task[f["comm"] : f["comm"] + TASK_COMM_LEN] = comm[: TASK_COMM_LEN - 1].ljust(TASK_COMM_LEN, b"\0")
    cred = bytearray(layout.cred_size)
    c = layout.cred_fields
    for name in ("uid", "suid", "euid", "fsuid"):
        struct.pack_into("<I", cred, c[name], uid)
    for name in ("gid", "sgid", "egid", "fsgid"):
        struct.pack_into("<I", cred, c[name], gid)
    struct.pack_into("<i", cred, c["usage"], 1)
    return bytes(task), bytes(cred)


def cgroup_image(cgroup_id: int, level: int, self_address: int, root_address: int) -> bytes:
    """The bytes of a modelled cgroup at ``self_address``, its kernfs node right after it: the
    root (level 0) is its own ancestor 0, a cgroup below it has the root as ancestor 0."""
    size, fields = struct_offsets("cgroup")
    _, kn_fields = struct_offsets("kernfs_node")
    image = bytearray(size + struct_offsets("kernfs_node")[0])
    struct.pack_into("<Qi", image, fields["kn"], self_address + size, level)
    struct.pack_into("<Q", image, fields["ancestors"], root_address)
    struct.pack_into("<Q", image, fields["ancestors"] + 8 * level, self_address)
    struct.pack_into("<Q", image, size + kn_fields["id"], cgroup_id)
    return bytes(image)


def map_struct_image(spec: Spec, struct: str, values: Mapping[str, int | bytes]) -> bytes | None:
    """The bytes of the kernel's ``struct`` of a map (``bpf_array``...) as ``spec`` lays it
    out: the integer (or byte array) members named in ``values``, in the struct or in the
    ``struct bpf_map`` it begins with, set; every other byte zero. None when ``spec`` has no
    such struct."""
    try:
        top = spec.type_by_name(struct, Struct)
    except BtfError:  # a BTF without the struct (or with several): no image
        return None
    image = bytearray(top.size)

    def fill(t: Struct, base: int) -> None:
        for m in t.members:
            at = base + m.bit_offset // 8
            inner = spec.type_by_id(spec.skip_modifiers(m.type))
            if isinstance(inner, Struct) and m.name == "map":
                fill(inner, at)
            elif m.name in values and not m.bitfield_size:
                value = values[m.name]
                size = spec.resolve_size(m.type)
                raw = value if isinstance(value, bytes) else (value & ((1 << 8 * size) - 1)).to_bytes(size, "little")
                image[at : at + size] = raw[:size].ljust(size, b"\0")

    fill(top, 0)
    return bytes(image)
