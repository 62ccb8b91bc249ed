/* Packet pointers across calls: a helper that may move the packet (pull, store, checksum
 * rewrites, XDP head/meta/tail moves, a tail call) turns every packet pointer the program
 * holds, in any frame, in a register or spilled, into a scalar; so does a call of a global
 * function that calls such a helper anywhere in its body, or through the functions it calls.
 * And only some helpers may be handed a packet pointer at all. */
#include "corpus.h"

#include "prog_array.h"

#define P_IMMS IMMS, __imm_addr(progs), __imm(bpf_skb_pull_data), __imm(bpf_l3_csum_replace),        \
	__imm(bpf_l4_csum_replace), __imm(bpf_xdp_adjust_meta), __imm(bpf_xdp_adjust_tail)
#define P_CASE(sec, name, body)                                                                   \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: P_IMMS : __clobber_all);                                    \
	}

/* tc: r6 = ctx, r7 = data checked for 14 bytes, r8 = data_end; else return 0 */
#define TC_CHECKED "r6 = r1; r7 = *(u32 *)(r6 + 76); r8 = *(u32 *)(r6 + 80); r2 = r7; r2 += 14;" \
	"if r2 > r8 goto 9f;"
/* xdp: the same with xdp_md's data and data_end */
#define XDP_CHECKED "r6 = r1; r7 = *(u32 *)(r6 + 0); r8 = *(u32 *)(r6 + 4); r2 = r7; r2 += 14;" \
	"if r2 > r8 goto 9f;"
#define OUT "9: r0 = 0; exit;"

/* bpf_skb_pull_data: the checked pointer is stale after the call */
P_CASE("tc", pull_then_read_old_pointer, TC_CHECKED "r1 = r6; r2 = 0; call %[bpf_skb_pull_data];"
       "r0 = *(u8 *)(r7 + 12); exit;" OUT)
/* bpf_skb_pull_data: data and data_end reloaded and checked again */
P_CASE("tc", pull_then_reload, TC_CHECKED "r1 = r6; r2 = 0; call %[bpf_skb_pull_data];"
       "r7 = *(u32 *)(r6 + 76); r8 = *(u32 *)(r6 + 80); r2 = r7; r2 += 14; if r2 > r8 goto 9f;"
       "r0 = *(u8 *)(r7 + 12); exit;" OUT)
/* the stale pointer is an ordinary scalar: arithmetic on it is fine */
P_CASE("tc", pull_then_scalar_math, TC_CHECKED "r1 = r6; r2 = 0; call %[bpf_skb_pull_data];"
       "r0 = r7; r0 &= 0; exit;" OUT)
/* data_end held across the call is stale too: the new data's check proves nothing */
P_CASE("tc", pull_then_old_data_end, TC_CHECKED "r1 = r6; r2 = 0; call %[bpf_skb_pull_data];"
       "r7 = *(u32 *)(r6 + 76); r2 = r7; r2 += 14; if r2 > r8 goto 9f; r0 = *(u8 *)(r7 + 12); exit;" OUT)
/* a packet pointer spilled to the stack is stale when filled after the call */
P_CASE("tc", pull_then_fill_spilled_pointer, TC_CHECKED "*(u64 *)(r10 - 8) = r7; r1 = r6; r2 = 0;"
       "call %[bpf_skb_pull_data]; r7 = *(u64 *)(r10 - 8); r0 = *(u8 *)(r7 + 12); exit;" OUT)
/* bpf_skb_store_bytes from the stack: the packet may have been unshared */
P_CASE("tc", store_bytes_then_read_old_pointer, TC_CHECKED "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = r6;"
       "r2 = 0; r3 = r10; r3 += -8; r4 = 2; r5 = 0; call %[bpf_skb_store_bytes]; r0 = *(u8 *)(r7 + 12); exit;" OUT)
/* bpf_l3_csum_replace */
P_CASE("tc", l3_csum_then_read_old_pointer, TC_CHECKED "r1 = r6; r2 = 24; r3 = 0; r4 = 0; r5 = 2;"
       "call %[bpf_l3_csum_replace]; r0 = *(u8 *)(r7 + 12); exit;" OUT)
