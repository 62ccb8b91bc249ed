/* struct_ops programs: each case implements one member of a struct the kernel registers
 * (tcp_congestion_ops, bpf_dummy_ops), named by a .struct_ops variable below it, and is judged
 * against the running kernel's BTF on both sides (HOST_BTF_FAMILIES): the member's arguments
 * are the context (trusted pointers, a congestion control's struct sock promoted to
 * struct tcp_sock), a void member's R0 is never looked at, congestion control may write only
 * the few tcp_sock fields its struct_ops allows, calls the helpers and kfuncs its struct_ops
 * offers (not get/setsockopt from release), and get_info has no program. The structs below are
 * declared with only the members used; CO-RE finds the kernel's offsets. */
#include "corpus.h"

#define __pai __attribute__((preserve_access_index))

struct sock_common { void *skc_prot; } __pai;
struct sock { struct sock_common __sk_common; unsigned long sk_pacing_rate; __u32 sk_pacing_status; } __pai;
struct inet_connection_sock {
	struct { __u8 pending; } icsk_ack;
	__u64 icsk_ca_priv[13];
} __pai;
struct tcp_sock {
	struct inet_connection_sock inet_conn;
	__u32 snd_cwnd;
	__u32 snd_cwnd_cnt;
	__u32 snd_cwnd_stamp;
	__u32 prior_cwnd;
	__u32 snd_ssthresh;
	__u32 srtt_us;
	__u8 ecn_flags;
	__u32 app_limited;
} __pai;
struct ack_sample { __u32 pkts_acked; __s32 rtt_us; } __pai;
struct rate_sample;

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	void (*set_state)(struct sock *sk, __u8 new_state);
	void (*pkts_acked)(struct sock *sk, const struct ack_sample *sample);
	void (*cong_control)(struct sock *sk, __u32 ack, int flag, const struct rate_sample *rs);
	__u32 (*undo_cwnd)(struct sock *sk);
	unsigned long (*get_info)(struct sock *sk, __u32 ext, int *attr, void *info);
	char name[16];
	void (*init)(struct sock *sk);
	void (*release)(struct sock *sk);
};

struct bpf_dummy_ops_state { int val; } __pai;
struct bpf_dummy_ops {
	int (*test_1)(struct bpf_dummy_ops_state *cb);
	int (*test_2)(struct bpf_dummy_ops_state *cb, int a1, unsigned short a2, char a3, unsigned long a4);
};

extern __u32 tcp_slow_start(struct tcp_sock *tp, __u32 acked) __ksym;
extern void tcp_cong_avoid_ai(struct tcp_sock *tp, __u32 w, __u32 acked) __ksym;
extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;

#define TCP(member, prog) SEC(".struct_ops") struct tcp_congestion_ops ops_##prog = { .member = (void *)prog };
#define DUMMY(member, prog) SEC(".struct_ops") struct bpf_dummy_ops ops_##prog = { .member = (void *)prog };
#define TP(ctx) ((struct tcp_sock *)(ctx)[0])

