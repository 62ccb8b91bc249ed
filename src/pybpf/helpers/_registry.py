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
    PTR_TO_MEM_OR_NULL = "mem or null"  #: the same, or NULL (with a zero size)
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


class Ret(enum.Enum):
    """What a helper returns (the kernel's ``RET_*`` kinds)."""

    INTEGER = "integer"
    VOID = "void"
    PTR_TO_MAP_VALUE_OR_NULL = "map value or null"
    PTR_TO_ALLOC_MEM_OR_NULL = "ringbuf mem or null"


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

    @property
    def c_return_type(self) -> str:
        """The C return type, from ``c_decl``."""
        return self.c_decl[: self.c_decl.index(self.name)].strip()

    @property
    def c_params(self) -> str:
        """The C parameter list, from ``c_decl``."""
        return self.c_decl[self.c_decl.index("(") + 1 : self.c_decl.rindex(")")]


def _h(
    id_: int, c_decl: str, ret: Ret, args: tuple[Arg, ...], doc: str, *, gpl: bool = False,
    privileged: bool = False,
) -> HelperProto:
    match = re.search(r"(bpf_\w+)\(", c_decl)
    assert match, c_decl
    return HelperProto(id_, match.group(1), c_decl, ret, args, gpl, doc, privileged)


_A, _R = Arg, Ret
HELPERS: tuple[HelperProto, ...] = (
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
       "Nanoseconds of CLOCK_MONOTONIC_COARSE (here: the monotonic clock)."),
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

BY_ID: dict[int, HelperProto] = {h.id: h for h in HELPERS}
BY_NAME: dict[str, HelperProto] = {h.name: h for h in HELPERS}


def helper_proto(helper_id: int) -> HelperProto | None:
    """The declaration of a helper id, or None when pybpf does not know it."""
    return BY_ID.get(helper_id)
