/* Socket-side contexts field by field (loaded, not run): struct bpf_sock of cgroup/sock hooks
 * (src_ip4 24, src_ip6 28, src_port 44, dst_port 48 as a 16-bit field, state 72), struct
 * bpf_sock_addr of sock_addr hooks (user_family 0, user_ip4 4, user_ip6 8, user_port 24,
 * family 28, msg_src_ip4 40, sk 64) with the return values each hook allows, sk_msg_md
 * (size 68, sk 72), what lwt and flow dissector programs see of __sk_buff, and sign-extending
 * context loads. */
#include "corpus.h"

/* post_bind4: the bound address is readable */
ASM_CASE("cgroup/post_bind4", post_bind4_read_src_ip4, "r2 = *(u32 *)(r1 + 24); r0 = 1; exit;")
/* post_bind6: the IPv4 source address belongs to the other hook */
ASM_CASE("cgroup/post_bind6", post_bind6_read_src_ip4, "r2 = *(u32 *)(r1 + 24); r0 = 1; exit;")
/* sock_create: the source port is only known after bind */
ASM_CASE("cgroup/sock_create", sock_create_read_src_port, "r2 = *(u32 *)(r1 + 44); r0 = 1; exit;")
/* post_bind4: the source port is read-only */
ASM_CASE("cgroup/post_bind4", post_bind4_write_src_port, "r2 = 0; *(u32 *)(r1 + 44) = r2; r0 = 1; exit;")
/* post_bind4: bound_dev_if belongs to socket creation and release only */
ASM_CASE("cgroup/post_bind4", post_bind4_read_bound_dev_if, "r2 = *(u32 *)(r1 + 0); r0 = 1; exit;")
/* sock_create: dst_port read as the 16-bit field it is */
ASM_CASE("cgroup/sock_create", sock_read_dst_port_half, "r2 = *(u16 *)(r1 + 48); r0 = 1; exit;")
/* sock_create: the padding after dst_port */
ASM_CASE("cgroup/sock_create", sock_read_dst_port_pad, "r2 = *(u16 *)(r1 + 50); r0 = 1; exit;")
/* sock_create: one byte of the state */
ASM_CASE("cgroup/sock_create", sock_read_state_byte, "r2 = *(u8 *)(r1 + 72); r0 = 1; exit;")
/* sock_create: a byte inside the family, not at its start */
ASM_CASE("cgroup/sock_create", sock_read_family_inner_byte, "r2 = *(u8 *)(r1 + 5); r0 = 1; exit;")
/* sock_create: returning a field read as is may be any u32 */
ASM_CASE("cgroup/sock_create", sock_return_protocol, "r0 = *(u32 *)(r1 + 12); exit;")

/* connect4: the destination address */
ASM_CASE("cgroup/connect4", connect4_read_user_ip4, "r2 = *(u32 *)(r1 + 4); r0 = 1; exit;")
/* connect6: the IPv4 address belongs to the IPv4 hooks */
ASM_CASE("cgroup/connect6", connect6_read_user_ip4, "r2 = *(u32 *)(r1 + 4); r0 = 1; exit;")
/* connect6: two words of the IPv6 address at once */
ASM_CASE("cgroup/connect6", connect6_wide_user_ip6, "r2 = *(u64 *)(r1 + 16); r0 = 1; exit;")
/* connect4: the message source address exists for sendmsg only */
ASM_CASE("cgroup/connect4", connect4_read_msg_src_ip4, "r2 = *(u32 *)(r1 + 40); r0 = 1; exit;")
/* sendmsg4: ... where it is writable */
ASM_CASE("cgroup/sendmsg4", sendmsg4_write_msg_src_ip4, "r2 = 0; *(u32 *)(r1 + 40) = r2; r0 = 1; exit;")
/* connect4: the port written whole */
ASM_CASE("cgroup/connect4", connect4_write_user_port, "r2 = 0; *(u32 *)(r1 + 24) = r2; r0 = 1; exit;")
/* connect4: the port written in half */
ASM_CASE("cgroup/connect4", connect4_write_user_port_half, "r2 = 0; *(u16 *)(r1 + 24) = r2; r0 = 1; exit;")
/* connect4: half of the user family */
ASM_CASE("cgroup/connect4", connect4_read_user_family_half, "r2 = *(u16 *)(r1 + 0); r0 = 1; exit;")
/* connect4: the socket pointer read in half */
ASM_CASE("cgroup/connect4", connect4_read_sk_half, "r2 = *(u32 *)(r1 + 64); r0 = 1; exit;")
/* recvmsg4: the hook cannot refuse, 0 is not allowed */
ASM_CASE("cgroup/recvmsg4", recvmsg4_returns_0, "r0 = 0; exit;")
/* recvmsg4: 1 is */
ASM_CASE("cgroup/recvmsg4", recvmsg4_returns_1, "r0 = 1; exit;")
/* bind4: 3 also asks to skip the port check */
ASM_CASE("cgroup/bind4", bind4_returns_3, "r0 = 3; exit;")
/* bind4: 4 is too much */
ASM_CASE("cgroup/bind4", bind4_returns_4, "r0 = 4; exit;")
/* connect6: 0 or 1 only */
ASM_CASE("cgroup/connect6", connect6_returns_2, "r0 = 2; exit;")

/* sk_msg: the total size */
ASM_CASE("sk_msg", sk_msg_read_size, "r2 = *(u32 *)(r1 + 68); r0 = 1; exit;")
/* sk_msg: the socket pointer read in half */
ASM_CASE("sk_msg", sk_msg_read_sk_half, "r2 = *(u32 *)(r1 + 72); r0 = 1; exit;")
/* lwt_in: no data_meta */
ASM_CASE("lwt_in", lwt_read_data_meta, "r2 = *(u32 *)(r1 + 140); r0 = 0; exit;")
/* lwt_xmit: tc_index is not writable here */
ASM_CASE("lwt_xmit", lwt_write_tc_index, "r2 = 0; *(u32 *)(r1 + 44) = r2; r0 = 0; exit;")
/* lwt_out: a packet byte below a checked data_end */
ASM_CASE("lwt_out", lwt_packet_read, "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); r4 = r2; r4 += 1;"
	 "if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 0); 1: r0 = 0; exit;")
/* flow dissector: the packet start */
ASM_CASE("flow_dissector", flow_read_data, "r2 = *(u32 *)(r1 + 76); r0 = 0; exit;")
/* flow dissector: the packet start, sign-extended */
ASM_CASE("flow_dissector", flow_sign_read_data, "r2 = *(s32 *)(r1 + 76); r0 = 0; exit;")
/* xdp: data_end sign-extended */
ASM_CASE("xdp", xdp_sign_read_data_end, "r2 = *(s32 *)(r1 + 4); r0 = 2; exit;")
/* xdp: the ingress ifindex sign-extended is a plain number */
ASM_CASE("xdp", xdp_sign_read_ifindex, "r2 = *(s32 *)(r1 + 12); r0 = 2; exit;")
/* tc: the packet length sign-extended */
ASM_CASE("tc", tc_sign_read_len, "r2 = *(s16 *)(r1 + 0); r0 = 0; exit;")
