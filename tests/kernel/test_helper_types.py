"""Which program types may call which helper, against the live kernel: a call of each helper
pybpf declares is loaded as each program type the kernel loads from raw instructions here, and
the kernel's "program of this type cannot use helper" must be exactly pybpf's refusal."""

from __future__ import annotations

import struct

import pytest

from pybpf.helpers._registry import HELPERS

from . import _libbpf

pytestmark = pytest.mark.kernel

BPF_F_SLEEPABLE = 1 << 4
#: program type name -> (BPF_PROG_TYPE_*, the expected attach type it needs to load, or the one
#: libbpf gives its sections: cgroup device and sysctl programs may call bpf_get/set_retval)
TYPES = {
    "SOCKET_FILTER": (1, 0), "KPROBE": (2, 0), "SCHED_CLS": (3, 0), "SCHED_ACT": (4, 0), "TRACEPOINT": (5, 0),
    "XDP": (6, 0), "PERF_EVENT": (7, 0), "CGROUP_SKB": (8, 0), "CGROUP_SOCK": (9, 0), "LWT_IN": (10, 0),
    "LWT_OUT": (11, 0), "LWT_XMIT": (12, 0), "SOCK_OPS": (13, 0), "SK_SKB": (14, 0), "CGROUP_DEVICE": (15, 6),
    "SK_MSG": (16, 0), "RAW_TRACEPOINT": (17, 0), "CGROUP_SOCK_ADDR": (18, 10), "LWT_SEG6LOCAL": (19, 0),
    "SK_REUSEPORT": (21, 0), "FLOW_DISSECTOR": (22, 0), "CGROUP_SYSCTL": (23, 18), "RAW_TRACEPOINT_WRITABLE": (24, 0),
    "CGROUP_SOCKOPT": (25, 21), "SK_LOOKUP": (30, 36), "SYSCALL": (31, 0), "NETFILTER": (32, 45),
}


def _insn(code: int, dst: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, dst, 0, imm)


def _kernel_offers(prog_type: int, attach: int, helper: int) -> bool:
    """Whether the kernel's verifier gets past the helper's availability: its arguments (all
    zero) may still be wrong, which is refused later and with another message."""
    code = b"".join(_insn(0xB7, r) for r in range(1, 6)) + _insn(0x85, imm=helper) + _insn(0xB7) + _insn(0x95)
    flags = BPF_F_SLEEPABLE if prog_type == 31 else 0  # syscall programs are sleepable
    log = _libbpf.load_raw(code, prog_type, expected_attach_type=attach, prog_flags=flags).log
    return not any(text in log for text in ("cannot use helper", "unknown func", "invalid func"))


@pytest.mark.parametrize("type_name", sorted(TYPES))
def test_every_helper_is_offered_where_the_kernel_offers_it(type_name: str) -> None:
    prog_type, attach = TYPES[type_name]
    differ = [h.name for h in HELPERS if _kernel_offers(prog_type, attach, h.id) != h.offered_to(type_name)]
    assert differ == [], f"{type_name}: pybpf and the kernel disagree on {differ}"
