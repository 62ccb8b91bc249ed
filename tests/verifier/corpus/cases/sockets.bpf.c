/* Socket pointers: lookups acquire a socket the program must release once, sockets may be
 * NULL until checked, skb->sk is a socket that may be NULL, and the fields of struct bpf_sock
 * and struct bpf_tcp_sock a program may read (no writes, no pointer arithmetic). */
#include "corpus.h"

#define SOCK_IMMS                                                                                 \
	__imm(bpf_sk_lookup_tcp), __imm(bpf_sk_lookup_udp), __imm(bpf_sk_release),                \
	__imm(bpf_sk_fullsock), __imm(bpf_tcp_sock), __imm(bpf_get_listener_sock),                \
	__imm(bpf_skc_lookup_tcp), __imm(bpf_skc_to_tcp_sock), __imm(bpf_skc_to_udp6_sock), __imm_const(tuple_size, sizeof(struct bpf_sock_tuple)), __imm(bpf_get_prandom_u32)

/* a naked tc program that may name the socket helpers */
#define SOCK_CASE(sec, name, body)                                                                \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: SOCK_IMMS : __clobber_all);                                 \
	}

/* r0 = bpf_sk_lookup_tcp(ctx in r1, a zeroed tuple at fp-40, its size, 0, 0); r6 = ctx */
#define LOOKUP_TCP                                                                                \
	"r6 = r1; r2 = 0; *(u64 *)(r10 - 8) = r2; *(u64 *)(r10 - 16) = r2; *(u64 *)(r10 - 24) = r2;" \
	"*(u64 *)(r10 - 32) = r2; *(u64 *)(r10 - 40) = r2; r2 = r10; r2 += -40; r3 = %[tuple_size];" \
	"r4 = 0; r5 = 0; call %[bpf_sk_lookup_tcp];"

static __always_inline struct bpf_sock *lookup(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t = {};

	return bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);
}

/* a lookup checked and released */
SEC("tc") int lookup_release(struct __sk_buff *skb)
{
	struct bpf_sock *sk = lookup(skb);

	if (!sk)
		return 1;
	bpf_sk_release(sk);
	return 0;
}

/* a udp lookup checked and released */
SEC("tc") int lookup_udp_release(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk = bpf_sk_lookup_udp(skb, &t, sizeof(t.ipv4), -1, 0);

	if (!sk)
		return 1;
	bpf_sk_release(sk);
	return 0;
}

