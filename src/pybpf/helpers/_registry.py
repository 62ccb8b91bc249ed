"""Every helper pybpf knows, declared once: the one table the verifier, the engines, the docs and
the generated ``bpf_helper_defs.h`` all read.

A declaration carries the UAPI id and name, the C prototype (for the header), what the verifier
must check of each argument and what the helper returns, whether it is GPL-only, and one line of
documentation. Implementations live beside this module, one per family, and name the helper
they implement; this module imports nothing of pybpf, so anything may read it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import final

__all__ = ["BY_ID", "BY_NAME", "HELPERS", "Arg", "HelperProto", "Ret", "helper_proto"]


class Arg(enum.Enum):
    """What a helper argument must be (the kernel's ``ARG_*`` kinds)."""

    ANYTHING = "anything"  #: any initialised value
    DONTCARE = "dontcare"  #: not checked at all (a variadic argument the caller may not pass)
    CONST_MAP_PTR = "map"  #: a map pointer, as loaded by ``lddw``
    PTR_TO_MAP_KEY = "map key"  #: readable memory of the map's key size
    PTR_TO_MAP_VALUE = "map value"  #: readable memory of the map's value size
    PTR_TO_UNINIT_MAP_VALUE = "uninit map value"  #: writable memory of the map's value size
    PTR_TO_MEM = "mem"  #: readable memory, sized by the next argument
    PTR_TO_UNINIT_MEM = "uninit mem"  #: writable memory, sized by the next argument
    PTR_TO_UNINIT_MEM_OR_NULL = "uninit mem or null"  #: the same, or NULL (with a zero size)
    CONST_SIZE = "size"  #: a known size, non-zero
    CONST_SIZE_OR_ZERO = "size or zero"  #: a known size
    PTR_TO_CTX = "ctx"  #: the program's context
    PTR_TO_FUNC = "func"  #: a static subprogram's address (a callback)
    PTR_TO_STACK_OR_NULL = "stack or null"  #: the callback context of bpf_loop and friends
    PTR_TO_TIMER = "timer"  #: a ``struct bpf_timer`` inside a map value
    PTR_TO_SPIN_LOCK = "spin lock"  #: a ``struct bpf_spin_lock`` inside a map value
    PTR_TO_ALLOC_MEM = "ringbuf mem"  #: a record from ``bpf_ringbuf_reserve``
    PTR_TO_CONST_STR = "const str"  #: a NUL-terminated string in read-only global data
    PTR_TO_LONG = "long"  #: an aligned 8-byte slot the helper writes (strtol results)
    PTR_TO_BTF_ID = "btf id"  #: a trusted pointer to a kernel object of a BTF type (a task...)
    PTR_TO_BTF_ID_SOCK_COMMON = "sock common"  #: a socket the program got from the kernel
    PTR_TO_BTF_ID_OR_NULL = "btf id or null"  #: a kernel object pointer, or NULL
    PTR_TO_MAP_VALUE_OR_NULL = "map value or null"  #: a map value, or NULL (storage init values)
    PTR_TO_MEM_OR_NULL = "mem or null"  #: readable memory sized by the next argument, or NULL
    PTR_TO_DYNPTR = "dynptr"  #: a ``struct bpf_dynptr`` on the stack (initialised, or MEM_UNINIT for constructors)
    PTR_TO_SOCK_COMMON = "sock common ptr"  #: a non-NULL socket pointer of any socket type (not a BTF pointer)
    PTR_TO_SOCKET_RELEASE = "sock release"  #: an acquired socket, released by the call
    PTR_TO_SOCKET_OR_NULL = "sock or null"  #: sk_lookup: a full socket or NULL; tc: a socket
    PTR_TO_CTX_OR_NULL = "ctx or null"  #: the program's context, or NULL
    PTR_TO_U32 = "u32"  #: an aligned 4-byte slot the helper writes (bpf_check_mtu's MTU)
    PTR_TO_PERCPU_BTF_ID = "percpu btf id"  #: a per-CPU kernel variable (a ``__ksym``)
    PTR_TO_KPTR = "kptr"  #: a referenced kernel pointer field of a map value (bpf_kptr_xchg)
    PTR_TO_IPV4_HEADER = "iphdr"  #: 20 readable bytes, a ``struct iphdr`` (``ARG_PTR_TO_FIXED_SIZE_MEM``)
    PTR_TO_IPV6_HEADER = "ipv6hdr"  #: 40 readable bytes, a ``struct ipv6hdr``
    PTR_TO_TCP_HEADER = "tcphdr"  #: 20 readable bytes, a ``struct tcphdr``


class Ret(enum.Enum):
    """What a helper returns (the kernel's ``RET_*`` kinds)."""

    INTEGER = "integer"
    VOID = "void"
    PTR_TO_MAP_VALUE_OR_NULL = "map value or null"
    PTR_TO_MAP_VALUE = "map value"  #: never NULL (bpf_get_local_storage)
    PTR_TO_ALLOC_MEM_OR_NULL = "ringbuf mem or null"
    PTR_TO_BTF_ID = "btf id"  #: a trusted pointer to a kernel object (bpf_get_current_task_btf)
    PTR_TO_BTF_ID_OR_NULL = "btf id or null"
    PTR_TO_MEM_OR_BTF_ID = "mem or btf id"  #: a per-CPU variable (bpf_this_cpu_ptr)
    PTR_TO_DYNPTR_MEM_OR_NULL = "dynptr mem or null"  #: memory a dynptr views, or NULL
    PTR_TO_SOCKET_OR_NULL = "sock or null"  #: a full socket (``struct bpf_sock``), or NULL
    PTR_TO_SOCK_COMMON_OR_NULL = "sock common or null"  #: any socket (its common fields), or NULL
    PTR_TO_TCP_SOCK_OR_NULL = "tcp sock or null"  #: a TCP socket (``struct bpf_tcp_sock``), or NULL


@final
@dataclass(frozen=True)
class HelperProto:
    """One helper's declaration.

    ``c_decl`` is its C prototype as ``bpf_helper_defs.h`` declares it (without the pointer
    plumbing); ``args`` has one entry per C parameter.
    """

    id: int
    name: str
    c_decl: str
    ret: Ret
    args: tuple[Arg, ...]
    gpl_only: bool
    doc: str
    privileged: bool = False  #: needs CAP_BPF (the kernel hides it from unprivileged loads)
    #: the program types (``ProgType`` names) whose ``*_func_proto`` offers it; None: every
    #: type pybpf runs (where pybpf does not yet restrict it)
    prog_types: frozenset[str] | None = None
    #: the result is a reference the program must release (``is_acquire_function``)
    acquire: bool = False
    #: it may sleep: only sleepable programs may call it (``bpf_func_proto.might_sleep``)
    might_sleep: bool = False

    def offered_to(self, prog_type: str) -> bool:
        """Whether programs of type ``prog_type`` (a ``ProgType`` name) may call it."""
        return self.prog_types is None or prog_type in self.prog_types

    @property
    def c_return_type(self) -> str:
        """The C return type, from ``c_decl``."""
        return self.c_decl[: self.c_decl.index(self.name + "(")].strip()

    @property
    def c_params(self) -> str:
        """The C parameter list, from ``c_decl``."""
        return self.c_decl[self.c_decl.index("(") + 1 : self.c_decl.rindex(")")]


def _h(
    id_: int, c_decl: str, ret: Ret, args: tuple[Arg, ...], doc: str, *, gpl: bool = False,
    privileged: bool = False, types: frozenset[str] | None = None, acquire: bool = False,
    sleeps: bool = False,
) -> HelperProto:
    match = re.search(r"(bpf_\w+)\(", c_decl)
    assert match, c_decl
    return HelperProto(id_, match.group(1), c_decl, ret, args, gpl, doc, privileged, types, acquire, sleeps)


# Program-type sets of the kernel's *_func_proto functions (net/core/filter.c,
# kernel/trace/bpf_trace.c), for the helpers pybpf restricts (checked against the kernel for
# syscall, xdp, tc, socket, kprobe and tracepoint programs).
_TC = frozenset({"SCHED_CLS", "SCHED_ACT"})
_SKB_WRITERS = _TC | {"LWT_XMIT", "SK_SKB"}
_CSUM_REPLACE = _TC | {"LWT_XMIT"}
_REDIRECT = _TC | {"XDP", "LWT_XMIT"}
_SKB_READERS = _TC | {"SOCKET_FILTER", "CGROUP_SKB", "LWT_IN", "LWT_OUT", "LWT_XMIT", "LWT_SEG6LOCAL", "SK_SKB",
                      "FLOW_DISSECTOR", "SK_REUSEPORT"}
_CSUM_DIFF = _TC | {"XDP", "LWT_IN", "LWT_OUT", "LWT_XMIT", "LWT_SEG6LOCAL"}
_XDP = frozenset({"XDP"})
_PULL = _TC | {"LWT_IN", "LWT_OUT", "LWT_XMIT", "LWT_SEG6LOCAL", "SK_SKB"}
_TUNNEL = _TC | {"LWT_XMIT"}
_FIB = _TC | {"XDP"}
_STACKS = frozenset({"KPROBE", "TRACEPOINT", "PERF_EVENT", "RAW_TRACEPOINT", "RAW_TRACEPOINT_WRITABLE",
                     "TRACING", "LSM", "SYSCALL"})
#: the cgroup program types (cgroup_common_func_proto and cg_skb_func_proto), LSM_CGROUP among LSM
_CGROUP = frozenset({"CGROUP_SKB", "CGROUP_SOCK", "CGROUP_SOCK_ADDR", "SOCK_OPS", "CGROUP_DEVICE", "CGROUP_SYSCTL",
                     "CGROUP_SOCKOPT", "LSM"})
# bpf_tracing_func_proto's users: the tracing types, and syscall programs, which fall back to it
_TRACING_PROTO = frozenset({"KPROBE", "TRACEPOINT", "PERF_EVENT", "RAW_TRACEPOINT", "RAW_TRACEPOINT_WRITABLE",
                            "TRACING", "LSM", "SYSCALL"})
_FUNC_IP = _TRACING_PROTO
_ATTACH_COOKIE = _TRACING_PROTO - {"SYSCALL"}
# The sets below were read off Linux 6.18 itself (tests/kernel/test_helper_types.py loads a call
# of each helper in each program type it can load); TRACING and LSM, which it cannot load here,
# follow tracing_prog_func_proto and bpf_lsm_func_proto.
_SOCKET_COOKIE = frozenset({"SOCKET_FILTER", "SCHED_CLS", "SCHED_ACT", "CGROUP_SKB", "CGROUP_SOCK",
                            "CGROUP_SOCK_ADDR", "SOCK_OPS", "SK_SKB", "SK_REUSEPORT", "SYSCALL", "TRACING", "LSM"})
_COARSE_NS = frozenset({"SOCKET_FILTER", "SCHED_CLS", "SCHED_ACT", "XDP", "CGROUP_SKB", "CGROUP_SOCK", "LWT_IN",
                        "LWT_OUT", "LWT_XMIT", "LWT_SEG6LOCAL", "SOCK_OPS", "SK_SKB", "SK_MSG", "CGROUP_SOCK_ADDR",
                        "SK_REUSEPORT", "FLOW_DISSECTOR", "CGROUP_SYSCTL", "SK_LOOKUP"})
_PERF_OUTPUT = (_TRACING_PROTO | _TC | _CGROUP | {"SOCKET_FILTER", "XDP", "LWT_IN", "LWT_OUT", "LWT_XMIT",
                "LWT_SEG6LOCAL", "SK_SKB", "SK_MSG", "SK_LOOKUP"})
_SEQ = frozenset({"TRACING"})  # iterator programs
_SK_STORAGE_DELETE = _TC | {"CGROUP_SKB", "CGROUP_SOCKOPT", "CGROUP_SOCK_ADDR", "SK_MSG", "SOCK_OPS", "SYSCALL",
                            "TRACING", "LSM"}
_SK_STORAGE_GET = _SK_STORAGE_DELETE | {"CGROUP_SOCK"}
_FUNC_ARGS = frozenset({"TRACING", "LSM"})
_SK_LOOKUP = _TC | {"XDP", "CGROUP_SKB", "SK_SKB", "CGROUP_SOCK_ADDR"}
_SK_RELEASE = _SK_LOOKUP | {"SK_LOOKUP"}
_LISTENER = _TC | {"CGROUP_SKB"}
_FULLSOCK = _LISTENER
_TCP_SOCK = _LISTENER | {"SOCK_OPS", "CGROUP_SOCKOPT"}
#: the socket casts (checked against the kernel for the types that load here; tracing and LSM
#: by the kernel's source)
_SKC_CASTS = _TC | {"CGROUP_SKB", "CGROUP_SOCK_ADDR", "FLOW_DISSECTOR", "LWT_IN", "LWT_OUT", "LWT_SEG6LOCAL",
                    "LWT_XMIT", "SK_LOOKUP", "SK_MSG", "SK_SKB", "SOCKET_FILTER", "SOCK_OPS", "SYSCALL", "XDP",
                    "TRACING", "LSM"}


_A, _R = Arg, Ret
_BASE_HELPERS: tuple[HelperProto, ...] = (
    _h(1, "void *bpf_map_lookup_elem(void *map, const void *key)", _R.PTR_TO_MAP_VALUE_OR_NULL,
       (_A.CONST_MAP_PTR, _A.PTR_TO_MAP_KEY), "Return a pointer to the value of key, or NULL."),
    _h(2, "long bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags)",
       _R.INTEGER, (_A.CONST_MAP_PTR, _A.PTR_TO_MAP_KEY, _A.PTR_TO_MAP_VALUE, _A.ANYTHING),
       "Create or update the element of key (BPF_ANY, BPF_NOEXIST, BPF_EXIST)."),
    _h(3, "long bpf_map_delete_elem(void *map, const void *key)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.PTR_TO_MAP_KEY), "Delete the element of key."),
    _h(5, "__u64 bpf_ktime_get_ns(void)", _R.INTEGER, (),
       "Nanoseconds of CLOCK_MONOTONIC (the runtime's clock), without suspend time."),
    _h(6, "long bpf_trace_printk(const char *fmt, __u32 fmt_size, ...)", _R.INTEGER,
       (_A.PTR_TO_MEM, _A.CONST_SIZE, _A.DONTCARE, _A.DONTCARE, _A.DONTCARE),
       "Format up to three arguments and append the line to the runtime's trace.", gpl=True),
    _h(7, "__u32 bpf_get_prandom_u32(void)", _R.INTEGER, (),
       "A pseudo-random 32-bit number (reproducible with Runtime(seed=...))."),
    _h(8, "__u32 bpf_get_smp_processor_id(void)", _R.INTEGER, (),
       "The virtual CPU the program runs on."),
    _h(12, "long bpf_tail_call(void *ctx, void *prog_array_map, __u32 index)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.ANYTHING),
       "Jump into the program at index of a program array; returns only on failure."),
    _h(14, "__u64 bpf_get_current_pid_tgid(void)", _R.INTEGER, (),
       "The calling process's tgid in the upper and thread id in the lower 32 bits."),
    _h(87, "long bpf_map_push_elem(void *map, const void *value, __u64 flags)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.PTR_TO_MAP_VALUE, _A.ANYTHING),
       "Push a value onto a queue or stack (BPF_EXIST overwrites the oldest when full)."),
    _h(88, "long bpf_map_pop_elem(void *map, void *value)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.PTR_TO_UNINIT_MAP_VALUE), "Pop a value from a queue or stack."),
    _h(89, "long bpf_map_peek_elem(void *map, void *value)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.PTR_TO_UNINIT_MAP_VALUE),
       "Copy the next value of a queue or stack without removing it."),
    _h(93, "long bpf_spin_lock(struct bpf_spin_lock *lock)", _R.INTEGER,
       (_A.PTR_TO_SPIN_LOCK,), "Take a spin lock inside a map value."),
    _h(94, "long bpf_spin_unlock(struct bpf_spin_lock *lock)", _R.INTEGER,
       (_A.PTR_TO_SPIN_LOCK,), "Release a spin lock inside a map value."),
    _h(113, "long bpf_probe_read_kernel(void *dst, __u32 size, const void *unsafe_ptr)",
       _R.INTEGER, (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy size bytes from an address; on a bad address fill dst with zeros and fail.",
       gpl=True),
    _h(125, "__u64 bpf_ktime_get_boot_ns(void)", _R.INTEGER, (),
       "Nanoseconds of CLOCK_BOOTTIME (the runtime's clock)."),
    _h(130, "long bpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags)",
       _R.INTEGER, (_A.CONST_MAP_PTR, _A.PTR_TO_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy data into a new ring buffer record and submit it."),
    _h(131, "void *bpf_ringbuf_reserve(void *ringbuf, __u64 size, __u64 flags)",
       _R.PTR_TO_ALLOC_MEM_OR_NULL, (_A.CONST_MAP_PTR, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Reserve a ring buffer record of size bytes, or NULL."),
    _h(132, "void bpf_ringbuf_submit(void *data, __u64 flags)", _R.VOID,
       (_A.PTR_TO_ALLOC_MEM, _A.ANYTHING), "Submit a reserved record to the consumer."),
    _h(133, "void bpf_ringbuf_discard(void *data, __u64 flags)", _R.VOID,
       (_A.PTR_TO_ALLOC_MEM, _A.ANYTHING), "Discard a reserved record."),
    _h(134, "__u64 bpf_ringbuf_query(void *ringbuf, __u64 flags)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.ANYTHING), "Ring buffer positions and sizes (BPF_RB_*)."),
    _h(160, "__u64 bpf_ktime_get_coarse_ns(void)", _R.INTEGER, (),
       "Nanoseconds of CLOCK_MONOTONIC_COARSE (here: the monotonic clock).", types=_COARSE_NS),
    _h(164, "long bpf_for_each_map_elem(void *map, void *callback_fn, void *callback_ctx, __u64 flags)",
       _R.INTEGER, (_A.CONST_MAP_PTR, _A.PTR_TO_FUNC, _A.PTR_TO_STACK_OR_NULL, _A.ANYTHING),
       "Call callback_fn(map, key, value, ctx) per element until it returns 1."),
    _h(165, "long bpf_snprintf(char *str, __u32 str_size, const char *fmt, __u64 *data, __u32 data_len)",
       _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM_OR_NULL, _A.CONST_SIZE_OR_ZERO, _A.PTR_TO_CONST_STR, _A.PTR_TO_MEM_OR_NULL,
        _A.CONST_SIZE_OR_ZERO),
       "Format into str like snprintf, arguments from an array of u64.", gpl=True),
    _h(169, "long bpf_timer_init(struct bpf_timer *timer, void *map, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_TIMER, _A.CONST_MAP_PTR, _A.ANYTHING),
       "Initialise a timer on a clock (CLOCK_MONOTONIC, _REALTIME or _BOOTTIME).",
       gpl=True, privileged=True),
    _h(170, "long bpf_timer_set_callback(struct bpf_timer *timer, void *callback_fn)", _R.INTEGER,
       (_A.PTR_TO_TIMER, _A.PTR_TO_FUNC), "Set the static function a timer calls on expiry.",
       gpl=True, privileged=True),
    _h(171, "long bpf_timer_start(struct bpf_timer *timer, __u64 nsecs, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_TIMER, _A.ANYTHING, _A.ANYTHING),
       "Arm a timer nsecs from now (or at nsecs with BPF_F_TIMER_ABS).",
       gpl=True, privileged=True),
    _h(172, "long bpf_timer_cancel(struct bpf_timer *timer)", _R.INTEGER, (_A.PTR_TO_TIMER,),
       "Disarm a timer; 1 if it was armed, 0 if not.", gpl=True, privileged=True),
    _h(181, "long bpf_loop(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags)",
       _R.INTEGER, (_A.ANYTHING, _A.PTR_TO_FUNC, _A.PTR_TO_STACK_OR_NULL, _A.ANYTHING),
       "Call callback_fn(index, ctx) up to nr_loops times, until it returns 1."),
    _h(208, "__u64 bpf_ktime_get_tai_ns(void)", _R.INTEGER, (),
       "Nanoseconds of CLOCK_TAI (the runtime's clock)."),
)


#: Helpers declared with their prototypes; each family module implements them (with the
#: kernel's behaviour where pybpf has no object to act on).
_MORE_HELPERS: tuple[HelperProto, ...] = (
    _h(4, "long bpf_probe_read(void *dst, __u32 size, const void *unsafe_ptr)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy size bytes from an address (user or kernel); on failure zero dst.", gpl=True, types=_TRACING_PROTO),
    _h(9, "long bpf_skb_store_bytes(struct __sk_buff *skb, __u32 offset, const void *from, __u32 len, __u64 flags)",
       _R.INTEGER, (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE, _A.ANYTHING),
       "Write len bytes into the packet at offset.", types=_SKB_WRITERS),
    _h(10, "long bpf_l3_csum_replace(struct __sk_buff *skb, __u32 offset, __u64 from, __u64 to, __u64 size)",
       _R.INTEGER, (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING, _A.ANYTHING, _A.ANYTHING),
       "Update the 16-bit IP checksum at offset for a field changed from from to to.", types=_CSUM_REPLACE),
    _h(11, "long bpf_l4_csum_replace(struct __sk_buff *skb, __u32 offset, __u64 from, __u64 to, __u64 flags)",
       _R.INTEGER, (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING, _A.ANYTHING, _A.ANYTHING),
       "Update the TCP/UDP checksum at offset for a field changed from from to to.", types=_CSUM_REPLACE),
    _h(15, "__u64 bpf_get_current_uid_gid(void)", _R.INTEGER, (),
       "The current task's gid in the upper and uid in the lower 32 bits."),
    _h(16, "long bpf_get_current_comm(void *buf, __u32 size_of_buf)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE), "Copy the current task's name (NUL-terminated) into buf."),
    _h(21, "long bpf_skb_set_tunnel_key(struct __sk_buff *skb, struct bpf_tunnel_key *key, __u32 size, __u64 flags)",
       _R.INTEGER, (_A.PTR_TO_CTX, _A.PTR_TO_MEM, _A.CONST_SIZE, _A.ANYTHING),
       "Give the packet tunnel metadata for a collect-metadata device (checked, then kept by nothing here).",
       types=_TUNNEL),
    _h(23, "long bpf_redirect(__u32 ifindex, __u64 flags)", _R.INTEGER, (_A.ANYTHING, _A.ANYTHING),
       "Send the packet to another device; test_run records the target (result.redirect).", types=_REDIRECT),
    _h(25, "long bpf_perf_event_output(void *ctx, void *map, __u64 flags, void *data, __u64 size)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE_OR_ZERO),
       "Append a sample to a perf event array's ring (BPF_F_CURRENT_CPU: the running CPU's).", types=_PERF_OUTPUT),
    _h(26, "long bpf_skb_load_bytes(const void *skb, __u32 offset, void *to, __u32 len)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE), "Copy len bytes of the packet from offset.",
       types=_SKB_READERS),
    _h(27, "long bpf_get_stackid(void *ctx, void *map, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.ANYTHING),
       "Store the program's call chain in a stack trace map and return its id.", types=_STACKS),
    _h(28, "__s64 bpf_csum_diff(__be32 *from, __u32 from_size, __be32 *to, __u32 to_size, __wsum seed)",
       _R.INTEGER, (_A.PTR_TO_MEM_OR_NULL, _A.CONST_SIZE_OR_ZERO, _A.PTR_TO_MEM_OR_NULL, _A.CONST_SIZE_OR_ZERO,
                    _A.ANYTHING),
       "The one's-complement checksum difference of two buffers, added to seed.", types=_CSUM_DIFF),
    _h(35, "__u64 bpf_get_current_task(void)", _R.INTEGER, (),
       "The address of the current task (pybpf's task object, readable with probe reads)."),
    _h(37, "long bpf_current_task_under_cgroup(void *map, __u32 index)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.ANYTHING), "Whether the current task is in the cgroup at index of a cgroup array."),
    _h(39, "long bpf_skb_pull_data(struct __sk_buff *skb, __u32 len)", _R.INTEGER, (_A.PTR_TO_CTX, _A.ANYTHING),
       "Make len bytes of the packet direct-accessible (a test run's packet already is: -ENOMEM past its end).",
       types=_PULL),
    _h(42, "long bpf_get_numa_node_id(void)", _R.INTEGER, (), "The NUMA node of the CPU (always 0 here)."),
    _h(44, "long bpf_xdp_adjust_head(struct xdp_md *xdp_md, int delta)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING), "Move the start of an XDP packet by delta bytes.", types=_XDP),
    _h(45, "long bpf_probe_read_str(void *dst, __u32 size, const void *unsafe_ptr)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy a NUL-terminated string from an address; returns its length with the NUL.", gpl=True,
       types=_TRACING_PROTO),
    _h(46, "__u64 bpf_get_socket_cookie(void *ctx)", _R.INTEGER, (_A.PTR_TO_CTX,),
       "The cookie of a socket (pybpf numbers the socket pointers it sees from 1), 0 for none.",
       types=_SOCKET_COOKIE),
    _h(51, "long bpf_redirect_map(void *map, __u64 key, __u64 flags)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.ANYTHING, _A.ANYTHING),
       "Redirect an XDP packet to the target at key of a devmap, cpumap or xskmap (recorded).", types=_XDP),
    _h(54, "long bpf_xdp_adjust_meta(struct xdp_md *xdp_md, int delta)", _R.INTEGER, (_A.PTR_TO_CTX, _A.ANYTHING),
       "Move the start of an XDP packet's metadata by delta bytes (within the headroom).", types=_XDP),
    _h(65, "long bpf_xdp_adjust_tail(struct xdp_md *xdp_md, int delta)", _R.INTEGER, (_A.PTR_TO_CTX, _A.ANYTHING),
       "Move the end of an XDP packet by delta bytes (growing into the page's tailroom, zeroed).", types=_XDP),
    _h(67, "long bpf_get_stack(void *ctx, void *buf, __u32 size, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy the program's call chain (instruction addresses) into buf; returns the bytes copied.", types=_STACKS),
    _h(69, "long bpf_fib_lookup(void *ctx, struct bpf_fib_lookup *params, int plen, __u32 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_MEM, _A.CONST_SIZE, _A.ANYTHING),
       "Route lookup: pybpf's one device (lo, ifindex 1) does not forward (BPF_FIB_LKUP_RET_FWD_DISABLED).",
       types=_FIB),
    _h(80, "__u64 bpf_get_current_cgroup_id(void)", _R.INTEGER, (),
       "The cgroup v2 id of the current task (Runtime(task=...))."),
    _h(81, "void *bpf_get_local_storage(void *map, __u64 flags)", _R.PTR_TO_MAP_VALUE,
       (_A.CONST_MAP_PTR, _A.ANYTHING),
       "The program's value in a cgroup storage map (flags must be 0): fresh and zeroed for each test run.",
       types=_CGROUP),
    _h(107, "void *bpf_sk_storage_get(void *map, void *sk, void *value, __u64 flags)", _R.PTR_TO_MAP_VALUE_OR_NULL,
       (_A.CONST_MAP_PTR, _A.PTR_TO_BTF_ID_SOCK_COMMON, _A.PTR_TO_MAP_VALUE_OR_NULL, _A.ANYTHING),
       "The socket's value in an sk_storage map (created with BPF_SK_STORAGE_GET_F_CREATE).", types=_SK_STORAGE_GET),
    _h(108, "long bpf_sk_storage_delete(void *map, void *sk)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.PTR_TO_BTF_ID_SOCK_COMMON), "Delete the socket's value in an sk_storage map.",
       types=_SK_STORAGE_DELETE),
    _h(109, "long bpf_send_signal(__u32 sig)", _R.INTEGER, (_A.ANYTHING,),
       "Signal the current task's process: checked as the kernel checks it, never delivered to Python."),
    _h(112, "long bpf_probe_read_user(void *dst, __u32 size, const void *unsafe_ptr)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy size bytes of the calling process's memory; program memory is kernel memory: -EFAULT, dst zeroed.",
       gpl=True),
    _h(114, "long bpf_probe_read_user_str(void *dst, __u32 size, const void *unsafe_ptr)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy a NUL-terminated string from the calling process's memory (-EFAULT on program memory).", gpl=True),
    _h(115, "long bpf_probe_read_kernel_str(void *dst, __u32 size, const void *unsafe_ptr)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy a NUL-terminated string from a kernel address.", gpl=True),
    _h(117, "long bpf_send_signal_thread(__u32 sig)", _R.INTEGER, (_A.ANYTHING,),
       "Signal the current thread: checked as the kernel checks it, never delivered to Python."),
    _h(118, "__u64 bpf_jiffies64(void)", _R.INTEGER, (), "The jiffies counter (CONFIG_HZ=1000 of the monotonic clock)."),
    _h(120, "long bpf_get_ns_current_pid_tgid(__u64 dev, __u64 ino, struct bpf_pidns_info *nsdata, __u32 size)",
       _R.INTEGER, (_A.ANYTHING, _A.ANYTHING, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE),
       "pid and tgid of the current task in the pid namespace of device dev and inode ino."),
    _h(126, "long bpf_seq_printf(struct seq_file *m, const char *fmt, __u32 fmt_size, const void *data, __u32 data_len)",
       _R.INTEGER, (_A.PTR_TO_BTF_ID, _A.PTR_TO_MEM, _A.CONST_SIZE, _A.PTR_TO_MEM_OR_NULL, _A.CONST_SIZE_OR_ZERO),
       "An iterator's formatted output (appended to the runtime's trace).", gpl=True, types=_SEQ),
    _h(127, "long bpf_seq_write(struct seq_file *m, const void *data, __u32 len)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.PTR_TO_MEM, _A.CONST_SIZE_OR_ZERO),
       "An iterator's raw output (appended to the runtime's trace).", gpl=True, types=_SEQ),
    _h(141, "long bpf_get_task_stack(struct task_struct *task, void *buf, __u32 size, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy a task's call chain into buf (the current task's is the program's)."),
    _h(156, "void *bpf_task_storage_get(void *map, struct task_struct *task, void *value, __u64 flags)",
       _R.PTR_TO_MAP_VALUE_OR_NULL,
       (_A.CONST_MAP_PTR, _A.PTR_TO_BTF_ID_OR_NULL, _A.PTR_TO_MAP_VALUE_OR_NULL, _A.ANYTHING),
       "The task's value in a task_storage map (created with BPF_LOCAL_STORAGE_GET_F_CREATE)."),
    _h(157, "long bpf_task_storage_delete(void *map, struct task_struct *task)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.PTR_TO_BTF_ID), "Delete the task's value in a task_storage map."),
    _h(158, "struct task_struct *bpf_get_current_task_btf(void)", _R.PTR_TO_BTF_ID, (),
       "The current task as a trusted pointer."),
    _h(173, "__u64 bpf_get_func_ip(void *ctx)", _R.INTEGER, (_A.PTR_TO_CTX,),
       "The address of the traced function (pybpf's hooks have stable made-up addresses).", types=_FUNC_IP),
    _h(174, "__u64 bpf_get_attach_cookie(void *ctx)", _R.INTEGER, (_A.PTR_TO_CTX,),
       "The cookie the program was attached with (pybpf's links carry none: 0).", types=_ATTACH_COOKIE),
    _h(177, "long bpf_trace_vprintk(const char *fmt, __u32 fmt_size, const void *data, __u32 data_len)",
       _R.INTEGER, (_A.PTR_TO_MEM, _A.CONST_SIZE, _A.PTR_TO_MEM_OR_NULL, _A.CONST_SIZE_OR_ZERO),
       "Like bpf_trace_printk, with up to twelve arguments from an array of u64.", gpl=True),
    _h(182, "long bpf_strncmp(const char *s1, __u32 s1_sz, const char *s2)", _R.INTEGER,
       (_A.PTR_TO_MEM, _A.CONST_SIZE, _A.PTR_TO_CONST_STR), "Compare a buffer with a constant string."),
    _h(197, "long bpf_dynptr_from_mem(void *data, __u32 size, __u64 flags, struct bpf_dynptr *ptr)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING, _A.PTR_TO_DYNPTR),
       "Make a local dynptr over size bytes of program memory."),
    _h(201, "long bpf_dynptr_read(void *dst, __u32 len, const struct bpf_dynptr *src, __u32 offset, __u64 flags)",
       _R.INTEGER, (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.PTR_TO_DYNPTR, _A.ANYTHING, _A.ANYTHING),
       "Copy len bytes at offset of a dynptr into dst."),
    _h(202, "long bpf_dynptr_write(const struct bpf_dynptr *dst, __u32 offset, void *src, __u32 len, __u64 flags)",
       _R.INTEGER, (_A.PTR_TO_DYNPTR, _A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy len bytes from src to offset of a writable dynptr."),
    _h(203, "void *bpf_dynptr_data(const struct bpf_dynptr *ptr, __u32 offset, __u32 len)",
       _R.PTR_TO_DYNPTR_MEM_OR_NULL, (_A.PTR_TO_DYNPTR, _A.ANYTHING, _A.CONST_SIZE_OR_ZERO),
       "A pointer to len bytes at offset of a dynptr's memory, or NULL."),
    _h(183, "long bpf_get_func_arg(void *ctx, __u32 n, __u64 *value)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_LONG), "Argument n of the traced function; -EINVAL past the last.",
       types=_FUNC_ARGS),
    _h(184, "long bpf_get_func_ret(void *ctx, __u64 *value)", _R.INTEGER, (_A.PTR_TO_CTX, _A.PTR_TO_LONG),
       "The traced function's return value (fexit).", types=_FUNC_ARGS),
    _h(185, "long bpf_get_func_arg_cnt(void *ctx)", _R.INTEGER, (_A.PTR_TO_CTX,),
       "How many arguments the traced function has.", types=_FUNC_ARGS),
    _h(188, "__u64 bpf_xdp_get_buff_len(struct xdp_md *xdp_md)", _R.INTEGER, (_A.PTR_TO_CTX,),
       "The length of an XDP packet (pybpf's test runs have no fragments: data_end - data).",
       # offered to tracing programs too (for an xdp_buff they trace), and so to syscall and LSM
       # programs, which fall back to the tracing offers
       types=_XDP | {"SYSCALL", "TRACING", "LSM"}),
    _h(189, "long bpf_xdp_load_bytes(struct xdp_md *xdp_md, __u32 offset, void *buf, __u32 len)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE),
       "Copy len bytes of an XDP packet from offset.", types=_XDP),
    _h(190, "long bpf_xdp_store_bytes(struct xdp_md *xdp_md, __u32 offset, void *buf, __u32 len)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Write len bytes into an XDP packet at offset.", types=_XDP),
    _h(195, "void *bpf_map_lookup_percpu_elem(void *map, const void *key, __u32 cpu)",
       _R.PTR_TO_MAP_VALUE_OR_NULL, (_A.CONST_MAP_PTR, _A.PTR_TO_MAP_KEY, _A.ANYTHING),
       "The value of key on another CPU of a per-CPU map, or NULL."),
    _h(209, "long bpf_user_ringbuf_drain(void *map, void *callback_fn, void *ctx, __u64 flags)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.PTR_TO_FUNC, _A.PTR_TO_STACK_OR_NULL, _A.ANYTHING),
       "Call callback_fn(dynptr, ctx) for each sample user space submitted to a user ring buffer, until it "
       "returns 1; returns how many samples it saw.", privileged=True),
    _h(210, "void *bpf_cgrp_storage_get(void *map, struct cgroup *cgroup, void *value, __u64 flags)",
       _R.PTR_TO_MAP_VALUE_OR_NULL, (_A.CONST_MAP_PTR, _A.PTR_TO_BTF_ID, _A.PTR_TO_MAP_VALUE_OR_NULL, _A.ANYTHING),
       "The cgroup's value in a cgrp_storage map."),
    _h(211, "long bpf_cgrp_storage_delete(void *map, struct cgroup *cgroup)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.PTR_TO_BTF_ID), "Delete the cgroup's value in a cgrp_storage map."),
)
#: the kernel accepts a tuple size that may be zero (the lookup then finds nothing)
_LOOKUP_ARGS = (_A.PTR_TO_CTX, _A.PTR_TO_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING, _A.ANYTHING)
_SOCK_HELPERS: tuple[HelperProto, ...] = (
    _h(84, "struct bpf_sock *bpf_sk_lookup_tcp(void *ctx, struct bpf_sock_tuple *tuple, __u32 tuple_size, "
       "__u64 netns, __u64 flags)", _R.PTR_TO_SOCKET_OR_NULL, _LOOKUP_ARGS,
       "The TCP socket of a tuple, acquired (release it), or NULL (pybpf has no sockets: always NULL).",
       types=_SK_LOOKUP, acquire=True),
    _h(85, "struct bpf_sock *bpf_sk_lookup_udp(void *ctx, struct bpf_sock_tuple *tuple, __u32 tuple_size, "
       "__u64 netns, __u64 flags)", _R.PTR_TO_SOCKET_OR_NULL, _LOOKUP_ARGS,
       "The UDP socket of a tuple, acquired (release it), or NULL (pybpf has no sockets: always NULL).",
       types=_SK_LOOKUP, acquire=True),
    _h(86, "long bpf_sk_release(void *sock)", _R.INTEGER, (_A.PTR_TO_SOCKET_RELEASE,),
       "Release a socket a lookup acquired.", types=_SK_RELEASE),
    _h(95, "struct bpf_sock *bpf_sk_fullsock(struct bpf_sock *sk)", _R.PTR_TO_SOCKET_OR_NULL,
       (_A.PTR_TO_SOCK_COMMON,), "The full socket of a socket, or NULL (request and timewait sockets).",
       types=_FULLSOCK),
    _h(96, "struct bpf_tcp_sock *bpf_tcp_sock(struct bpf_sock *sk)", _R.PTR_TO_TCP_SOCK_OR_NULL,
       (_A.PTR_TO_SOCK_COMMON,), "The TCP view of a socket, or NULL when it is not TCP.", types=_TCP_SOCK),
    _h(98, "struct bpf_sock *bpf_get_listener_sock(struct bpf_sock *sk)", _R.PTR_TO_SOCKET_OR_NULL,
       (_A.PTR_TO_SOCK_COMMON,), "The listening socket of a request socket, or NULL.", types=_LISTENER),
    *(_h(id_, f"struct {name} *bpf_skc_to_{name}(void *sk)", _R.PTR_TO_BTF_ID_OR_NULL,
         (_A.PTR_TO_BTF_ID_SOCK_COMMON,), f"The socket as a {name}, or NULL when it is not one.",
         types=_SKC_CASTS)
      for id_, name in ((136, "tcp6_sock"), (137, "tcp_sock"), (138, "tcp_timewait_sock"),
                        (139, "tcp_request_sock"), (140, "udp6_sock"), (178, "unix_sock"), (196, "mptcp_sock"))),
    _h(124, "long bpf_sk_assign(void *ctx, void *sk, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_SOCKET_OR_NULL, _A.ANYTHING),
       "Select the socket of a lookup (sk_lookup: NULL for none) or of a packet (tc ingress).",
       types=_TC | {"SK_LOOKUP"}),
    _h(99, "struct bpf_sock *bpf_skc_lookup_tcp(void *ctx, struct bpf_sock_tuple *tuple, __u32 tuple_size, "
       "__u64 netns, __u64 flags)", _R.PTR_TO_SOCK_COMMON_OR_NULL, _LOOKUP_ARGS,
       "Like bpf_sk_lookup_tcp, also finding request and timewait sockets.", types=_SK_LOOKUP, acquire=True),
)
#: The rest of Linux 6.18's helpers, so that every helper id is declared: their prototypes and
#: argument kinds as the kernel's ``bpf_func_proto``s give them, the program types from the
#: kernel's ``*_func_proto`` functions (read off Linux 6.18 for every type it loads here, with the
#: expected attach types libbpf gives cgroup device and sysctl programs; tracing and LSM
#: programs by the kernel's source). The modelled kernel withholds a few from every type, as the
#: oracle kernel does: ``bpf_probe_write_user`` under lockdown, ``bpf_override_return`` and the
#: seg6 helpers for want of their config options.
_OTHER_HELPERS: tuple[HelperProto, ...] = (
    _h(13, "long bpf_clone_redirect(struct __sk_buff *skb, __u32 ifindex, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING),
       "Send a copy of the packet to a device (test runs: the loopback device, recorded in result.redirect).",
       types=frozenset({"LWT_XMIT", "SCHED_ACT", "SCHED_CLS"})),
    _h(17, "__u32 bpf_get_cgroup_classid(struct __sk_buff *skb)", _R.INTEGER,
       (_A.PTR_TO_CTX,),
       "The net_cls class id of the current task (0: it is in no net_cls cgroup)."),
    _h(18, "long bpf_skb_vlan_push(struct __sk_buff *skb, __be16 vlan_proto, __u16 vlan_tci)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING),
       "Push a VLAN tag: the kernel's test-run packet carries it as metadata (the hardware-accelerated tag),"
       " so the bytes do not change.",
       types=frozenset({"SCHED_ACT", "SCHED_CLS"})),
    _h(19, "long bpf_skb_vlan_pop(struct __sk_buff *skb)", _R.INTEGER,
       (_A.PTR_TO_CTX,),
       "Pop the packet's outer VLAN tag.", types=frozenset({"SCHED_ACT", "SCHED_CLS"})),
    _h(20, "long bpf_skb_get_tunnel_key(struct __sk_buff *skb, struct bpf_tunnel_key *key, __u32 size, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE, _A.ANYTHING),
       "Copy the packet's tunnel metadata into key: a test run's packet has none (-EINVAL, key zeroed); reading back a key the program set fails the run.",
       types=frozenset({"LWT_XMIT", "SCHED_ACT", "SCHED_CLS"})),
    _h(22, "__u64 bpf_perf_event_read(void *map, __u64 flags)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.ANYTHING),
       "Read a perf event counter from a perf event array.", gpl=True),
    _h(24, "__u32 bpf_get_route_realm(struct __sk_buff *skb)", _R.INTEGER,
       (_A.PTR_TO_CTX,),
       "The routing realm of the packet's destination: 0 (a test-run packet has no route).",
       types=frozenset({"LWT_IN", "LWT_OUT", "LWT_SEG6LOCAL", "LWT_XMIT", "SCHED_ACT", "SCHED_CLS"})),
    _h(29, "long bpf_skb_get_tunnel_opt(struct __sk_buff *skb, void *opt, __u32 size)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE),
       "Copy the packet's tunnel options into opt; a test run's packet has none (-ENOENT) until the program sets a key.", types=frozenset({"LWT_XMIT", "SCHED_ACT", "SCHED_CLS"})),
    _h(30, "long bpf_skb_set_tunnel_opt(struct __sk_buff *skb, void *opt, __u32 size)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Set tunnel options on the metadata a key set (-EINVAL before; whole words, at most 255 bytes).",
       types=frozenset({"LWT_XMIT", "SCHED_ACT", "SCHED_CLS"})),
    _h(31, "long bpf_skb_change_proto(struct __sk_buff *skb, __be16 proto, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING),
       "Change the packet between IPv4 and IPv6, growing or shrinking the network header.",
       types=frozenset({"SCHED_ACT", "SCHED_CLS"})),
    _h(32, "long bpf_skb_change_type(struct __sk_buff *skb, __u32 type)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING),
       "Change the packet's pkt_type (only between host, broadcast, multicast and otherhost).",
       types=frozenset({"SCHED_ACT", "SCHED_CLS"})),
    _h(33, "long bpf_skb_under_cgroup(struct __sk_buff *skb, void *map, __u32 index)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.ANYTHING),
       "Whether the packet's socket (a test run's: the caller's) is in the cgroup at index of a cgroup "
       "array.",
       types=frozenset({"LWT_IN", "LWT_OUT", "LWT_SEG6LOCAL", "LWT_XMIT", "SCHED_ACT", "SCHED_CLS"})),
    _h(34, "__u32 bpf_get_hash_recalc(struct __sk_buff *skb)", _R.INTEGER,
       (_A.PTR_TO_CTX,),
       "The packet's flow hash, recomputed (the kernel's flow dissection of the packet).",
       types=frozenset({"LWT_IN", "LWT_OUT", "LWT_SEG6LOCAL", "LWT_XMIT", "SCHED_ACT", "SCHED_CLS"})),
    _h(36, "long bpf_probe_write_user(void *dst, const void *src, __u32 len)", _R.INTEGER,
       (_A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Write to user memory: the modelled kernel runs in lockdown (integrity), which withholds it from "
       "every program type.",
       gpl=True, types=frozenset()),
    _h(38, "long bpf_skb_change_tail(struct __sk_buff *skb, __u32 len, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING),
       "Grow (zero-filled) or trim the packet to len bytes.",
       types=frozenset({"LWT_XMIT", "SCHED_ACT", "SCHED_CLS", "SK_SKB"})),
    _h(40, "__s64 bpf_csum_update(struct __sk_buff *skb, __wsum csum)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING),
       "Add csum to the checksum of a CHECKSUM_COMPLETE skb; returns the checksum.",
       types=frozenset({"LWT_XMIT", "SCHED_ACT", "SCHED_CLS"})),
    _h(41, "void bpf_set_hash_invalid(struct __sk_buff *skb)", _R.INTEGER,
       (_A.PTR_TO_CTX,),
       "Mark the packet's hash invalid (recomputed on its next use).",
       types=frozenset({"LWT_XMIT", "SCHED_ACT", "SCHED_CLS"})),
    _h(43, "long bpf_skb_change_head(struct __sk_buff *skb, __u32 len, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING),
       "Grow the packet by len zeroed bytes at its head (room for a layer-2 header).",
       types=frozenset({"LWT_XMIT", "SCHED_ACT", "SCHED_CLS", "SK_SKB"})),
    _h(47, "__u32 bpf_get_socket_uid(struct __sk_buff *skb)", _R.INTEGER,
       (_A.PTR_TO_CTX,),
       "The owner uid of the packet's socket (the overflow uid 65534 without a full socket).",
       types=frozenset({"CGROUP_SKB", "SCHED_ACT", "SCHED_CLS", "SK_SKB", "SOCKET_FILTER"})),
    _h(48, "long bpf_set_hash(struct __sk_buff *skb, __u32 hash)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING),
       "Set the packet's flow hash.", types=frozenset({"SCHED_ACT", "SCHED_CLS"})),
    _h(49, "long bpf_setsockopt(void *bpf_socket, int level, int optname, void *optval, int optlen)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Set a socket option of the context's socket (lsm: BPF_LSM_CGROUP hooks).",
       types=frozenset({"CGROUP_SOCK_ADDR", "LSM", "SOCK_OPS"})),
    _h(50, "long bpf_skb_adjust_room(struct __sk_buff *skb, __s32 len_diff, __u32 mode, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING, _A.ANYTHING),
       "Grow or shrink the room between the layer-2 and layer-3 headers (or after the layer-3 header), for "
       "encapsulation and decapsulation.",
       types=frozenset({"SCHED_ACT", "SCHED_CLS", "SK_SKB"})),
    _h(52, "long bpf_sk_redirect_map(struct __sk_buff *skb, void *map, __u32 key, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.ANYTHING, _A.ANYTHING),
       "Redirect the packet to the socket at key of a sockmap.", types=frozenset({"SK_SKB"})),
    _h(53, "long bpf_sock_map_update(struct bpf_sock_ops *skops, void *map, void *key, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.PTR_TO_MAP_KEY, _A.ANYTHING),
       "Add the context's socket to a sockmap at key.", types=frozenset({"SOCK_OPS"})),
    _h(55, "long bpf_perf_event_read_value(void *map, __u64 flags, struct bpf_perf_event_value *buf, __u32 buf_size)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.ANYTHING, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE),
       "Read a perf event counter and its times.", gpl=True),
    _h(56, "long bpf_perf_prog_read_value(struct bpf_perf_event_data *ctx, struct bpf_perf_event_value *buf, __u32 buf_size)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE),
       "Read the counter of the perf event the program runs for.", gpl=True, types=frozenset({"PERF_EVENT"})),
    _h(57, "long bpf_getsockopt(void *bpf_socket, int level, int optname, void *optval, int optlen)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE),
       "Read a socket option of the context's socket (lsm: BPF_LSM_CGROUP hooks).",
       types=frozenset({"CGROUP_SOCK_ADDR", "LSM", "SOCK_OPS"})),
    _h(58, "long bpf_override_return(struct pt_regs *regs, __u64 rc)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING),
       "Override a kprobed function's return value: the modelled kernel is built without "
       "CONFIG_BPF_KPROBE_OVERRIDE, so no program type may call it.",
       gpl=True, types=frozenset()),
    _h(59, "long bpf_sock_ops_cb_flags_set(struct bpf_sock_ops *bpf_sock, int argval)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING),
       "Set which sock_ops callbacks the socket reports (BPF_SOCK_OPS_*_CB_FLAG).",
       types=frozenset({"SOCK_OPS"})),
    _h(60, "long bpf_msg_redirect_map(struct sk_msg_md *msg, void *map, __u32 key, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.ANYTHING, _A.ANYTHING),
       "Redirect the message to the socket at key of a sockmap.", types=frozenset({"SK_MSG"})),
    _h(61, "long bpf_msg_apply_bytes(struct sk_msg_md *msg, __u32 bytes)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING),
       "Apply the verdict to the next bytes of the message only.", types=frozenset({"SK_MSG"})),
    _h(62, "long bpf_msg_cork_bytes(struct sk_msg_md *msg, __u32 bytes)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING),
       "Hold the verdict until bytes of the message have accumulated.", types=frozenset({"SK_MSG"})),
    _h(63, "long bpf_msg_pull_data(struct sk_msg_md *msg, __u32 start, __u32 end, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING, _A.ANYTHING),
       "Make bytes start to end of the message direct-accessible.", types=frozenset({"SK_MSG"})),
    _h(64, "long bpf_bind(struct bpf_sock_addr *ctx, struct sockaddr *addr, int addr_len)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Bind the connecting socket to an address.", types=frozenset({"CGROUP_SOCK_ADDR"})),
    _h(66, "long bpf_skb_get_xfrm_state(struct __sk_buff *skb, __u32 index, struct bpf_xfrm_state *xfrm_state, __u32 size, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE, _A.ANYTHING),
       "The packet's xfrm (IPsec) state at index (a test-run packet has none: -EINVAL, buffer zeroed).",
       types=frozenset({"SCHED_ACT", "SCHED_CLS"})),
    _h(68, "long bpf_skb_load_bytes_relative(const void *skb, __u32 offset, void *to, __u32 len, __u32 start_header)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE, _A.ANYTHING),
       "Copy len bytes of the packet from offset, counted from its MAC or network header.",
       types=frozenset({"CGROUP_SKB", "SCHED_ACT", "SCHED_CLS", "SK_REUSEPORT", "SOCKET_FILTER"})),
    _h(70, "long bpf_sock_hash_update(struct bpf_sock_ops *skops, void *map, void *key, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.PTR_TO_MAP_KEY, _A.ANYTHING),
       "Add the context's socket to a sockhash at key.", types=frozenset({"SOCK_OPS"})),
    _h(71, "long bpf_msg_redirect_hash(struct sk_msg_md *msg, void *map, void *key, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.PTR_TO_MAP_KEY, _A.ANYTHING),
       "Redirect the message to the socket at key of a sockhash.", types=frozenset({"SK_MSG"})),
    _h(72, "long bpf_sk_redirect_hash(struct __sk_buff *skb, void *map, void *key, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.PTR_TO_MAP_KEY, _A.ANYTHING),
       "Redirect the packet to the socket at key of a sockhash.", types=frozenset({"SK_SKB"})),
    _h(73, "long bpf_lwt_push_encap(struct __sk_buff *skb, __u32 type, void *hdr, __u32 len)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Push a tunnel encapsulation header (lightweight tunnels): -EINVAL for an unknown type; else the run fails (test-run packets do not grow through it).",
       types=frozenset({"LWT_IN", "LWT_XMIT"})),
    _h(74, "long bpf_lwt_seg6_store_bytes(struct __sk_buff *skb, __u32 offset, const void *from, __u32 len)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Write into a segment routing header: the modelled kernel lacks CONFIG_IPV6_SEG6_BPF.",
       types=frozenset()),
    _h(75, "long bpf_lwt_seg6_adjust_srh(struct __sk_buff *skb, __u32 offset, __s32 delta)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING),
       "Grow or shrink a segment routing header: the modelled kernel lacks CONFIG_IPV6_SEG6_BPF.",
       types=frozenset()),
    _h(76, "long bpf_lwt_seg6_action(struct __sk_buff *skb, __u32 action, void *param, __u32 param_len)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Apply a segment routing action: the modelled kernel lacks CONFIG_IPV6_SEG6_BPF.", types=frozenset()),
    _h(77, "long bpf_rc_repeat(void *ctx)", _R.INTEGER,
       (_A.PTR_TO_CTX,),
       "Report a repeated infrared key (lirc_mode2 programs).", gpl=True, types=frozenset({"LIRC_MODE2"})),
    _h(78, "long bpf_rc_keydown(void *ctx, __u32 protocol, __u64 scancode, __u32 toggle)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING, _A.ANYTHING),
       "Report an infrared key press (lirc_mode2 programs).", gpl=True, types=frozenset({"LIRC_MODE2"})),
    _h(79, "__u64 bpf_skb_cgroup_id(struct __sk_buff *skb)", _R.INTEGER,
       (_A.PTR_TO_CTX,),
       "The cgroup v2 id of the packet's socket (0: a test-run socket is in no cgroup).",
       types=frozenset({"CGROUP_SKB", "SCHED_ACT", "SCHED_CLS"})),
    _h(82, "long bpf_sk_select_reuseport(struct sk_reuseport_md *reuse, void *map, void *key, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.CONST_MAP_PTR, _A.PTR_TO_MAP_KEY, _A.ANYTHING),
       "Select the socket at key of a reuseport array for the packet.", types=frozenset({"SK_REUSEPORT"})),
    _h(83, "__u64 bpf_skb_ancestor_cgroup_id(struct __sk_buff *skb, int ancestor_level)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING),
       "The id of the packet socket's cgroup ancestor at a level.",
       types=frozenset({"CGROUP_SKB", "SCHED_ACT", "SCHED_CLS"})),
    _h(90, "long bpf_msg_push_data(struct sk_msg_md *msg, __u32 start, __u32 len, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING, _A.ANYTHING),
       "Insert len bytes into the message at start.", types=frozenset({"SK_MSG"})),
    _h(91, "long bpf_msg_pop_data(struct sk_msg_md *msg, __u32 start, __u32 len, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING, _A.ANYTHING),
       "Remove len bytes from the message at start.", types=frozenset({"SK_MSG"})),
    _h(92, "long bpf_rc_pointer_rel(void *ctx, __s32 rel_x, __s32 rel_y)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING),
       "Report relative pointer movement (lirc_mode2 programs).", gpl=True, types=frozenset({"LIRC_MODE2"})),
    _h(97, "long bpf_skb_ecn_set_ce(struct __sk_buff *skb)", _R.INTEGER,
       (_A.PTR_TO_CTX,),
       "Set the ECN congestion-experienced mark of an ECN-capable IP packet; 1 if it was set, else 0.",
       types=frozenset({"CGROUP_SKB", "SCHED_ACT", "SCHED_CLS"})),
    _h(100, "long bpf_tcp_check_syncookie(void *sk, void *iph, __u32 iph_len, struct tcphdr *th, __u32 th_len)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID_SOCK_COMMON, _A.PTR_TO_MEM, _A.CONST_SIZE, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Check a SYN cookie in an ACK for a listening socket.",
       gpl=True, types=frozenset({"SCHED_ACT", "SCHED_CLS", "XDP"})),
    _h(101, "long bpf_sysctl_get_name(struct bpf_sysctl *ctx, char *buf, unsigned long buf_len, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE, _A.ANYTHING),
       "Copy the sysctl's name (its path below /proc/sys, or its base name) into buf; -E2BIG when truncated.",
       types=frozenset({"CGROUP_SYSCTL"})),
    _h(102, "long bpf_sysctl_get_current_value(struct bpf_sysctl *ctx, char *buf, unsigned long buf_len)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE),
       "Copy the sysctl's current value into buf; -E2BIG when truncated.",
       types=frozenset({"CGROUP_SYSCTL"})),
    _h(103, "long bpf_sysctl_get_new_value(struct bpf_sysctl *ctx, char *buf, unsigned long buf_len)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE),
       "Copy the value being written into buf (-EINVAL on a read); -E2BIG when truncated.",
       types=frozenset({"CGROUP_SYSCTL"})),
    _h(104, "long bpf_sysctl_set_new_value(struct bpf_sysctl *ctx, const char *buf, unsigned long buf_len)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Replace the value being written (-EINVAL on a read, -E2BIG past a page).",
       types=frozenset({"CGROUP_SYSCTL"})),
    _h(105, "long bpf_strtol(const char *buf, unsigned long buf_len, __u64 flags, long *res)", _R.INTEGER,
       (_A.PTR_TO_MEM, _A.CONST_SIZE, _A.ANYTHING, _A.PTR_TO_LONG),
       "Parse a signed integer from buf (base 8, 10 or 16 in flags, 0 to detect); returns the characters "
       "consumed."),
    _h(106, "long bpf_strtoul(const char *buf, unsigned long buf_len, __u64 flags, unsigned long *res)", _R.INTEGER,
       (_A.PTR_TO_MEM, _A.CONST_SIZE, _A.ANYTHING, _A.PTR_TO_LONG),
       "Parse an unsigned integer from buf (base 8, 10 or 16 in flags, 0 to detect); returns the characters "
       "consumed."),
    _h(110, "__s64 bpf_tcp_gen_syncookie(void *sk, void *iph, __u32 iph_len, struct tcphdr *th, __u32 th_len)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID_SOCK_COMMON, _A.PTR_TO_MEM, _A.CONST_SIZE, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Make a SYN cookie for a SYN to a listening socket.",
       gpl=True, types=frozenset({"SCHED_ACT", "SCHED_CLS", "XDP"})),
    _h(111, "long bpf_skb_output(void *ctx, void *map, __u64 flags, void *data, __u64 size)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.CONST_MAP_PTR, _A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE_OR_ZERO),
       "Like bpf_perf_event_output, with packet bytes appended, for a traced sk_buff.",
       gpl=True, types=frozenset({"LSM", "SYSCALL", "TRACING"})),
    _h(116, "long bpf_tcp_send_ack(void *tp, __u32 rcv_nxt)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.ANYTHING),
       "Send an ACK on a TCP socket (struct_ops congestion control).", types=frozenset({"STRUCT_OPS"})),
    _h(119, "long bpf_read_branch_records(struct bpf_perf_event_data *ctx, void *buf, __u32 size, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_MEM_OR_NULL, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy the perf event's branch records.", gpl=True, types=frozenset({"PERF_EVENT"})),
    _h(121, "long bpf_xdp_output(void *ctx, void *map, __u64 flags, void *data, __u64 size)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.CONST_MAP_PTR, _A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE_OR_ZERO),
       "Like bpf_perf_event_output, with packet bytes appended, for a traced xdp_buff.",
       gpl=True, types=frozenset({"LSM", "SYSCALL", "TRACING"})),
    _h(122, "__u64 bpf_get_netns_cookie(void *ctx)", _R.INTEGER,
       (_A.PTR_TO_CTX_OR_NULL,),
       "The cookie of the network namespace of the context (of the program's own namespace for NULL).",
       types=frozenset({"CGROUP_SKB", "CGROUP_SOCK", "CGROUP_SOCKOPT", "CGROUP_SOCK_ADDR", "SCHED_ACT", "SCHED_CLS", "SK_MSG", "SOCKET_FILTER", "SOCK_OPS"})),
    _h(123, "__u64 bpf_get_current_ancestor_cgroup_id(int ancestor_level)", _R.INTEGER,
       (_A.ANYTHING,),
       "The id of the current task's cgroup ancestor at a level."),
    _h(128, "__u64 bpf_sk_cgroup_id(void *sk)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID_SOCK_COMMON,),
       "The cgroup v2 id of a socket (a test run's: the caller's cgroup).", types=frozenset({"CGROUP_SKB"})),
    _h(129, "__u64 bpf_sk_ancestor_cgroup_id(void *sk, int ancestor_level)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID_SOCK_COMMON, _A.ANYTHING),
       "The id of a socket's cgroup ancestor at a level.", types=frozenset({"CGROUP_SKB"})),
    _h(135, "long bpf_csum_level(struct __sk_buff *skb, __u64 level)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING),
       "Adjust or query the skb's checksum level (BPF_CSUM_LEVEL_*).",
       types=frozenset({"LWT_XMIT", "SCHED_ACT", "SCHED_CLS"})),
    _h(142, "long bpf_load_hdr_opt(struct bpf_sock_ops *skops, void *searchby_res, __u32 len, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE, _A.ANYTHING),
       "Find a TCP header option of the packet the sock_ops callback sees.", types=frozenset({"SOCK_OPS"})),
    _h(143, "long bpf_store_hdr_opt(struct bpf_sock_ops *skops, const void *from, __u32 len, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.PTR_TO_MEM, _A.CONST_SIZE, _A.ANYTHING),
       "Write a TCP header option into room reserved for it.", types=frozenset({"SOCK_OPS"})),
    _h(144, "long bpf_reserve_hdr_opt(struct bpf_sock_ops *skops, __u32 len, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING),
       "Reserve room for TCP header options.", types=frozenset({"SOCK_OPS"})),
    _h(145, "void *bpf_inode_storage_get(void *map, void *inode, void *value, __u64 flags)", _R.PTR_TO_MAP_VALUE_OR_NULL,
       (_A.CONST_MAP_PTR, _A.PTR_TO_BTF_ID_OR_NULL, _A.PTR_TO_MAP_VALUE_OR_NULL, _A.ANYTHING),
       "The inode's value in an inode_storage map.", types=frozenset({"LSM"})),
    _h(146, "int bpf_inode_storage_delete(void *map, void *inode)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.PTR_TO_BTF_ID_OR_NULL),
       "Delete the inode's value in an inode_storage map.", types=frozenset({"LSM"})),
    _h(147, "long bpf_d_path(struct path *path, char *buf, __u32 sz)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO),
       "Copy the absolute path of a struct path into buf (a run fails: pybpf has no files or paths).", types=frozenset({"LSM", "SYSCALL", "TRACING"})),
    _h(148, "long bpf_copy_from_user(void *dst, __u32 size, const void *user_ptr)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy size bytes from a user address (sleepable programs); on failure zero dst.", sleeps=True),
    _h(149, "long bpf_snprintf_btf(char *str, __u32 str_size, struct btf_ptr *ptr, __u32 btf_ptr_size, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE, _A.PTR_TO_MEM, _A.CONST_SIZE, _A.ANYTHING),
       "Format a BTF-typed object into str: the kernel's -EINVAL for bad flags, size or type id; else the run fails (pybpf has no kernel BTF printer)."),
    _h(150, "long bpf_seq_printf_btf(struct seq_file *m, struct btf_ptr *ptr, __u32 ptr_size, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.PTR_TO_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "An iterator's BTF-typed output.", types=_SEQ),
    _h(151, "__u64 bpf_skb_cgroup_classid(struct __sk_buff *skb)", _R.INTEGER,
       (_A.PTR_TO_CTX,),
       "The net_cls class id of the packet's socket (0: in no net_cls cgroup).",
       types=frozenset({"SCHED_ACT", "SCHED_CLS"})),
    _h(152, "long bpf_redirect_neigh(__u32 ifindex, struct bpf_redir_neigh *params, int plen, __u64 flags)", _R.INTEGER,
       (_A.ANYTHING, _A.PTR_TO_MEM_OR_NULL, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Redirect the packet to another device through the neighbour subsystem (recorded).",
       types=frozenset({"SCHED_ACT", "SCHED_CLS"})),
    _h(153, "void *bpf_per_cpu_ptr(const void *percpu_ptr, __u32 cpu)", _R.PTR_TO_MEM_OR_BTF_ID,
       (_A.PTR_TO_PERCPU_BTF_ID, _A.ANYTHING),
       "The address of a per-CPU variable on a CPU, or NULL past the last CPU."),
    _h(154, "void *bpf_this_cpu_ptr(const void *percpu_ptr)", _R.PTR_TO_MEM_OR_BTF_ID,
       (_A.PTR_TO_PERCPU_BTF_ID,),
       "The address of a per-CPU variable on the current CPU."),
    _h(155, "long bpf_redirect_peer(__u32 ifindex, __u64 flags)", _R.INTEGER,
       (_A.ANYTHING, _A.ANYTHING),
       "Redirect the packet to the peer of a veth/netkit device at ingress (recorded).",
       types=frozenset({"SCHED_ACT", "SCHED_CLS"})),
    _h(159, "long bpf_bprm_opts_set(struct linux_binprm *bprm, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.ANYTHING),
       "Set options of the program being executed (LSM bprm hooks).", types=frozenset({"LSM"})),
    _h(161, "long bpf_ima_inode_hash(struct inode *inode, void *dst, __u32 size)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE),
       "The IMA hash of an inode (sleepable LSM programs).", types=frozenset({"LSM"}), sleeps=True),
    _h(162, "struct socket *bpf_sock_from_file(struct file *file)", _R.PTR_TO_BTF_ID_OR_NULL,
       (_A.PTR_TO_BTF_ID,),
       "The socket behind a file, or NULL.", types=frozenset({"LSM", "SYSCALL", "TRACING"})),
    _h(163, "long bpf_check_mtu(void *ctx, __u32 ifindex, __u32 *mtu_len, __s32 len_diff, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.PTR_TO_U32, _A.ANYTHING, _A.ANYTHING),
       "Check a packet length against a device's MTU; stores the MTU.",
       gpl=True, types=frozenset({"SCHED_ACT", "SCHED_CLS", "XDP"})),
    _h(166, "long bpf_sys_bpf(__u32 cmd, void *attr, __u32 attr_size)", _R.INTEGER,
       (_A.ANYTHING, _A.PTR_TO_MEM, _A.CONST_SIZE),
       "Run a bpf() command from a syscall program.", types=frozenset({"SYSCALL"})),
    _h(167, "long bpf_btf_find_by_name_kind(char *name, int name_sz, __u32 kind, int flags)", _R.INTEGER,
       (_A.PTR_TO_MEM, _A.CONST_SIZE, _A.ANYTHING, _A.ANYTHING),
       "Find a BTF type id of the kernel by name and kind.", types=frozenset({"SYSCALL"})),
    _h(168, "long bpf_sys_close(__u32 fd)", _R.INTEGER,
       (_A.ANYTHING,),
       "Close a file descriptor of the calling process (syscall programs).", types=frozenset({"SYSCALL"})),
    _h(175, "long bpf_task_pt_regs(struct task_struct *task)", _R.PTR_TO_BTF_ID,
       (_A.PTR_TO_BTF_ID,),
       "The user registers of a task."),
    _h(176, "long bpf_get_branch_snapshot(void *entries, __u32 size, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING),
       "Copy the CPU's last branch records (pybpf's CPUs record none: -ENOENT).", gpl=True),
    _h(179, "long bpf_kallsyms_lookup_name(const char *name, int name_sz, int flags, __u64 *res)", _R.INTEGER,
       (_A.PTR_TO_MEM, _A.CONST_SIZE, _A.ANYTHING, _A.PTR_TO_LONG),
       "The address of a kernel symbol.", types=frozenset({"SYSCALL"})),
    _h(180, "long bpf_find_vma(struct task_struct *task, __u64 addr, void *callback_fn, void *callback_ctx, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.ANYTHING, _A.PTR_TO_FUNC, _A.PTR_TO_STACK_OR_NULL, _A.ANYTHING),
       "Call callback_fn(task, vma, ctx) for the task's memory area holding addr (this process's, from /proc/self/maps): -ENOENT where nothing is mapped."),
    _h(186, "int bpf_get_retval(void)", _R.INTEGER,
       (),
       "The return value the cgroup hook will give (the previous program's, or 0).",
       types=frozenset({"CGROUP_DEVICE", "CGROUP_SOCK", "CGROUP_SOCKOPT", "CGROUP_SOCK_ADDR", "CGROUP_SYSCTL", "LSM"})),
    _h(187, "int bpf_set_retval(int retval)", _R.INTEGER,
       (_A.ANYTHING,),
       "Set the return value the cgroup hook will give (an errno, or 0).",
       types=frozenset({"CGROUP_DEVICE", "CGROUP_SOCK", "CGROUP_SOCKOPT", "CGROUP_SOCK_ADDR", "CGROUP_SYSCTL", "LSM"})),
    _h(191, "long bpf_copy_from_user_task(void *dst, __u32 size, const void *user_ptr, struct task_struct *tsk, __u64 flags)", _R.INTEGER,
       (_A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE_OR_ZERO, _A.ANYTHING, _A.PTR_TO_BTF_ID, _A.ANYTHING),
       "Copy size bytes from a user address of another task (sleepable programs).", gpl=True, sleeps=True),
    _h(192, "long bpf_skb_set_tstamp(struct __sk_buff *skb, __u64 tstamp, __u32 tstamp_type)", _R.INTEGER,
       (_A.PTR_TO_CTX, _A.ANYTHING, _A.ANYTHING),
       "Set the packet's timestamp and its clock (BPF_SKB_TSTAMP_*).",
       types=frozenset({"SCHED_ACT", "SCHED_CLS"})),
    _h(193, "long bpf_ima_file_hash(struct file *file, void *dst, __u32 size)", _R.INTEGER,
       (_A.PTR_TO_BTF_ID, _A.PTR_TO_UNINIT_MEM, _A.CONST_SIZE),
       "The IMA hash of a file (sleepable LSM programs).", types=frozenset({"LSM"}), sleeps=True),
    _h(194, "void *bpf_kptr_xchg(void *map_value, void *ptr)", _R.PTR_TO_BTF_ID_OR_NULL,
       (_A.PTR_TO_KPTR, _A.PTR_TO_BTF_ID_OR_NULL),
       "Exchange a referenced kernel pointer stored in a map value."),
    _h(198, "long bpf_ringbuf_reserve_dynptr(void *ringbuf, __u32 size, __u64 flags, struct bpf_dynptr *ptr)", _R.INTEGER,
       (_A.CONST_MAP_PTR, _A.ANYTHING, _A.ANYTHING, _A.PTR_TO_DYNPTR),
       "Reserve a ring buffer record of size bytes as a dynptr; on failure a NULL dynptr and -EINVAL (flags, "
       "a full ring) or -E2BIG (past a dynptr's size)."),
    _h(199, "void bpf_ringbuf_submit_dynptr(struct bpf_dynptr *ptr, __u64 flags)", _R.VOID,
       (_A.PTR_TO_DYNPTR, _A.ANYTHING),
       "Submit a record reserved as a dynptr."),
    _h(200, "void bpf_ringbuf_discard_dynptr(struct bpf_dynptr *ptr, __u64 flags)", _R.VOID,
       (_A.PTR_TO_DYNPTR, _A.ANYTHING),
       "Discard a record reserved as a dynptr."),
    _h(204, "__s64 bpf_tcp_raw_gen_syncookie_ipv4(struct iphdr *iph, struct tcphdr *th, __u32 th_len)", _R.INTEGER,
       (_A.PTR_TO_IPV4_HEADER, _A.PTR_TO_MEM, _A.CONST_SIZE_OR_ZERO),
       "Make a SYN cookie for an IPv4 SYN without a socket (the kernel's syncookie algorithm).",
       gpl=True, types=frozenset({"SCHED_ACT", "SCHED_CLS", "XDP"})),
    _h(205, "__s64 bpf_tcp_raw_gen_syncookie_ipv6(struct ipv6hdr *iph, struct tcphdr *th, __u32 th_len)", _R.INTEGER,
       (_A.PTR_TO_IPV6_HEADER, _A.PTR_TO_MEM, _A.CONST_SIZE_OR_ZERO),
       "Make a SYN cookie for an IPv6 SYN without a socket (the kernel's syncookie algorithm).",
       gpl=True, types=frozenset({"SCHED_ACT", "SCHED_CLS", "XDP"})),
    _h(206, "long bpf_tcp_raw_check_syncookie_ipv4(struct iphdr *iph, struct tcphdr *th)", _R.INTEGER,
       (_A.PTR_TO_IPV4_HEADER, _A.PTR_TO_TCP_HEADER),
       "Check the SYN cookie of an IPv4 ACK without a socket.",
       gpl=True, types=frozenset({"SCHED_ACT", "SCHED_CLS", "XDP"})),
    _h(207, "long bpf_tcp_raw_check_syncookie_ipv6(struct ipv6hdr *iph, struct tcphdr *th)", _R.INTEGER,
       (_A.PTR_TO_IPV6_HEADER, _A.PTR_TO_TCP_HEADER),
       "Check the SYN cookie of an IPv6 ACK without a socket.",
       gpl=True, types=frozenset({"SCHED_ACT", "SCHED_CLS", "XDP"})),
)
HELPERS: tuple[HelperProto, ...] = tuple(
    sorted(_BASE_HELPERS + _MORE_HELPERS + _SOCK_HELPERS + _OTHER_HELPERS, key=lambda h: h.id)
)
BY_ID: dict[int, HelperProto] = {h.id: h for h in HELPERS}
BY_NAME: dict[str, HelperProto] = {h.name: h for h in HELPERS}


def helper_proto(helper_id: int) -> HelperProto | None:
    """The declaration of a helper id, or None when pybpf does not know it."""
    return BY_ID.get(helper_id)
