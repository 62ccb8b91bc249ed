/* Programs under a non-GPL license: the GPL-only helpers are refused to them, the others are
 * not. */
#define LICENSE "Dual MIT/Proprietary"
#include "corpus.h"

/* bpf_trace_printk is GPL-only */
ASM_CASE("socket", trace_printk, "r1 = 0x0a6968; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; r2 = 4; call %[bpf_trace_printk]; r0 = 0; exit;")
/* bpf_probe_read_kernel is GPL-only */
ASM_CASE("kprobe", probe_read_kernel, "r1 = r10; r1 += -8; r2 = 8; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* bpf_ktime_get_ns is not */
ASM_CASE("socket", ktime_get_ns, "call %[bpf_ktime_get_ns]; r0 = 0; exit;")
/* map helpers are not */
ASM_CASE("socket", map_lookup, LOOKUP(hash) "r0 = 1; exit;")
/* bpf_get_current_pid_tgid is not */
ASM_CASE("kprobe", pid_tgid, "call %[bpf_get_current_pid_tgid]; r0 = 0; exit;")
/* bpf_ringbuf_output is not */
ASM_CASE("socket", ringbuf_output, "r1 = %[rb] ll; r2 = r10; r2 += -8; r3 = 0; *(u64 *)(r10 - 8) = r3; r3 = 8; r4 = 0; call %[bpf_ringbuf_output]; r0 = 0; exit;")
/* bpf_skb_load_bytes is not */
ASM_CASE("tc", skb_load_bytes, "r2 = 0; r3 = r10; r3 += -8; r4 = 4; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
/* bpf_get_current_comm is not */
ASM_CASE("kprobe", current_comm, "r1 = r10; r1 += -16; r2 = 16; call %[bpf_get_current_comm]; r0 = 0; exit;")
SUBPROG(loop_cb)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}
/* bpf_loop is not */
ASM_CASE("socket", loop_helper, "r1 = 1; r2 = loop_cb ll; r3 = 0; r4 = 0; call %[bpf_loop]; exit;")

struct timer_elem {
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct timer_elem);
} timers SEC(".maps");

/* the timer helpers are GPL-only */
SEC("syscall") int timer_init(void *ctx)
{
	__u32 key = 0;
	struct timer_elem *e = bpf_map_lookup_elem(&timers, &key);

	if (!e)
		return 0;
	return bpf_timer_init(&e->t, &timers, CLOCK_MONOTONIC);
}