/* bpf_l4_csum_replace */
P_CASE("tc", l4_csum_then_read_old_pointer, TC_CHECKED "r1 = r6; r2 = 40; r3 = 0; r4 = 0; r5 = 2;"
       "call %[bpf_l4_csum_replace]; r0 = *(u8 *)(r7 + 12); exit;" OUT)
/* a helper that leaves the packet alone keeps the pointers */
P_CASE("tc", ktime_keeps_pointer, TC_CHECKED "call %[bpf_ktime_get_ns]; r0 = *(u8 *)(r7 + 12); exit;" OUT)
/* a tail call of the main program that falls through: had it succeeded it would not return */
P_CASE("tc", main_tail_call_keeps_pointer, TC_CHECKED "r1 = r6; r2 = %[progs] ll; r3 = 0;"
       "call %[bpf_tail_call]; r0 = *(u8 *)(r7 + 12); exit;" OUT)
/* xdp: bpf_xdp_adjust_tail */
P_CASE("xdp", adjust_tail_then_read_old_pointer, XDP_CHECKED "r1 = r6; r2 = -2; call %[bpf_xdp_adjust_tail];"
       "r0 = *(u8 *)(r7 + 12); exit;" OUT)
/* xdp: bpf_xdp_adjust_tail, then data reloaded and checked */
P_CASE("xdp", adjust_tail_then_reload, XDP_CHECKED "r1 = r6; r2 = -2; call %[bpf_xdp_adjust_tail];"
       "r7 = *(u32 *)(r6 + 0); r8 = *(u32 *)(r6 + 4); r2 = r7; r2 += 14; if r2 > r8 goto 9f;"
       "r0 = *(u8 *)(r7 + 12); r0 = 2; exit;" OUT)
/* xdp: bpf_xdp_adjust_meta makes an old data_meta stale */
P_CASE("xdp", adjust_meta_then_old_meta, "r6 = r1; r7 = *(u32 *)(r6 + 8); r8 = *(u32 *)(r6 + 0); r2 = r7;"
       "r2 += 4; if r2 > r8 goto 9f; r1 = r6; r2 = -4; call %[bpf_xdp_adjust_meta]; r0 = *(u32 *)(r7 + 0);"
       "exit;" OUT)

/* a static subprogram that pulls the packet */
SUBPROG(pull_in_subprog)
{
	asm volatile ("r2 = 0; call %[bpf_skb_pull_data]; r0 = 0; exit;" :: __imm(bpf_skb_pull_data) : __clobber_all);
}

/* the caller's frame loses its packet pointers when a static callee pulls */
P_CASE("tc", static_subprog_pulls, TC_CHECKED "r1 = r6; call pull_in_subprog; r0 = *(u8 *)(r7 + 12); exit;" OUT)

/* a static subprogram that tail-calls; one that checks its own packet pointer around one */
SUBPROG(tail_call_in_subprog)
{
	asm volatile ("r2 = %[progs] ll; r3 = 0; call %[bpf_tail_call]; r0 = 0; exit;" :: P_IMMS : __clobber_all);
}
SUBPROG(tail_call_own_pointer)
{
	asm volatile (TC_CHECKED "r1 = r6; r2 = %[progs] ll; r3 = 0; call %[bpf_tail_call]; r0 = *(u8 *)(r7 + 12);"
		      "exit;" OUT :: P_IMMS : __clobber_all);
}

/* a tail call that succeeds in a subprogram returns to its caller: the caller's pointers are stale */
P_CASE("tc", static_subprog_tail_calls, TC_CHECKED "r1 = r6; call tail_call_in_subprog; r0 = *(u8 *)(r7 + 12);"
       "exit;" OUT)
/* the subprogram's own pointer is fine after the call: that path is the failed tail call */
P_CASE("tc", subprog_pointer_after_tail_call, "call tail_call_own_pointer; r0 = 0; exit;")