/* ssthresh reads the promoted tcp_sock and returns half the window */
SEC("struct_ops/half") __u32 half(unsigned long long *ctx) { return TP(ctx)->snd_cwnd >> 1; }
TCP(ssthresh, half)
/* a void member may exit without ever setting R0 */
ASM_CASE("struct_ops/void_no_r0", void_no_r0, "exit;")
TCP(cong_avoid, void_no_r0)
/* a member returning u32 may not */
ASM_CASE("struct_ops/u32_no_r0", u32_no_r0, "exit;")
TCP(ssthresh, u32_no_r0)
/* a u32 member may return any scalar */
ASM_CASE("struct_ops/u32_any", u32_any, "r0 = -5; exit;")
TCP(undo_cwnd, u32_any)
/* or even the socket pointer (root may leak pointers) */
ASM_CASE("struct_ops/u32_pointer", u32_pointer, "r0 = *(u64 *)(r1 + 0); exit;")
TCP(undo_cwnd, u32_pointer)
/* cong_avoid's scalar arguments are the second and third context words */
SEC("struct_ops/acked_arg") void acked_arg(unsigned long long *ctx) { TP(ctx)->snd_cwnd += (__u32)ctx[2]; }
TCP(cong_avoid, acked_arg)
/* ssthresh has one argument: the second word is past it */
ASM_CASE("struct_ops/past_args", past_args, "r0 = *(u64 *)(r1 + 8); exit;")
TCP(ssthresh, past_args)
/* a narrow read of the socket argument's word */
ASM_CASE("struct_ops/narrow_arg", narrow_arg, "r0 = *(u32 *)(r1 + 0); exit;")
TCP(ssthresh, narrow_arg)
/* the context is read-only */
ASM_CASE("struct_ops/ctx_write", ctx_write, "r2 = 0; *(u64 *)(r1 + 0) = r2; r0 = 0; exit;")
TCP(ssthresh, ctx_write)
/* the writable tcp_sock fields, one by one */
SEC("struct_ops/write_allowed") void write_allowed(unsigned long long *ctx)
{
	struct tcp_sock *tp = TP(ctx);

	tp->snd_cwnd = 10;
	tp->snd_cwnd_cnt = 0;
	tp->snd_ssthresh = 7;
	tp->ecn_flags = 1;
	tp->app_limited = 0;
	tp->inet_conn.icsk_ca_priv[3] = 42;
	tp->inet_conn.icsk_ack.pending = 1;
	((struct sock *)tp)->sk_pacing_rate = 1000;
	((struct sock *)tp)->sk_pacing_status = 1;
}
TCP(cong_avoid, write_allowed)
/* cong_control may stamp the window's last change (6.10) */
SEC("struct_ops/write_stamp") void write_stamp(unsigned long long *ctx) { TP(ctx)->snd_cwnd_stamp = (__u32)ctx[1]; }
TCP(cong_control, write_stamp)
/* but prior_cwnd is not writable */
SEC("struct_ops/write_prior") void write_prior(unsigned long long *ctx) { TP(ctx)->prior_cwnd = 1; }
TCP(cong_control, write_prior)
/* srtt_us is not one of them either */
SEC("struct_ops/write_srtt") void write_srtt(unsigned long long *ctx) { TP(ctx)->srtt_us = 1; }
TCP(cong_avoid, write_srtt)
/* an 8-byte store at snd_cwnd runs past the u32 */
SEC("struct_ops/write_wide") void write_wide(unsigned long long *ctx) { *(__u64 *)&TP(ctx)->snd_cwnd = 1; }
TCP(cong_avoid, write_wide)
/* a pointer read from the socket is read-only */
SEC("struct_ops/write_walked") void write_walked(unsigned long long *ctx)
{
	struct sock *sk = (struct sock *)ctx[0];

	*(__u64 *)sk->__sk_common.skc_prot = 0;
}
TCP(cong_avoid, write_walked)
/* the ack sample is read-only */
SEC("struct_ops/write_sample") void write_sample(unsigned long long *ctx)
{
	((struct ack_sample *)ctx[1])->pkts_acked = 0;
}
TCP(pkts_acked, write_sample)
/* reading it is fine */
SEC("struct_ops/read_sample") void read_sample(unsigned long long *ctx)
{
	TP(ctx)->snd_cwnd = ((struct ack_sample *)ctx[1])->pkts_acked;
}
TCP(pkts_acked, read_sample)
/* bpf_tcp_send_ack takes the tcp_sock */
SEC("struct_ops/ack_now") void ack_now(unsigned long long *ctx) { bpf_tcp_send_ack(TP(ctx), 0); }
TCP(cong_avoid, ack_now)
/* bpf_ktime_get_coarse_ns is offered to congestion control */
SEC("struct_ops/coarse_time") __u32 coarse_time(unsigned long long *ctx) { return bpf_ktime_get_coarse_ns() & 7; }
TCP(ssthresh, coarse_time)
/* so are the base helpers */
SEC("struct_ops/base_helper") __u32 base_helper(unsigned long long *ctx) { return bpf_get_prandom_u32() & 1; }
TCP(ssthresh, base_helper)
/* release() may not call bpf_setsockopt */
SEC("struct_ops/release_sockopt") void release_sockopt(unsigned long long *ctx)
{
	int v = 1;

	bpf_setsockopt((void *)ctx[0], 6, 1, &v, sizeof(v));
}
TCP(release, release_sockopt)
/* init() may */
SEC("struct_ops/init_sockopt") void init_sockopt(unsigned long long *ctx)
{
	int v = 1;

	bpf_setsockopt((void *)ctx[0], 6, 1, &v, sizeof(v));
}
TCP(init, init_sockopt)
/* the congestion-control kfuncs take the tcp_sock */
SEC("struct_ops/slow_start") void slow_start(unsigned long long *ctx)
{
	struct tcp_sock *tp = TP(ctx);
	__u32 left = tcp_slow_start(tp, (__u32)ctx[2]);

	tcp_cong_avoid_ai(tp, tp->snd_cwnd, left);
}
TCP(cong_avoid, slow_start)
/* tcp_reno_ssthresh takes a struct sock: the promoted tcp_sock begins with one */
SEC("struct_ops/reno") __u32 reno(unsigned long long *ctx) { return tcp_reno_ssthresh((struct sock *)ctx[0]); }
TCP(ssthresh, reno)
/* the kfuncs are for struct_ops programs only */
SEC("syscall") int kfunc_elsewhere(void *ctx) { return tcp_slow_start((struct tcp_sock *)0, 1); }
/* get_info has no stub: no program may implement it */
SEC("struct_ops/info") unsigned long info(unsigned long long *ctx) { return 0; }
TCP(get_info, info)

/* bpf_dummy_ops: its state argument is writable */
SEC("struct_ops/dummy_write") int dummy_write(unsigned long long *ctx)
{
	((struct bpf_dummy_ops_state *)ctx[0])->val = 5;
	return 0;
}
DUMMY(test_1, dummy_write)
/* its state pointer may be NULL: checked first, it is writable */
SEC("struct_ops/dummy_checked") int dummy_checked(unsigned long long *ctx)
{
	struct bpf_dummy_ops_state *st = (void *)ctx[0];

	if (st)
		st->val = 5;
	return 0;
}
DUMMY(test_1, dummy_checked)
/* but only within the state */
ASM_CASE("struct_ops/dummy_beyond", dummy_beyond,
	 "r1 = *(u64 *)(r1 + 0); if r1 == 0 goto 1f; r2 = 1; *(u32 *)(r1 + 4) = r2; 1: r0 = 0; exit;")
DUMMY(test_1, dummy_beyond)
/* test_2's fifth argument */
SEC("struct_ops/dummy_args") int dummy_args(unsigned long long *ctx) { return (int)(ctx[4] & 3); }
DUMMY(test_2, dummy_args)
/* and no sixth */
ASM_CASE("struct_ops/dummy_sixth", dummy_sixth, "r0 = *(u64 *)(r1 + 40); exit;")
DUMMY(test_2, dummy_sixth)
