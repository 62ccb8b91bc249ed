"""Helpers and kfuncs the kernel offers more narrowly than their program type suggests."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest

import pybpf

SOCK_DESTROY = r"""
struct sock_common { unsigned short skc_family; } __attribute__((preserve_access_index));
struct bpf_iter_meta;
struct bpf_iter__tcp {
	struct bpf_iter_meta *meta;
	struct sock_common *sk_common;
	unsigned int uid;
} __attribute__((preserve_access_index));
extern int bpf_sock_destroy(struct sock_common *sk) __ksym;

SEC("%s") int prog(void *ctx)
{
	struct sock_common *sk = ((struct bpf_iter__tcp *)ctx)->sk_common;

	if (sk)
		bpf_sock_destroy(sk);
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
"""


def test_sock_destroy_is_for_socket_iterators(c_file) -> None:  # type: ignore[no-untyped-def]
    rt = pybpf.Runtime(clock="virtual")
    assert list(rt.load(c_file(SOCK_DESTROY % "iter/tcp", "iter.bpf.c")).programs) == ["prog"]
    with pytest.raises(pybpf.VerifierError, match="^calling kernel function bpf_sock_destroy is not allowed"):
        rt.load(c_file(SOCK_DESTROY % "fentry/tcp_close", "fentry.bpf.c"))


CHECKED_FIRST = Path(__file__).parents[1] / "kernel" / "testdata" / "checked_first.bpf.c"
TUNNEL = Path(__file__).parents[1] / "kernel" / "testdata" / "tunnel.bpf.c"
PACKET = bytes(12) + b"\x08\x00" + bytes.fromhex("4500002e000000004011000001020304" "0a000002") + bytes(26)
EINVAL, ENOENT, ENOMEM = 22, 2, 12


def test_helpers_without_their_objects_return_the_kernels_errors(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual").load(c_file(CHECKED_FIRST.read_text(), "checked_first.bpf.c"))
    assert obj.programs["checks"].test_run().retval == 0
    assert obj.globals["got"][:5] == [-ENOENT, -EINVAL, -EINVAL, -EINVAL, -EINVAL]
    assert obj.programs["encap"].test_run(data=PACKET).retval == EINVAL


def test_tunnel_options_need_the_metadata_a_key_sets(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual").load(c_file(TUNNEL.read_text(), "tunnel.bpf.c"))
    assert obj.programs["tunnel"].test_run(data=PACKET).retval == 0
    assert obj.globals["got"] == [-EINVAL, 0, -ENOENT, 0, -EINVAL, 0, -ENOENT, -EINVAL, 0, -ENOMEM, 8, -EINVAL]
    assert obj.globals["seen"] == bytes(range(1, 9))  # char array: trailing NULs trimmed


FIND_VMA = r"""
struct task_struct;
long got, calls;
static long on_vma(struct task_struct *task, void *vma, void *data) { calls++; return 0; }
SEC("syscall") int find(unsigned long long *ctx)
{
	got = bpf_find_vma(bpf_get_current_task_btf(), ctx[0], on_vma, 0, 0);
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
"""


def test_find_vma_calls_back_for_a_mapped_address_only(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual").load(c_file(FIND_VMA))
    buffer = ctypes.create_string_buffer(8)
    obj.programs["find"].test_run(ctx=ctypes.addressof(buffer).to_bytes(8, "little"))
    assert (obj.globals["got"], obj.globals["calls"]) == (0, 1)
    obj.programs["find"].test_run(ctx=(0x1000).to_bytes(8, "little"))
    assert (obj.globals["got"], obj.globals["calls"]) == (-ENOENT, 1)
