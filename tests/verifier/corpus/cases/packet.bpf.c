/* Direct packet access: reads and writes only below a proven data_end, the comparisons that
 * prove it, variable offsets, helpers that move the packet, and data_meta. */
#include "corpus.h"

/* tc: r2 = data, r3 = data_end */
#define TC_PKT "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80);"
/* xdp: r2 = data, r3 = data_end */
#define XDP_PKT "r2 = *(u32 *)(r1 + 0); r3 = *(u32 *)(r1 + 4);"

/* a read inside the checked 14 bytes (the ethertype's low byte) */
ASM_CASE("tc", tc_read_inside_check, TC_PKT "r4 = r2; r4 += 14; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 12); exit; 1: r0 = 0; exit;")
/* a read one byte past the checked range */
ASM_CASE("tc", tc_read_past_check, TC_PKT "r4 = r2; r4 += 14; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 14); exit; 1: r0 = 0; exit;")
/* a read with no check */
ASM_CASE("tc", tc_read_unchecked, TC_PKT "r0 = *(u8 *)(r2 + 0); exit;")
/* a check on the wrong side of the branch */
ASM_CASE("tc", tc_check_wrong_side, TC_PKT "r4 = r2; r4 += 14; if r4 > r3 goto 1f; r0 = 0; exit; 1: r0 = *(u8 *)(r2 + 0); exit;")
/* the check written data_end < data + 14 */
ASM_CASE("tc", tc_check_reversed, TC_PKT "r4 = r2; r4 += 14; if r3 < r4 goto 1f; r0 = *(u16 *)(r2 + 12); exit; 1: r0 = 0; exit;")
/* the check written data + 14 <= data_end, taken side */
ASM_CASE("tc", tc_check_le_taken, TC_PKT "r4 = r2; r4 += 14; if r4 <= r3 goto 2f; r0 = 0; exit; 2: r0 = *(u8 *)(r2 + 13); exit;")
/* the check data + 14 >= data_end: its other side proves 15 bytes */
ASM_CASE("tc", tc_check_ge, TC_PKT "r4 = r2; r4 += 14; if r4 >= r3 goto 1f; r0 = *(u8 *)(r2 + 13); exit; 1: r0 = 0; exit;")
/* a negative offset below data */
ASM_CASE("tc", tc_read_before_data, TC_PKT "r4 = r2; r4 += 14; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 - 1); exit; 1: r0 = 0; exit;")
/* tc may write the packet */
ASM_CASE("tc", tc_write_packet, TC_PKT "r4 = r2; r4 += 14; if r4 > r3 goto 1f; r5 = 0x42; *(u8 *)(r2 + 0) = r5; r0 = *(u8 *)(r2 + 0); exit; 1: r0 = 0; exit;")
/* arithmetic on data_end */
ASM_CASE("tc", tc_data_end_arith, TC_PKT "r3 += -4; r0 = 0; exit;")
/* a variable offset bounded by a mask, then checked */
ASM_CASE("tc", tc_variable_offset_checked, TC_PKT "r4 = r2; r4 += 1; if r4 > r3 goto 1f; r5 = *(u8 *)(r2 + 0); r5 &= 7;"
	 "r2 += r5; r4 = r2; r4 += 8; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 7); exit; 1: r0 = 0; exit;")
/* a variable offset checked before it was added */
ASM_CASE("tc", tc_variable_offset_checked_before, TC_PKT "r4 = r2; r4 += 16; if r4 > r3 goto 1f; r5 = *(u8 *)(r2 + 0); r5 &= 7;"
	 "r2 += r5; r0 = *(u8 *)(r2 + 15); exit; 1: r0 = 0; exit;")
/* an unbounded variable offset */
ASM_CASE("tc", tc_variable_offset_unbounded, TC_PKT "r4 = r2; r4 += 1; if r4 > r3 goto 1f; r5 = *(u32 *)(r1 + 0);"
	 "r2 += r5; r4 = r2; r4 += 8; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 0); exit; 1: r0 = 0; exit;")
/* a large constant offset added to data */
ASM_CASE("tc", tc_huge_constant_offset, TC_PKT "r2 += 0x10000; r4 = r2; r4 += 1; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 0); exit; 1: r0 = 0; exit;")
/* a packet pointer survives a helper that does not move the packet */
ASM_CASE("tc", tc_pointer_survives_helper, "r6 = r1;" "r2 = *(u32 *)(r6 + 76); r3 = *(u32 *)(r6 + 80); r7 = r2; r4 = r2; r4 += 14;"
	 "if r4 > r3 goto 1f; call %[bpf_get_prandom_u32]; r0 = *(u8 *)(r7 + 12); exit; 1: r0 = 0; exit;")
