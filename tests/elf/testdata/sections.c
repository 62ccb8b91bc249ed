/* One small program per SEC() family, to check the program types libbpf gives them. */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";
__u32 VERSION SEC("version") = 0x060100;

#define PROG(sec, name) \
	SEC(sec) int name(void *ctx) { return 0; }

PROG("socket", socket_prog)
PROG("kprobe/do_unlinkat", kprobe_prog)
PROG("kretprobe/do_unlinkat", kretprobe_prog)
PROG("uprobe", uprobe_prog)
PROG("ksyscall/openat", ksyscall_prog)
PROG("kprobe.multi/bpf_fentry_test*", kprobe_multi_prog)
PROG("tracepoint/syscalls/sys_enter_openat", tracepoint_prog)
PROG("tp/sched/sched_switch", tp_prog)
PROG("raw_tracepoint/sys_enter", raw_tracepoint_prog)
PROG("raw_tp/sys_exit", raw_tp_prog)
PROG("raw_tp.w/bpf_test_finish", raw_tp_writable_prog)
PROG("tp_btf/sched_switch", tp_btf_prog)
PROG("fentry/bpf_fentry_test1", fentry_prog)
PROG("fexit/bpf_fentry_test1", fexit_prog)
PROG("fmod_ret/bpf_modify_return_test", fmod_ret_prog)
PROG("fentry.s/bpf_fentry_test1", fentry_sleepable_prog)
PROG("freplace/handler", freplace_prog)
PROG("lsm/file_open", lsm_prog)
PROG("lsm.s/file_open", lsm_sleepable_prog)
PROG("iter/task", iter_prog)
PROG("xdp", xdp_prog)
PROG("xdp", xdp_second_prog)
PROG("xdp.frags", xdp_frags_prog)
PROG("tc", tc_prog)
PROG("tc/ingress", tc_ingress_prog)
PROG("tcx/egress", tcx_egress_prog)
PROG("classifier", classifier_prog)
PROG("action", action_prog)
PROG("syscall", syscall_prog)
PROG("cgroup_skb/ingress", cgroup_skb_prog)
PROG("sk_lookup", sk_lookup_prog)
PROG("perf_event", perf_event_prog)
PROG("struct_ops/test_1", struct_ops_prog)
PROG("?tc", not_autoloaded_prog)
