/* A minimal congestion control: halve on loss, grow by one packet per ACKed window. Its
 * tcp_sock fields are found by CO-RE; CC_NAME names it (unique per test run, since the kernel
 * keeps one list of congestion-control names); without REQUIRED it lacks cong_avoid, which
 * registration requires. Its .struct_ops variable is a BPF_MAP_TYPE_STRUCT_OPS map. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sock;
struct tcp_sock { __u32 snd_cwnd; __u32 snd_cwnd_cnt; } __attribute__((preserve_access_index));
struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
};

#ifndef CC_NAME
#define CC_NAME "pybpf_cc"
#endif

#define TP(ctx) ((struct tcp_sock *)(ctx)[0])

SEC("struct_ops/cc_ssthresh")
__u32 cc_ssthresh(unsigned long long *ctx)
{
	__u32 w = TP(ctx)->snd_cwnd >> 1;

	return w < 2 ? 2 : w;
}

#ifdef REQUIRED
SEC("struct_ops/cc_avoid")
void cc_avoid(unsigned long long *ctx)
{
	struct tcp_sock *tp = TP(ctx);

	tp->snd_cwnd_cnt += (__u32)ctx[2];
	if (tp->snd_cwnd_cnt >= tp->snd_cwnd) {
		tp->snd_cwnd_cnt = 0;
		tp->snd_cwnd += 1;
	}
}
#endif

SEC("struct_ops/cc_undo")
__u32 cc_undo(unsigned long long *ctx)
{
	return TP(ctx)->snd_cwnd;
}

SEC(".struct_ops")
struct tcp_congestion_ops cc = {
	.ssthresh = (void *)cc_ssthresh,
#ifdef REQUIRED
	.cong_avoid = (void *)cc_avoid,
#endif
	.undo_cwnd = (void *)cc_undo,
	.name = CC_NAME,
};

char LICENSE[] SEC("license") = "GPL";
