"""Which helpers tracing (fentry/fexit/tp_btf/iter) and LSM programs may call. The kernel here
refuses to load those types, so the offers cannot be read off it as the other types' are
(tests/kernel/test_helper_types.py); they follow the kernel's ``tracing_prog_func_proto`` and
``bpf_lsm_func_proto``, which this test restates as facts over the raw tracepoint offers (the
kernel-checked ``bpf_tracing_func_proto`` set both fall back to)."""

from __future__ import annotations

from pybpf.helpers import BY_NAME, HELPERS


def _offered(prog_type: str) -> set[str]:
    return {h.name for h in HELPERS if h.offered_to(prog_type)}


#: what tracing_prog_func_proto adds to the raw tracepoint offers
TRACING_EXTRAS = {
    "bpf_skb_output", "bpf_xdp_output", "bpf_skc_to_tcp6_sock", "bpf_skc_to_tcp_sock", "bpf_skc_to_tcp_timewait_sock",
    "bpf_skc_to_tcp_request_sock", "bpf_skc_to_udp6_sock", "bpf_skc_to_unix_sock", "bpf_skc_to_mptcp_sock",
    "bpf_sk_storage_get", "bpf_sk_storage_delete", "bpf_sock_from_file", "bpf_get_socket_cookie",
    "bpf_xdp_get_buff_len", "bpf_d_path", "bpf_get_func_arg", "bpf_get_func_ret", "bpf_get_func_arg_cnt",
    "bpf_get_attach_cookie",
}
#: offered to iterator programs (TRACING with BPF_TRACE_ITER) only
ITERATOR_ONLY = {"bpf_seq_printf", "bpf_seq_write", "bpf_seq_printf_btf"}
#: what bpf_lsm_func_proto adds to the tracing offers (sleepable hooks and BPF_LSM_CGROUP ones
#: included: the registry does not tell attach types apart)
LSM_EXTRAS = {
    "bpf_inode_storage_get", "bpf_inode_storage_delete", "bpf_bprm_opts_set", "bpf_ima_inode_hash",
    "bpf_ima_file_hash", "bpf_setsockopt", "bpf_getsockopt", "bpf_get_local_storage", "bpf_get_retval",
    "bpf_set_retval",
}


def test_tracing_programs_get_the_tracing_proto_offers() -> None:
    assert _offered("TRACING") == _offered("RAW_TRACEPOINT") | TRACING_EXTRAS | ITERATOR_ONLY


def test_lsm_programs_get_the_lsm_proto_offers() -> None:
    assert _offered("LSM") == _offered("RAW_TRACEPOINT") | TRACING_EXTRAS | LSM_EXTRAS


def test_the_fact_lists_name_declared_helpers() -> None:
    assert TRACING_EXTRAS | ITERATOR_ONLY | LSM_EXTRAS <= set(BY_NAME)
