/* Return values: the range each program type's exit must return in, and the rules for
 * subprograms' returns. */
#include "corpus.h"

ASM_CASE("cgroup_skb/ingress", cgskb_ingress_returns_1, "r0 = 1; exit;")
ASM_CASE("cgroup_skb/ingress", cgskb_ingress_returns_0, "r0 = 0; exit;")
ASM_CASE("cgroup_skb/ingress", cgskb_ingress_returns_2, "r0 = 2; exit;")
ASM_CASE("cgroup_skb/egress", cgskb_egress_returns_3, "r0 = 3; exit;")
ASM_CASE("cgroup_skb/egress", cgskb_egress_returns_4, "r0 = 4; exit;")
ASM_CASE("cgroup_skb/ingress", cgskb_returns_negative, "r0 = -1; exit;")
ASM_CASE("cgroup_skb/ingress", cgskb_returns_unknown, "call %[bpf_get_prandom_u32]; exit;")
ASM_CASE("cgroup_skb/ingress", cgskb_returns_masked, "call %[bpf_get_prandom_u32]; r0 &= 1; r0 = 1; exit;")
ASM_CASE("cgroup_skb/ingress", cgskb_returns_masked_unknown, "r0 = *(u32 *)(r1 + 0); r0 &= 1; exit;")
ASM_CASE("cgroup_skb/ingress", cgskb_returns_upper_bits, "r0 = 0x100000001 ll; exit;")
ASM_CASE("cgroup_skb/ingress", cgskb_returns_pointer, "r0 = r1; exit;")
ASM_CASE("cgroup_skb/ingress", cgskb_returns_w0, "w0 = 1; exit;")
ASM_CASE("xdp", xdp_returns_pass, "r0 = 2; exit;")
ASM_CASE("xdp", xdp_returns_7, "r0 = 7; exit;")
ASM_CASE("xdp", xdp_returns_negative, "r0 = -1; exit;")
ASM_CASE("tc", tc_returns_minus_one, "r0 = -1; exit;")
ASM_CASE("tc", tc_returns_large, "r0 = 1000; exit;")
ASM_CASE("socket", socket_returns_large, "r0 = 0xffff; exit;")
ASM_CASE("syscall", syscall_returns_negative, "r0 = -5; exit;")
ASM_CASE("kprobe", kprobe_returns_unknown, "call %[bpf_get_prandom_u32]; exit;")
ASM_CASE("perf_event", perf_event_returns_unknown, "call %[bpf_get_prandom_u32]; exit;")
ASM_CASE("raw_tracepoint/sys_enter", raw_tp_returns_one, "r0 = 1; exit;")

SUBPROG(returns_fp)
{
	asm volatile ("r0 = r10; exit;" ::: __clobber_all);
}
SUBPROG(returns_ctx)
{
	asm volatile ("r0 = r1; exit;" ::: __clobber_all);
}

/* a static subprogram may not return its own stack */
ASM_CASE("socket", subprog_returns_fp, "call returns_fp; r0 = 0; exit;")
/* a static subprogram may return its caller's context */
ASM_CASE("socket", subprog_returns_ctx, "call returns_ctx; r0 = *(u32 *)(r0 + 0); exit;")

__noinline int global_add(int a, int b)
{
	return a + b;
}

__noinline int global_reads_ctx(struct __sk_buff *skb)
{
	if (!skb)
		return 0;
	return skb->len;
}

/* a global function returns a scalar */
SEC("socket") int global_func_scalar(struct __sk_buff *skb)
{
	return global_add(2, 3);
}

/* a global function is verified on its own: its context argument may be null */
SEC("socket") int global_func_ctx(struct __sk_buff *skb)
{
	return global_reads_ctx(skb);
}

/* a global function called with a scalar where its BTF says the context */
ASM_CASE("socket", global_func_scalar_as_ctx, "r1 = 5; call global_reads_ctx; exit;")
