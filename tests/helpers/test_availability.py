"""Helpers and kfuncs the kernel offers more narrowly than their program type suggests."""

from __future__ import annotations

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
