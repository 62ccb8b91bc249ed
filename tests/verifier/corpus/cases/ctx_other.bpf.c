/* The contexts of xdp (struct xdp_md: data 0, data_end 4, data_meta 8, ingress_ifindex 12,
 * rx_queue_index 16, egress_ifindex 20), cgroup_skb, syscall (the caller's buffer), kprobe
 * (struct pt_regs), tracepoint and perf_event programs. */
#include "corpus.h"

/* xdp: data and data_end */
ASM_CASE("xdp", xdp_read_data, "r2 = *(u32 *)(r1 + 0); r3 = *(u32 *)(r1 + 4); r0 = 2; exit;")
/* xdp: rx_queue_index */
ASM_CASE("xdp", xdp_read_rx_queue, "r0 = *(u32 *)(r1 + 16); r0 = 2; exit;")
/* xdp: egress_ifindex needs a devmap program */
ASM_CASE("xdp", xdp_read_egress_ifindex, "r0 = *(u32 *)(r1 + 20); r0 = 2; exit;")
/* xdp: past the end */
ASM_CASE("xdp", xdp_read_past_end, "r0 = *(u32 *)(r1 + 24); r0 = 2; exit;")
/* xdp: the context is read-only */
ASM_CASE("xdp", xdp_write_data, "r2 = 0; *(u32 *)(r1 + 0) = r2; r0 = 2; exit;")
/* xdp: an 8-byte read of data */
ASM_CASE("xdp", xdp_wide_read_data, "r2 = *(u64 *)(r1 + 0); r0 = 2; exit;")
/* xdp: a narrow read of ingress_ifindex */
ASM_CASE("xdp", xdp_narrow_ifindex, "r2 = *(u8 *)(r1 + 12); r0 = 2; exit;")
/* cgroup_skb: len, returned as a verdict bit */
ASM_CASE("cgroup_skb/ingress", cgskb_read_len, "r0 = *(u32 *)(r1 + 0); r0 = 1; exit;")
/* cgroup_skb: data and data_end */
ASM_CASE("cgroup_skb/ingress", cgskb_read_data, "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); r0 = 1; exit;")
/* cgroup_skb: write mark */
ASM_CASE("cgroup_skb/egress", cgskb_write_mark, "r2 = 1; *(u32 *)(r1 + 8) = r2; r0 = 1; exit;")
/* cgroup_skb: tc_classid is tc's */
ASM_CASE("cgroup_skb/ingress", cgskb_read_tc_classid, "r2 = *(u32 *)(r1 + 72); r0 = 1; exit;")
/* cgroup_skb: write cb[1] */
ASM_CASE("cgroup_skb/ingress", cgskb_write_cb1, "r2 = 1; *(u32 *)(r1 + 52) = r2; r0 = 1; exit;")
/* cgroup_skb: family and local_port */
ASM_CASE("cgroup_skb/ingress", cgskb_read_sock_fields, "r2 = *(u32 *)(r1 + 88); r3 = *(u32 *)(r1 + 136); r0 = 1; exit;")
/* syscall: the context is the caller's buffer, read */
ASM_CASE("syscall", syscall_read_ctx, "r0 = *(u32 *)(r1 + 4); exit;")
/* syscall: written and read back */
ASM_CASE("syscall", syscall_write_ctx, "r2 = 77; *(u64 *)(r1 + 8) = r2; r0 = *(u64 *)(r1 + 8); exit;")
/* syscall: a misaligned read */
ASM_CASE("syscall", syscall_misaligned_read, "r0 = *(u32 *)(r1 + 2); exit;")
/* syscall: a byte read */
ASM_CASE("syscall", syscall_byte_read, "r0 = *(u8 *)(r1 + 5); exit;")
/* syscall: a negative offset */
ASM_CASE("syscall", syscall_negative_offset, "r0 = *(u32 *)(r1 - 4); exit;")
/* syscall: a moved context pointer */
ASM_CASE("syscall", syscall_modified_ctx, "r1 += 8; r0 = *(u32 *)(r1 + 0); exit;")
/* kprobe: read a register of pt_regs (di) */
ASM_CASE("kprobe", kprobe_read_regs, "r0 = *(u64 *)(r1 + 112); r0 = 0; exit;")
/* kprobe: pt_regs is read-only */
ASM_CASE("kprobe", kprobe_write_regs, "r2 = 0; *(u64 *)(r1 + 112) = r2; r0 = 0; exit;")
/* kprobe: past the end of pt_regs */
ASM_CASE("kprobe", kprobe_read_past_end, "r0 = *(u64 *)(r1 + 168); r0 = 0; exit;")
/* kprobe: a narrow read */
ASM_CASE("kprobe", kprobe_narrow_read, "r0 = *(u32 *)(r1 + 112); r0 = 0; exit;")
/* tracepoint: the raw record, read */
ASM_CASE("tracepoint/syscalls/sys_enter_nanosleep", tp_read_record, "r0 = *(u64 *)(r1 + 16); r0 = 0; exit;")
/* tracepoint: the record is read-only */
ASM_CASE("tracepoint/syscalls/sys_enter_nanosleep", tp_write_record, "r2 = 0; *(u64 *)(r1 + 16) = r2; r0 = 0; exit;")
/* perf_event: sample_period */
ASM_CASE("perf_event", perf_read_sample_period, "r0 = *(u64 *)(r1 + 168); r0 = 0; exit;")
/* perf_event: a narrow read of sample_period */
ASM_CASE("perf_event", perf_narrow_sample_period, "r0 = *(u32 *)(r1 + 168); r0 = 0; exit;")
/* raw_tracepoint: the first argument */
ASM_CASE("raw_tracepoint/sys_enter", raw_tp_read_arg0, "r0 = *(u64 *)(r1 + 0); r0 = 0; exit;")
/* raw_tracepoint: a misaligned argument */
ASM_CASE("raw_tracepoint/sys_enter", raw_tp_misaligned_arg, "r0 = *(u64 *)(r1 + 4); r0 = 0; exit;")
