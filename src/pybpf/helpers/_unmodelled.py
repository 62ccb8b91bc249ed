"""The helpers pybpf declares so that programs calling them load (and are checked) as on the
kernel, but whose objects it does not model: a run that reaches one fails, naming it and why.

Most belong to program types pybpf loads but has no hook to run (sock_ops, sk_msg, sk_skb,
cgroup sysctl and sockopt programs, LSM hooks on inodes and binaries, lirc), or act on kernel
state that a user-space runtime cannot reproduce (the boot's SYN cookie and flow hash secrets,
perf counters, the bpf() syscall from a program).
"""

from __future__ import annotations

from ._impl import unmodelled

_SOCKETS = "pybpf has no sockets behind sock_ops, sk_msg and sk_skb programs (Program.run gives them a context only)"
_HOOKS = "pybpf has no hook that runs this program type (it loads, nothing runs it)"
_SECRET = "the kernel's result depends on a secret chosen at boot, which pybpf cannot reproduce"
_PERF = "pybpf has no perf event counters or branch records"
_OBJECTS = "pybpf models no such kernel object (inode, file, path, binary, IMA, tunnel, xfrm state)"

_REASONS: dict[str, str] = {
    **dict.fromkeys(
        ["bpf_setsockopt", "bpf_getsockopt", "bpf_sock_ops_cb_flags_set",
         "bpf_msg_apply_bytes", "bpf_msg_cork_bytes", "bpf_msg_pull_data", "bpf_bind", "bpf_sk_select_reuseport",
         "bpf_msg_push_data", "bpf_msg_pop_data", "bpf_load_hdr_opt", "bpf_store_hdr_opt", "bpf_reserve_hdr_opt",
         "bpf_tcp_send_ack", "bpf_tcp_check_syncookie", "bpf_tcp_gen_syncookie", "bpf_sock_from_file"],
        _SOCKETS),
    **dict.fromkeys(
        ["bpf_get_retval", "bpf_set_retval", "bpf_rc_repeat", "bpf_rc_keydown",
         "bpf_rc_pointer_rel", "bpf_seq_printf_btf"],
        _HOOKS),
    **dict.fromkeys(
        ["bpf_lwt_seg6_store_bytes", "bpf_lwt_seg6_adjust_srh", "bpf_lwt_seg6_action", "bpf_override_return",
         "bpf_probe_write_user"],
        "no program type may call it on the modelled kernel"),
    **dict.fromkeys(
        ["bpf_get_hash_recalc", "bpf_tcp_raw_gen_syncookie_ipv4", "bpf_tcp_raw_gen_syncookie_ipv6",
         "bpf_tcp_raw_check_syncookie_ipv4", "bpf_tcp_raw_check_syncookie_ipv6"],
        _SECRET),
    **dict.fromkeys(
        ["bpf_perf_prog_read_value", "bpf_read_branch_records"],
        _PERF),
    **dict.fromkeys(
        ["bpf_inode_storage_get", "bpf_inode_storage_delete", "bpf_d_path", "bpf_bprm_opts_set",
         "bpf_ima_inode_hash", "bpf_ima_file_hash", "bpf_task_pt_regs",
         "bpf_skb_output", "bpf_xdp_output"],
        _OBJECTS),
    **dict.fromkeys(
        ["bpf_sys_bpf", "bpf_btf_find_by_name_kind", "bpf_sys_close", "bpf_kallsyms_lookup_name"],
        "pybpf's syscall programs have no bpf() syscall, file table or kernel symbols to reach"),
}

for _name, _why in _REASONS.items():
    unmodelled(_name, _why)
