"""Helpers whose arguments pybpf checks as the kernel does, returning its errno, but whose
objects it does not have: a call that passes the checks fails the run, saying why (never a
made-up result).

``bpf_snprintf_btf`` refuses unknown flags, a ``struct btf_ptr`` of another size
and type id 0, but does not print kernel objects. ``bpf_lwt_push_encap`` refuses an unknown
encapsulation; pybpf's test-run packets do not grow through it.
"""

from __future__ import annotations

from ..engine import BpfRuntimeError, ExecContext
from ._impl import implements

EINVAL = 22
BTF_PTR_SIZE = 16  #: sizeof(struct btf_ptr): void *ptr; __u32 type_id; __u32 flags
#: BTF_F_COMPACT, BTF_F_NONAME, BTF_F_PTR_RAW, BTF_F_ZERO
BTF_F_ALL = 0xF
#: BPF_LWT_ENCAP_SEG6, BPF_LWT_ENCAP_SEG6_INLINE, BPF_LWT_ENCAP_IP
LWT_ENCAP_TYPES = frozenset({0, 1, 2})


def _unmodelled(helper: str, why: str) -> BpfRuntimeError:
    return BpfRuntimeError(f"{helper}: not modelled by pybpf: {why}")


@implements("bpf_snprintf_btf")
def snprintf_btf(ctx: ExecContext, out: int, size: int, ptr: int, ptr_size: int, flags: int) -> int:
    if flags & ~BTF_F_ALL or ptr_size & 0xFFFF_FFFF != BTF_PTR_SIZE:
        return -EINVAL
    if not int.from_bytes(ctx.read(ptr + 8, 4), "little"):
        return -EINVAL  # type id 0: no type
    raise _unmodelled("bpf_snprintf_btf", "pybpf does not print kernel objects as the kernel's BTF printer does")


@implements("bpf_lwt_push_encap")
def lwt_push_encap(ctx: ExecContext, skb: int, kind: int, header: int, length: int, _5: int) -> int:
    if kind & 0xFFFF_FFFF not in LWT_ENCAP_TYPES:
        return -EINVAL
    raise _unmodelled("bpf_lwt_push_encap", "pybpf's test-run packets do not grow through this helper")
