"""Arguments of BTF-typed hooks that pybpf cannot type (no prototype in the target BTF): each
may be a pointer or a number, so what a program proves of one used as a number (by a mask,
by a comparison, stored in part) must hold, as the kernel, which types it as the integer it is, would prove it."""

from __future__ import annotations

import pybpf

SOURCE = """
#include <bpf/bpf_tracing.h>

__u64 hits[16];

SEC("tp_btf/softirq_entry")
int BPF_PROG(on_softirq, unsigned int vec)
{
    hits[vec & 15]++;  /* an index proven below 16 by the mask */
    return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(on_unlink, int dfd, void *name)
{
    hits[(dfd ^ 3) & 7] += 2;  /* an operation on the number first, then the mask */
    return 0;
}

SEC("fentry/vfs_read")
int BPF_PROG(on_read, void *file, char *buf, __u64 count)
{
    __u64 n = count;

    /* bounded by a comparison made on the argument as it came */
    asm volatile("if %0 <= 7 goto +1; %0 = 7" : "+r"(n));
    hits[n + 8] += 10;
    return 0;
}

SEC("tp_btf/softirq_raise")
int on_raise(__u64 *ctx)
{
    __u32 vec;

    /* the argument stored in 32 bits on the stack, then read back */
    asm volatile("r1 = *(u64 *)(%0 + 0); *(u32 *)(%1 + 0) = r1"
                 :: "r"(ctx), "r"(&vec) : "r1", "memory");
    hits[vec & 15] += 100;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
"""


def test_masked_untyped_arguments_index_an_array(c_file) -> None:  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(c_file(SOURCE))
        for prog in obj.programs.values():
            prog.attach()
        rt.trigger("softirq_entry", 19)
        rt.trigger("do_unlinkat", 6, 0)
        rt.trigger("vfs_read", 0, 0, 2)
        rt.trigger("vfs_read", 0, 0, 100)
        rt.trigger("softirq_raise", 0x1_0000_0004)
        hits = obj.globals["hits"]
        assert (hits[3], hits[4], hits[5], hits[10], hits[15]) == (1, 100, 2, 10, 10)
        assert sum(hits) == 123
