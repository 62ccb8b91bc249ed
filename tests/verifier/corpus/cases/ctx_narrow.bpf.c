/* Narrow and odd-sized context loads, program type by program type: which fields may be read
 * a byte or a half at a time (and at which of their bytes), which only whole. */
#include "corpus.h"

/* skb->len, its low byte and its high byte */
ASM_CASE("socket", skb_len_byte0, "r0 = *(u8 *)(r1 + 0); exit;")
ASM_CASE("socket", skb_len_byte3, "r0 = *(u8 *)(r1 + 3); r0 = 0; exit;")
/* skb->len, its high half */
ASM_CASE("socket", skb_len_half_high, "r0 = *(u16 *)(r1 + 2); r0 = 0; exit;")
/* skb->len as 8 bytes */
ASM_CASE("socket", skb_len_dword, "r0 = *(u64 *)(r1 + 0); r0 = 0; exit;")
/* skb->protocol's half (offset 16) */
ASM_CASE("tc", skb_protocol_half, "r0 = *(u16 *)(r1 + 16); r0 = 0; exit;")
/* skb->data, one byte of the pointer */
ASM_CASE("tc", skb_data_byte, "r0 = *(u8 *)(r1 + 76); r0 = 0; exit;")
/* skb->data, its low half */
ASM_CASE("tc", skb_data_half, "r0 = *(u16 *)(r1 + 76); r0 = 0; exit;")
/* skb->data_end as 8 bytes */
ASM_CASE("tc", skb_data_end_dword, "r0 = *(u64 *)(r1 + 80); r0 = 0; exit;")
/* skb->mark's second byte */
ASM_CASE("tc", skb_mark_byte1, "r0 = *(u8 *)(r1 + 9); r0 = 0; exit;")
/* skb->tc_classid from tc */
ASM_CASE("tc", skb_tc_classid_tc, "r0 = *(u32 *)(r1 + 48); r0 = 0; exit;")
/* skb->tc_classid from a socket filter */
ASM_CASE("socket", skb_tc_classid_socket, "r0 = *(u32 *)(r1 + 48); r0 = 0; exit;")
/* skb->cb[0]'s first byte */
ASM_CASE("socket", skb_cb_byte, "r0 = *(u8 *)(r1 + 48); r0 = 0; exit;")
/* skb->cb as 8 bytes */
ASM_CASE("socket", skb_cb_dword, "r0 = *(u64 *)(r1 + 48); r0 = 0; exit;")
/* skb->hash's high half */
ASM_CASE("tc", skb_hash_half, "r0 = *(u16 *)(r1 + 42); r0 = 0; exit;")
/* skb->tstamp as 8 bytes from tc */
ASM_CASE("tc", skb_tstamp_dword, "r0 = *(u64 *)(r1 + 152); r0 = 0; exit;")
/* skb->tstamp as 4 bytes */
ASM_CASE("tc", skb_tstamp_word, "r0 = *(u32 *)(r1 + 152); r0 = 0; exit;")
/* skb->sk as 8 bytes from tc */
ASM_CASE("tc", skb_sk_dword, "r0 = *(u64 *)(r1 + 168); r0 = 0; exit;")
/* skb->sk as 4 bytes */
ASM_CASE("tc", skb_sk_word, "r0 = *(u32 *)(r1 + 168); r0 = 0; exit;")
/* xdp_md->data, a byte */
ASM_CASE("xdp", xdp_data_byte, "r0 = *(u8 *)(r1 + 0); r0 = 2; exit;")
/* xdp_md->ingress_ifindex, a byte */
ASM_CASE("xdp", xdp_ifindex_byte, "r0 = *(u8 *)(r1 + 12); r0 = 2; exit;")
/* xdp_md->rx_queue_index, a half */
ASM_CASE("xdp", xdp_queue_half, "r0 = *(u16 *)(r1 + 16); r0 = 2; exit;")
/* xdp_md->egress_ifindex, past the end of what xdp reads in 6.18? */
ASM_CASE("xdp", xdp_egress_ifindex, "r0 = *(u32 *)(r1 + 20); r0 = 2; exit;")
/* xdp_md past its end */
ASM_CASE("xdp", xdp_past_end, "r0 = *(u32 *)(r1 + 24); r0 = 2; exit;")
/* a misaligned skb read */
ASM_CASE("socket", skb_misaligned_word, "r0 = *(u32 *)(r1 + 1); r0 = 0; exit;")
/* a narrow write into skb->mark */
ASM_CASE("tc", skb_mark_byte_write, "r2 = 1; *(u8 *)(r1 + 8) = r2; r0 = 0; exit;")
/* sock_ops->op, a byte */
ASM_CASE("sockops", sockops_op_byte, "r0 = *(u8 *)(r1 + 0); r0 = 1; exit;")
/* bpf_sock->family, a half (cgroup/sock_create) */
ASM_CASE("cgroup/sock_create", sock_family_half, "r0 = *(u16 *)(r1 + 4); r0 = 1; exit;")
/* bpf_sock_addr->user_port, a half */
ASM_CASE("cgroup/connect4", sock_addr_port_half, "r0 = *(u16 *)(r1 + 24); r0 = 1; exit;")
/* bpf_sock_addr->user_ip4, a byte */
ASM_CASE("cgroup/connect4", sock_addr_ip4_byte, "r0 = *(u8 *)(r1 + 4); r0 = 1; exit;")
