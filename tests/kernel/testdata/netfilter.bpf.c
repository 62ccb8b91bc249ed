// A netfilter program that reads what its test run sets up: the hook and protocol family of the
// hook state, whether the state names an output device, and the skb's length and protocol,
// through CO-RE as programs built against vmlinux.h do, packed into a global. The verdict (which
// the kernel requires to be NF_DROP 0 or NF_ACCEPT 1) drops at the forward hook.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct net_device {
	int ifindex;
} __attribute__((preserve_access_index));

struct nf_hook_state {
	__u8 hook;
	__u8 pf;
	struct net_device *in;
	struct net_device *out;
} __attribute__((preserve_access_index));

struct sk_buff {
	unsigned int len;
	__u16 protocol;
} __attribute__((preserve_access_index));

struct bpf_nf_ctx {
	const struct nf_hook_state *state;
	struct sk_buff *skb;
} __attribute__((preserve_access_index));

__u32 seen_len, seen_protocol, summary;
int out_ifindex = -1;

SEC("netfilter")
int verdict(struct bpf_nf_ctx *ctx)
{
	const struct nf_hook_state *state = ctx->state;
	struct sk_buff *skb = ctx->skb;
	struct net_device *out = state->out;

	seen_len = skb->len;
	seen_protocol = skb->protocol;
	if (out)
		bpf_probe_read_kernel(&out_ifindex, sizeof(out_ifindex), &out->ifindex);
	summary = state->hook | state->pf << 8 | (out != 0) << 16 | (skb->len > 40) << 17;
	return state->hook != 2;
}

char LICENSE[] SEC("license") = "GPL";
