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

extern int bpf_dynptr_from_skb(struct __sk_buff *s, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt, __u32 buffer__szk) __ksym;

long from_rc, write_rc, bad_flags_rc;
__u32 ip_version, ip_protocol, dynptr_size_seen;

/* the packet through a dynptr over the skb, as netfilter programs read it: read-only here */
SEC("netfilter")
int parse(struct bpf_nf_ctx *ctx)
{
	struct bpf_dynptr ptr, other;
	__u8 buf[20] = {}, *iph;

	bad_flags_rc = bpf_dynptr_from_skb((struct __sk_buff *)ctx->skb, 1, &other);
	from_rc = bpf_dynptr_from_skb((struct __sk_buff *)ctx->skb, 0, &ptr);
	if (from_rc)
		return 1;
	write_rc = bpf_dynptr_write(&ptr, 0, buf, 1, 0);
	iph = bpf_dynptr_slice(&ptr, 0, buf, sizeof(buf));
	if (!iph)
		return 1;
	ip_version = iph[0] >> 4;
	ip_protocol = iph[9];
	return 1;
}

/* a tc program's skb dynptr may write the packet */
SEC("tc")
int mark_tos(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u8 tos = 0x2e;

	from_rc = bpf_dynptr_from_skb(skb, 0, &ptr);
	if (from_rc)
		return 0;
	write_rc = bpf_dynptr_write(&ptr, 15, &tos, 1, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