/* a lookup never released */
SOCK_CASE("tc", lookup_leak, LOOKUP_TCP "if r0 == 0 goto 1f; r0 = 0; exit; 1: r0 = 1; exit;")
/* a lookup released without a null check */
SOCK_CASE("tc", release_unchecked, LOOKUP_TCP "r1 = r0; call %[bpf_sk_release]; r0 = 0; exit;")
/* a lookup released twice */
SOCK_CASE("tc", release_twice, LOOKUP_TCP "if r0 == 0 goto 1f; r7 = r0; r1 = r0; call %[bpf_sk_release];"
	  "r1 = r7; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* a lookup's socket read after its release */
SOCK_CASE("tc", read_after_release, LOOKUP_TCP "if r0 == 0 goto 1f; r7 = r0; r1 = r0; call %[bpf_sk_release];"
	  "r0 = *(u32 *)(r7 + 4); exit; 1: r0 = 0; exit;")
/* a lookup's socket read before its null check */
SOCK_CASE("tc", read_unchecked, LOOKUP_TCP "r7 = r0; r0 = *(u32 *)(r7 + 4); r1 = r7; call %[bpf_sk_release]; r0 = 0; exit;")
/* the family of a looked-up socket */
SOCK_CASE("tc", read_family, LOOKUP_TCP "if r0 == 0 goto 1f; r7 = r0; r8 = *(u32 *)(r7 + 4); r1 = r7;"
	  "call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* a write into a socket */
SOCK_CASE("tc", write_sock, LOOKUP_TCP "if r0 == 0 goto 1f; r7 = r0; r1 = 0; *(u32 *)(r7 + 16) = r1; r1 = r7;"
	  "call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* pointer arithmetic on a socket */
SOCK_CASE("tc", sock_arith, LOOKUP_TCP "if r0 == 0 goto 1f; r7 = r0; r0 += 4; r1 = r7; call %[bpf_sk_release];"
	  "1: r0 = 0; exit;")
/* pointer arithmetic before the null check */
SOCK_CASE("tc", sock_or_null_arith, LOOKUP_TCP "r0 += 4; r0 = 0; exit;")
/* the socket released through a copy made before the null check */
SOCK_CASE("tc", release_copy, LOOKUP_TCP "r7 = r0; if r0 == 0 goto 1f; r1 = r7; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* a socket spilled to the stack and released after the fill */
SOCK_CASE("tc", release_after_spill, LOOKUP_TCP "if r0 == 0 goto 1f; *(u64 *)(r10 - 48) = r0; r1 = *(u64 *)(r10 - 48);"
	  "call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* a lookup's tuple size is not a constant */
SOCK_CASE("tc", lookup_tuple_size_var, "r6 = r1; r2 = r10; r2 += -40; r3 = *(u32 *)(r1 + 0); r3 &= 36; r4 = 0; r5 = 0;"
	  "call %[bpf_sk_lookup_tcp]; if r0 == 0 goto 1f; r1 = r0; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* a lookup whose tuple lies past the stack */
SOCK_CASE("tc", lookup_tuple_oob, "r2 = r10; r2 += -8; r3 = %[tuple_size]; r4 = 0; r5 = 0;"
	  "call %[bpf_sk_lookup_tcp]; if r0 == 0 goto 1f; r1 = r0; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* a lookup given a scalar for the context */
SOCK_CASE("tc", lookup_no_ctx, "r1 = 0; r2 = r10; r2 += -40; r3 = %[tuple_size]; r4 = 0; r5 = 0;"
	  "call %[bpf_sk_lookup_tcp]; if r0 == 0 goto 1f; r1 = r0; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* a socket lookup in a socket filter */
SOCK_CASE("socket", lookup_in_socket_filter, LOOKUP_TCP "if r0 == 0 goto 1f; r1 = r0; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* a socket lookup in xdp */
SOCK_CASE("xdp", lookup_in_xdp, LOOKUP_TCP "if r0 == 0 goto 1f; r1 = r0; call %[bpf_sk_release]; 1: r0 = 2; exit;")
/* a stack pointer released */
SOCK_CASE("tc", release_stack, "r1 = r10; r1 += -8; call %[bpf_sk_release]; r0 = 0; exit;")
/* skb->sk released: not an acquired reference */
SOCK_CASE("tc", release_ctx_sk, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; call %[bpf_sk_release]; 1: r0 = 0; exit;")

/* skb->sk checked, its family read */
SEC("tc") int ctx_sk_family(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1;
	return sk->family == 2 ? 0 : 3;
}

/* skb->sk in a cgroup skb program */
SEC("cgroup_skb/ingress") int cgroup_ctx_sk(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1;
	return sk->family == 2;
}

/* skb->sk read with 4 bytes */
ASM_CASE("tc", ctx_sk_narrow, "r1 = *(u32 *)(r1 + 168); r0 = 0; exit;")
/* skb->sk written */
ASM_CASE("tc", ctx_sk_write, "r2 = 0; *(u64 *)(r1 + 168) = r2; r0 = 0; exit;")
/* a sock_common field (type) that only full sockets have */
ASM_CASE("tc", sock_common_type, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; r0 = *(u32 *)(r1 + 8); 1: r0 = 0; exit;")
/* the dst_port of skb->sk, 2 bytes */
ASM_CASE("tc", sock_common_dst_port, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; r0 = *(u16 *)(r1 + 48); 1: r0 = 0; exit;")
/* the padding after dst_port */
ASM_CASE("tc", sock_common_dst_port_pad, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; r0 = *(u16 *)(r1 + 50); 1: r0 = 0; exit;")
/* one byte of src_ip4 */
ASM_CASE("tc", sock_common_ip_byte, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; r0 = *(u8 *)(r1 + 27); 1: r0 = 0; exit;")
/* one byte of family: narrow reads only of addresses and ports */
ASM_CASE("tc", sock_common_family_byte, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; r0 = *(u8 *)(r1 + 5); 1: r0 = 0; exit;")
/* past the end of struct bpf_sock */
ASM_CASE("tc", sock_common_past_end, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; r0 = *(u32 *)(r1 + 80); 1: r0 = 0; exit;")
/* rx_queue_mapping, the last field */
ASM_CASE("tc", sock_common_last, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; r0 = *(u32 *)(r1 + 76); 1: r0 = 0; exit;")
/* 8 bytes of a socket */
ASM_CASE("tc", sock_common_wide, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; r0 = *(u64 *)(r1 + 0); 1: r0 = 0; exit;")

/* a full socket from skb->sk: its type */
SOCK_CASE("tc", fullsock_type, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; call %[bpf_sk_fullsock]; if r0 == 0 goto 1f;"
	  "r0 = *(u32 *)(r0 + 8); 1: r0 = 0; exit;")
/* bpf_sk_fullsock of a socket that may be NULL */
SOCK_CASE("tc", fullsock_unchecked, "r1 = *(u64 *)(r1 + 168); call %[bpf_sk_fullsock]; r0 = 0; exit;")
/* bpf_sk_fullsock's result read unchecked */
SOCK_CASE("tc", fullsock_result_unchecked, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; call %[bpf_sk_fullsock];"
	  "r0 = *(u32 *)(r0 + 8); 1: r0 = 0; exit;")
/* a tcp_sock's 64-bit bytes_acked */
SOCK_CASE("tc", tcp_sock_bytes_acked, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; call %[bpf_tcp_sock]; if r0 == 0 goto 1f;"
	  "r0 = *(u64 *)(r0 + 88); 1: r0 = 0; exit;")
/* a tcp_sock's bytes_acked read with 4 bytes */
SOCK_CASE("tc", tcp_sock_narrow, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; call %[bpf_tcp_sock]; if r0 == 0 goto 1f;"
	  "r0 = *(u32 *)(r0 + 88); 1: r0 = 0; exit;")
/* past the end of struct bpf_tcp_sock */
SOCK_CASE("tc", tcp_sock_past_end, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; call %[bpf_tcp_sock]; if r0 == 0 goto 1f;"
	  "r0 = *(u32 *)(r0 + 112); 1: r0 = 0; exit;")
/* a tcp_sock passed to bpf_sk_fullsock */
SOCK_CASE("tc", tcp_sock_to_fullsock, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; call %[bpf_tcp_sock]; if r0 == 0 goto 1f;"
	  "r1 = r0; call %[bpf_sk_fullsock]; 1: r0 = 0; exit;")
/* the listener of skb->sk */
SOCK_CASE("tc", listener, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; call %[bpf_get_listener_sock]; if r0 == 0 goto 1f;"
	  "r0 = *(u32 *)(r0 + 72); 1: r0 = 0; exit;")
/* a full socket of a lookup, then the lookup released: the full socket goes with it */
SOCK_CASE("tc", fullsock_of_lookup_after_release, LOOKUP_TCP "if r0 == 0 goto 1f; r7 = r0; r1 = r0; call %[bpf_sk_fullsock];"
	  "if r0 == 0 goto 2f; r8 = r0; r1 = r7; call %[bpf_sk_release]; r0 = *(u32 *)(r8 + 4); exit;"
	  "2: r1 = r7; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* a full socket of a lookup released instead of the lookup */
SOCK_CASE("tc", release_fullsock_of_lookup, LOOKUP_TCP "if r0 == 0 goto 1f; r7 = r0; r1 = r0; call %[bpf_sk_fullsock];"
	  "if r0 == 0 goto 2f; r1 = r0; call %[bpf_sk_release]; r0 = 0; exit;"
	  "2: r1 = r7; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* skc_lookup, checked and released */
SOCK_CASE("tc", skc_lookup_release, "r6 = r1; r2 = r10; r2 += -40; r1 = 0; *(u64 *)(r2 + 0) = r1; *(u64 *)(r2 + 8) = r1;"
	  "*(u64 *)(r2 + 16) = r1; *(u64 *)(r2 + 24) = r1; *(u64 *)(r2 + 32) = r1; r1 = r6; r3 = %[tuple_size]; r4 = 0; r5 = 0;"
	  "call %[bpf_skc_lookup_tcp]; if r0 == 0 goto 1f; r1 = r0; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* a lookup that leaks through a tail of calls: the message names the lookup */
SOCK_CASE("tc", leak_after_helper, LOOKUP_TCP "r7 = r0; call %[bpf_get_prandom_u32]; r0 = 0; exit;")

/* What a test run's dummy socket holds: one field of skb->sk returned (-1 when NULL). */
#define SK_FIELD(sec, name, expr)                                                                 \
	SEC(sec) int name(struct __sk_buff *skb)                                                  \
	{                                                                                         \
		struct bpf_sock *sk = skb->sk;                                                    \
                                                                                                  \
		if (!sk)                                                                          \
			return -1;                                                                \
		return expr;                                                                      \
	}

/* the family of the frame's network header */
SK_FIELD("tc", run_family, sk->family)
/* the source address of the frame */
SK_FIELD("tc", run_src_ip4, sk->src_ip4)
/* the destination address of the frame */
SK_FIELD("tc", run_dst_ip4, sk->dst_ip4)
/* a closed socket */
SK_FIELD("tc", run_state, sk->state)
/* no receive queue */
SK_FIELD("tc", run_rx_queue, sk->rx_queue_mapping)
/* no ports */
SK_FIELD("tc", run_ports, sk->src_port | sk->dst_port)
/* a full socket */
SK_FIELD("tc", run_fullsock, bpf_sk_fullsock(sk) != 0)
/* not a TCP socket */
SK_FIELD("tc", run_tcp_sock, bpf_tcp_sock(sk) != 0)
/* not a listener */
SK_FIELD("tc", run_listener, bpf_get_listener_sock(sk) != 0)
/* a socket filter's test run has the socket too */
SK_FIELD("socket", run_socket_filter, 6)
/* and a cgroup skb program's */
SK_FIELD("cgroup_skb/egress", run_cgroup_state, sk->state == 7 ? 2 : 0)
/* a full socket's type and protocol: none */
SEC("tc") int run_full_type(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return -1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return -2;
	return sk->type | sk->protocol | sk->mark | sk->priority;
}

/* bpf_skc_to_tcp_sock of skb->sk: checked, then read */
SEC("tc") int skc_to_tcp_checked(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	struct tcp_sock *tp;

	if (!sk)
		return 1;
	tp = bpf_skc_to_tcp_sock(sk);
	return tp ? 2 : 3;
}

/* bpf_skc_to_tcp_sock's result read unchecked */
SOCK_CASE("tc", skc_to_tcp_unchecked, "r1 = *(u64 *)(r1 + 168); if r1 == 0 goto 1f; call %[bpf_skc_to_tcp_sock];"
	  "r0 = *(u32 *)(r0 + 0); 1: r0 = 0; exit;")
/* bpf_skc_to_tcp_sock of a socket that may be NULL */
SOCK_CASE("tc", skc_to_tcp_of_null, "r1 = *(u64 *)(r1 + 168); call %[bpf_skc_to_tcp_sock]; r0 = 0; exit;")
/* bpf_skc_to_tcp_sock of a stack pointer */
SOCK_CASE("tc", skc_to_tcp_of_stack, "r1 = r10; r1 += -8; call %[bpf_skc_to_tcp_sock]; r0 = 0; exit;")
/* bpf_skc_to_udp6_sock of a looked-up socket, released through the cast */
SOCK_CASE("tc", skc_cast_released, LOOKUP_TCP "if r0 == 0 goto 1f; r7 = r0; r1 = r0; call %[bpf_skc_to_udp6_sock];"
	  "if r0 == 0 goto 2f; r1 = r0; call %[bpf_sk_release]; r0 = 0; exit; 2: r1 = r7; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* skc casts in a socket filter */
SEC("socket") int skc_to_in_socket_filter(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1;
	return bpf_skc_to_unix_sock(sk) ? 2 : bpf_skc_to_tcp6_sock(sk) ? 3 : 4;
}

/* sk_lookup: the selected socket (NULL so far) */
SEC("sk_lookup") int skl_read_sk(struct bpf_sk_lookup *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	if (!sk)
		return SK_PASS;
	return sk->family == 2 ? SK_PASS : SK_DROP;
}

/* sk_lookup: the selected socket read unchecked */
ASM_CASE("sk_lookup", skl_sk_unchecked, "r1 = *(u64 *)(r1 + 0); r0 = *(u32 *)(r1 + 4); r0 = 1; exit;")
/* sk_lookup: the socket pointer read with 4 bytes */
ASM_CASE("sk_lookup", skl_sk_narrow, "r1 = *(u32 *)(r1 + 0); r0 = 1; exit;")
/* sk_lookup: the context written */
ASM_CASE("sk_lookup", skl_write, "r2 = 0; *(u32 *)(r1 + 8) = r2; r0 = 1; exit;")
/* sk_lookup: the local port, and a byte of the remote address */
ASM_CASE("sk_lookup", skl_fields, "r2 = *(u32 *)(r1 + 60); r2 = *(u8 *)(r1 + 17); r0 = 1; exit;")
/* sk_lookup: the remote port in 2 bytes, and in 4 */
ASM_CASE("sk_lookup", skl_remote_port, "r2 = *(u16 *)(r1 + 36); r2 = *(u32 *)(r1 + 36); r0 = 1; exit;")
/* sk_lookup: the 2 bytes after the remote port */
ASM_CASE("sk_lookup", skl_remote_port_pad, "r2 = *(u16 *)(r1 + 38); r0 = 1; exit;")
/* sk_lookup: the family read with 8 bytes */
ASM_CASE("sk_lookup", skl_family_wide, "r2 = *(u64 *)(r1 + 8); r0 = 1; exit;")
/* sk_lookup: past ingress_ifindex */
ASM_CASE("sk_lookup", skl_past_end, "r2 = *(u32 *)(r1 + 68); r0 = 1; exit;")
/* sk_lookup: selecting no socket */
SEC("sk_lookup") int skl_assign_null(struct bpf_sk_lookup *ctx)
{
	bpf_sk_assign(ctx, 0, 0);
	return SK_PASS;
}
/* sk_lookup: selecting a looked-up socket, then releasing it */
SEC("sk_lookup") int skl_assign_lookup(struct bpf_sk_lookup *ctx)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk = bpf_sk_lookup_tcp(ctx, &t, sizeof(t.ipv4), -1, 0);
	long err;

	if (!sk)
		return SK_DROP;
	err = bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	return err ? SK_DROP : SK_PASS;
}
/* sk_lookup: a stack pointer for the socket */
ASM_CASE("sk_lookup", skl_assign_stack, "r2 = r10; r2 += -8; r3 = 0; call 124; r0 = 1; exit;")
/* sk_lookup: ctx->sk assigned without a check */
ASM_CASE("sk_lookup", skl_assign_ctx_sk, "r6 = r1; r2 = *(u64 *)(r1 + 0); r3 = 0; call 124; r0 = 1; exit;")
/* tc: bpf_sk_assign of skb->sk */
SEC("tc") int tc_assign_ctx_sk(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1;
	return bpf_sk_assign(skb, sk, 0) == -95 ? 2 : 3;
}
/* tc: bpf_sk_assign of NULL */
ASM_CASE("tc", tc_assign_null, "r2 = 0; r3 = 0; call 124; r0 = 0; exit;")
