/* Helper availability: which program types may call which helpers. Each case makes one call
 * with valid arguments; only the program type decides. */
#include "corpus.h"

/* the packet-bytes helper: r2 = offset 0, r3 = fp-8, r4 = 4 */
#define LOAD_BYTES "r2 = 0; r3 = r10; r3 += -8; r4 = 4; call %[bpf_skb_load_bytes]; r0 = 0; exit;"
/* the current task's pid/tgid */
#define PID_TGID "call %[bpf_get_current_pid_tgid]; r0 = 0; exit;"
/* the current task's name into fp-16 */
#define COMM "r1 = r10; r1 += -16; r2 = 16; call %[bpf_get_current_comm]; r0 = 0; exit;"
/* a checksum difference of 4 stack bytes */
#define CSUM "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = 0; r2 = 0; r3 = r10; r3 += -8; r4 = 4; r5 = 0; call %[bpf_csum_diff]; r0 = 0; exit;"
/* the XDP head adjustment by 0 */
#define ADJUST_HEAD "r2 = 0; call %[bpf_xdp_adjust_head]; r0 = 2; exit;"

ASM_CASE("socket", socket_skb_load_bytes, LOAD_BYTES)
ASM_CASE("tc", tc_skb_load_bytes, LOAD_BYTES)
ASM_CASE("cgroup_skb/ingress", cgskb_skb_load_bytes, "r2 = 0; r3 = r10; r3 += -8; r4 = 4; call %[bpf_skb_load_bytes]; r0 = 1; exit;")
ASM_CASE("xdp", xdp_skb_load_bytes, LOAD_BYTES)
ASM_CASE("kprobe", kprobe_skb_load_bytes, LOAD_BYTES)
ASM_CASE("syscall", syscall_skb_load_bytes, LOAD_BYTES)
ASM_CASE("socket", socket_pid_tgid, PID_TGID)
ASM_CASE("kprobe", kprobe_pid_tgid, PID_TGID)
ASM_CASE("tracepoint/syscalls/sys_enter_nanosleep", tracepoint_pid_tgid, PID_TGID)
ASM_CASE("syscall", syscall_pid_tgid, PID_TGID)
ASM_CASE("cgroup_skb/egress", cgskb_pid_tgid, "call %[bpf_get_current_pid_tgid]; r0 = 1; exit;")
ASM_CASE("socket", socket_current_comm, COMM)
ASM_CASE("kprobe", kprobe_current_comm, COMM)
ASM_CASE("xdp", xdp_current_comm, COMM)
ASM_CASE("socket", socket_csum_diff, CSUM)
ASM_CASE("tc", tc_csum_diff, CSUM)
ASM_CASE("xdp", xdp_csum_diff, "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = 0; r2 = 0; r3 = r10; r3 += -8; r4 = 4; r5 = 0; call %[bpf_csum_diff]; r0 = 2; exit;")
ASM_CASE("xdp", xdp_adjust_head, ADJUST_HEAD)
ASM_CASE("tc", tc_xdp_adjust_head, ADJUST_HEAD)
ASM_CASE("tc", tc_skb_store_bytes, "r2 = 0; r3 = r10; r3 += -8; r4 = 0; *(u64 *)(r10 - 8) = r4; r4 = 2; r5 = 0; call %[bpf_skb_store_bytes]; r0 = 0; exit;")
ASM_CASE("socket", socket_skb_store_bytes, "r2 = 0; r3 = r10; r3 += -8; r4 = 0; *(u64 *)(r10 - 8) = r4; r4 = 2; r5 = 0; call %[bpf_skb_store_bytes]; r0 = 0; exit;")
ASM_CASE("socket", socket_jiffies64, "call %[bpf_jiffies64]; r0 = 0; exit;")
ASM_CASE("socket", socket_numa_node_id, "call %[bpf_get_numa_node_id]; r0 = 0; exit;")
ASM_CASE("syscall", syscall_ktime, "call %[bpf_ktime_get_ns]; r0 = 0; exit;")
ASM_CASE("syscall", syscall_map_lookup, LOOKUP(array) "r0 = 0; exit;")
ASM_CASE("xdp", xdp_ringbuf_output, "r1 = %[rb] ll; r2 = r10; r2 += -8; r3 = 0; *(u64 *)(r10 - 8) = r3; r3 = 8; r4 = 0; call %[bpf_ringbuf_output]; r0 = 2; exit;")
ASM_CASE("perf_event", perf_event_smp_processor_id, "call %[bpf_get_smp_processor_id]; r0 = 0; exit;")
ASM_CASE("raw_tracepoint/sys_enter", raw_tp_probe_read_kernel, "r1 = r10; r1 += -8; r2 = 8; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
