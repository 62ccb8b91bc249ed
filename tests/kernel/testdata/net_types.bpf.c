/* Program types whose test runs take something other than an skb or an XDP buffer (flow
 * dissector, socket lookup), and the lightweight tunnel types, which see packets from their
 * network header. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_flow_keys {
	__u16 nhoff, thoff, addr_proto;
	__u8 is_frag, is_first_frag, is_encap, ip_proto;
	__be16 n_proto, sport, dport;
	union {
		struct { __be32 ipv4_src, ipv4_dst; };
		struct { __u32 ipv6_src[4], ipv6_dst[4]; };
	};
	__u32 flags;
	__be32 flow_label;
};

long seen[8];

SEC("flow_dissector")
int dissect(struct __sk_buff *skb)
{
	struct bpf_flow_keys *keys = skb->flow_keys;
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u8 *ip = data + 14;

	seen[0] = keys->nhoff;
	seen[1] = keys->n_proto;
	seen[2] = keys->flags;
	if ((void *)(ip + 20) > end)
		return 2;  /* BPF_DROP */
	keys->ip_proto = ip[9];
	keys->thoff = keys->nhoff + 20;
	keys->ipv4_src = *(__u32 *)(ip + 12);
	keys->ipv4_dst = *(__u32 *)(ip + 16);
	keys->addr_proto = 0x0800;
	return 0;  /* BPF_OK */
}

SEC("sk_lookup")
int lookup(struct bpf_sk_lookup *ctx)
{
	seen[3] = ctx->family;
	seen[4] = ctx->protocol;
	seen[5] = ctx->local_port;
	seen[6] = ctx->remote_ip4;
	return ctx->local_port == 80 ? 0 : 1;  /* SK_DROP : SK_PASS */
}

SEC("lwt_in")
int tunnel(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	seen[7] = skb->len * 1000 + (data + 1 <= end ? *(__u8 *)data : 0);
	return 0;  /* BPF_OK */
}

char LICENSE[] SEC("license") = "GPL";
