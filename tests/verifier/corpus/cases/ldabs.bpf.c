/* The legacy packet loads (BPF_LD | BPF_ABS / BPF_IND): socket filters and tc may use them,
 * with the context in r6; they clobber r1-r5 and return big-endian values in r0. */
#include "corpus.h"

/* a byte at an absolute offset (the socket filter sees the IP header first) */
ASM_CASE("socket", abs_byte_socket, "r6 = r1; r0 = *(u8 *)skb[9]; exit;")
/* a half word at an absolute offset in tc (the Ethernet type) */
ASM_CASE("tc", abs_half_tc, "r6 = r1; r0 = *(u16 *)skb[12]; exit;")
/* a word at an indirect offset */
ASM_CASE("socket", ind_word, "r6 = r1; r7 = 12; r0 = *(u32 *)skb[r7]; exit;")
/* r6 is not the context */
ASM_CASE("socket", abs_without_ctx_in_r6, "r6 = 0; r0 = *(u8 *)skb[9]; exit;")
/* r1-r5 are clobbered */
ASM_CASE("socket", abs_clobbers_r2, "r6 = r1; r2 = 1; r0 = *(u8 *)skb[9]; r0 = r2; exit;")
/* r7 survives */
ASM_CASE("socket", abs_keeps_r7, "r6 = r1; r7 = 4; r0 = *(u8 *)skb[9]; r0 = r7; exit;")
/* xdp has no legacy packet loads */
ASM_CASE("xdp", abs_in_xdp, "r6 = r1; r0 = *(u8 *)skb[9]; r0 = 2; exit;")
/* syscall programs neither */
ASM_CASE("syscall", abs_in_syscall, "r6 = r1; r0 = *(u8 *)skb[9]; exit;")
/* an offset past the packet ends the program with 0 */
ASM_CASE("socket", abs_past_packet, "r6 = r1; r0 = *(u8 *)skb[4000]; r0 = 7; exit;")
