/* tc, socket filter and xdp programs on a fixed packet: what each sees of its context, what
 * it may change, and what comes back (retval, data_out, ctx_out). */
#include <bpf/bpf_helpers.h>

struct __sk_buff {
	__u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto;
	__u32 priority, ingress_ifindex, ifindex, tc_index, cb[5], hash, tc_classid, data, data_end;
	__u32 napi_id, family, remote_ip4, local_ip4, remote_ip6[4], local_ip6[4], remote_port, local_port;
	__u32 data_meta;
	__u64 flow_keys;
	__u64 tstamp;
	__u32 wire_len, gso_segs;
	__u64 sk;
	__u32 gso_size;
	__u8 tstamp_type;
	__u64 hwtstamp;
};

struct xdp_md {
	__u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
};

__u64 seen[24];

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
	seen[0] = skb->len;
	seen[1] = skb->pkt_type;
	seen[2] = skb->mark;
	seen[3] = skb->queue_mapping;
	seen[4] = skb->protocol;
	seen[5] = skb->vlan_present;
	seen[6] = skb->priority;
	seen[7] = skb->ingress_ifindex;
	seen[8] = skb->ifindex;
	seen[9] = skb->tc_index;
	seen[10] = skb->cb[0] + skb->cb[4];
	seen[11] = skb->tc_classid;
	seen[12] = skb->data_end - skb->data;
	seen[13] = skb->data_meta == skb->data;
	seen[14] = skb->wire_len;
	seen[15] = skb->gso_segs;
	seen[16] = skb->gso_size;
	seen[17] = skb->napi_id;
	seen[18] = skb->tstamp;
	seen[19] = skb->hash;
	seen[20] = skb->vlan_tci;
	seen[21] = skb->vlan_proto;
	return 1;
}

/* Swaps the MAC addresses, decrements the IPv4 TTL and sets what tc may set. */
SEC("tc")
int tc_rewrite(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 *p = data;
	__u8 tmp;

	if (data + 34 > end)
		return 2; /* TC_ACT_SHOT */
#pragma clang loop unroll(full)
	for (int i = 0; i < 6; i++) {
		tmp = p[i];
		p[i] = p[i + 6];
		p[i + 6] = tmp;
	}
	p[22] -= 1;
	skb->mark = 0x42;
	skb->priority = 7;
	skb->cb[1] = 99;
	skb->tc_index = 5;
	skb->tc_classid = 0x10001;
	skb->tstamp = 1234;
	return 0; /* TC_ACT_OK */
}

SEC("socket")
int sock_fields(struct __sk_buff *skb)
{
	seen[0] = skb->len;
	seen[1] = skb->pkt_type;
	seen[2] = skb->mark;
	seen[3] = skb->queue_mapping;
	seen[4] = skb->protocol;
	seen[5] = skb->vlan_present;
	seen[6] = skb->priority;
	seen[7] = skb->ingress_ifindex;
	seen[8] = skb->ifindex;
	seen[10] = skb->cb[0] + skb->cb[4];
	seen[19] = skb->hash;
	seen[12] = load_byte(skb, 9);     /* IPv4 protocol */
	seen[13] = load_half(skb, 2);     /* IPv4 total length */
	seen[14] = load_word(skb, 12);    /* IPv4 source */
	skb->cb[2] = 7;
	return skb->len - 10;             /* keep all but the last 10 bytes */
}

SEC("socket")
int sock_drop(struct __sk_buff *skb)
{
	return load_byte(skb, 9) == 17 ? 0 : skb->len;
}

SEC("xdp")
int xdp_fields(struct xdp_md *ctx)
{
	seen[0] = ctx->data_end - ctx->data;
	seen[1] = ctx->data_meta == ctx->data;
	seen[2] = ctx->ingress_ifindex;
	seen[3] = ctx->rx_queue_index;
	return 2; /* XDP_PASS */
}

SEC("xdp")
int xdp_rewrite(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *p = data;

	if (data + 34 > end)
		return 1; /* XDP_DROP */
	p[0] ^= 0xff;
	p[33] = 0xee;
	return 3; /* XDP_TX */
}

char LICENSE[] SEC("license") = "GPL";