/* bpf_skb_load_bytes copies packet bytes to the stack */
ASM_CASE("tc", tc_skb_load_bytes, "r2 = 12; r3 = r10; r3 += -8; r4 = 2; call %[bpf_skb_load_bytes]; r0 = *(u8 *)(r10 - 8); exit;")
/* bpf_skb_load_bytes into too small a stack buffer */
ASM_CASE("tc", tc_skb_load_bytes_overflow, "r2 = 12; r3 = r10; r3 += -8; r4 = 16; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
/* tc: data_meta up to data */
ASM_CASE("tc", tc_meta_checked, "r2 = *(u32 *)(r1 + 140); r3 = *(u32 *)(r1 + 76); r4 = r2; r4 += 4; if r4 > r3 goto 1f;"
	 "r0 = *(u32 *)(r2 + 0); r0 = 0; exit; 1: r0 = 0; exit;")
/* socket filters have no direct packet access */
ASM_CASE("socket", socket_no_packet_access, "r2 = *(u32 *)(r1 + 76); r0 = 0; exit;")
/* cgroup_skb may read the packet */
ASM_CASE("cgroup_skb/ingress", cgskb_read_packet, TC_PKT "r4 = r2; r4 += 1; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 0); r0 = 1; exit; 1: r0 = 1; exit;")
/* cgroup_skb may not write it */
ASM_CASE("cgroup_skb/ingress", cgskb_write_packet, TC_PKT "r4 = r2; r4 += 1; if r4 > r3 goto 1f; r5 = 0; *(u8 *)(r2 + 0) = r5; r0 = 1; exit; 1: r0 = 1; exit;")
/* xdp: a read inside the check, returned as the verdict's source */
ASM_CASE("xdp", xdp_read_inside_check, XDP_PKT "r4 = r2; r4 += 14; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 12); r0 >>= 2; exit; 1: r0 = 0; exit;")
/* xdp: a read past the check */
ASM_CASE("xdp", xdp_read_past_check, XDP_PKT "r4 = r2; r4 += 14; if r4 > r3 goto 1f; r0 = *(u32 *)(r2 + 12); exit; 1: r0 = 0; exit;")
/* xdp: a write inside the check */
ASM_CASE("xdp", xdp_write_packet, XDP_PKT "r4 = r2; r4 += 14; if r4 > r3 goto 1f; r5 = 0; *(u16 *)(r2 + 0) = r5; r0 = 2; exit; 1: r0 = 0; exit;")
/* xdp: bpf_xdp_adjust_head invalidates packet pointers */
ASM_CASE("xdp", xdp_adjust_head_invalidates, "r6 = r1;" "r2 = *(u32 *)(r6 + 0); r3 = *(u32 *)(r6 + 4); r7 = r2; r4 = r2; r4 += 14;"
	 "if r4 > r3 goto 1f; r1 = r6; r2 = 0; call %[bpf_xdp_adjust_head]; r0 = *(u8 *)(r7 + 0); exit; 1: r0 = 0; exit;")
/* xdp: packet pointers reloaded after bpf_xdp_adjust_head */
ASM_CASE("xdp", xdp_adjust_head_reloaded, "r6 = r1; r1 = r6; r2 = 0; call %[bpf_xdp_adjust_head];"
	 "r2 = *(u32 *)(r6 + 0); r3 = *(u32 *)(r6 + 4); r4 = r2; r4 += 14; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 12); r0 >>= 2; exit; 1: r0 = 0; exit;")
/* xdp: data_meta checked against data */
ASM_CASE("xdp", xdp_meta_checked, "r2 = *(u32 *)(r1 + 8); r3 = *(u32 *)(r1 + 0); r4 = r2; r4 += 4; if r4 > r3 goto 1f;"
	 "r0 = *(u32 *)(r2 + 0); r0 = 2; exit; 1: r0 = 2; exit;")
/* xdp: data_meta read unchecked */
ASM_CASE("xdp", xdp_meta_unchecked, "r2 = *(u32 *)(r1 + 8); r0 = *(u32 *)(r2 + 0); r0 = 2; exit;")
/* xdp: data_meta checked against data_end, not data */
ASM_CASE("xdp", xdp_meta_checked_against_end, "r2 = *(u32 *)(r1 + 8); r3 = *(u32 *)(r1 + 4); r4 = r2; r4 += 4; if r4 > r3 goto 1f;"
	 "r0 = *(u32 *)(r2 + 0); r0 = 2; exit; 1: r0 = 2; exit;")
/* xdp: a packet pointer compared with a non-packet pointer */
ASM_CASE("xdp", xdp_compare_with_stack_pointer, XDP_PKT "r4 = r10; if r2 > r4 goto 1f; r0 = *(u8 *)(r2 + 0); exit; 1: r0 = 0; exit;")