/* global functions: one that pulls, one that tail-calls, one that only reads the length,
 * one that pulls on one branch only, one that pulls through a static function */
__noinline int g_pulls(struct __sk_buff *skb)
{
	return bpf_skb_pull_data(skb, 0);
}

__noinline int g_tail_calls(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &progs, 0);
	return 0;
}

__noinline int g_reads_len(struct __sk_buff *skb)
{
	return skb->len;
}

__noinline int g_pulls_if_long(struct __sk_buff *skb)
{
	if (skb->len > 10000)
		return bpf_skb_pull_data(skb, 0);
	return 0;
}

static __noinline int s_pulls(struct __sk_buff *skb)
{
	return bpf_skb_pull_data(skb, 14);
}

__noinline int g_pulls_through_static(struct __sk_buff *skb)
{
	return s_pulls(skb) + 1;
}

#define G_CASE(name, callee)                                                                      \
	SEC("tc") __naked int name(void)                                                          \
	{                                                                                         \
		asm volatile (TC_CHECKED "r1 = r6; call " #callee "; r0 = *(u8 *)(r7 + 12); exit;" OUT \
			      :: P_IMMS : __clobber_all);                                         \
	}

/* a global function that pulls: the caller's pointers are stale */
G_CASE(global_pulls, g_pulls)
/* a global function that tail-calls */
G_CASE(global_tail_calls, g_tail_calls)
/* a global function that does not: the caller's pointers stay */
G_CASE(global_reads_len, g_reads_len)
/* a pull on a branch the caller's arguments never take still counts: it is found on the CFG */
G_CASE(global_pulls_on_one_branch, g_pulls_if_long)
/* a global function that pulls through a static one */
G_CASE(global_pulls_through_static, g_pulls_through_static)

/* which helpers may be handed a packet pointer: a map key straight from the packet */
P_CASE("tc", packet_as_map_key, TC_CHECKED "r2 = r7; r1 = %[hash] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;" OUT)
/* bpf_csum_diff over packet bytes */
P_CASE("tc", packet_to_csum_diff, TC_CHECKED "r1 = r7; r2 = 8; r3 = 0; r4 = 0; r5 = 0; call %[bpf_csum_diff];"
       "r0 = 0; exit;" OUT)
/* bpf_skb_store_bytes may not copy from the packet itself */
P_CASE("tc", packet_to_store_bytes, TC_CHECKED "r1 = r6; r2 = 0; r3 = r7; r4 = 2; r5 = 0;"
       "call %[bpf_skb_store_bytes]; r0 = 0; exit;" OUT)
/* bpf_skb_load_bytes may not copy into the packet */
P_CASE("tc", packet_as_load_bytes_destination, TC_CHECKED "r1 = r6; r2 = 0; r3 = r7; r4 = 4;"
       "call %[bpf_skb_load_bytes]; r0 = 0; exit;" OUT)
/* a ring buffer record may not be filled from the packet */
P_CASE("tc", packet_to_ringbuf_output, TC_CHECKED "r1 = %[rb] ll; r2 = r7; r3 = 8; r4 = 0;"
       "call %[bpf_ringbuf_output]; r0 = 0; exit;" OUT)
/* cgroup_skb reads the packet directly and may use it as a map key */
P_CASE("cgroup_skb/ingress", cgroup_packet_as_map_key, TC_CHECKED "r2 = r7; r1 = %[hash] ll;"
       "call %[bpf_map_lookup_elem]; r0 = 1; exit; 9: r0 = 1; exit;")
/* xdp: a map key from the packet */
P_CASE("xdp", xdp_packet_as_map_key, XDP_CHECKED "r2 = r7; r1 = %[hash] ll; call %[bpf_map_lookup_elem];"
       "r0 = 2; exit;" OUT)
/* xdp: bpf_ringbuf_output from the packet */
P_CASE("xdp", xdp_packet_to_ringbuf_output, XDP_CHECKED "r1 = %[rb] ll; r2 = r7; r3 = 8; r4 = 0;"
       "call %[bpf_ringbuf_output]; r0 = 2; exit;" OUT)
