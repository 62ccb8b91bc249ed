// An XDP program (SEC("xdp")): parses Ethernet, IPv4 (with options) and UDP through the
// xdp_md packet pointers, drops UDP packets to ports listed in a hash map that user space
// fills, and keeps packet and byte counts per verdict in an array map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ethhdr {
	__u8 h_dest[6];
	__u8 h_source[6];
	__be16 h_proto;
};

struct iphdr {
	__u8 ihl : 4, version : 4;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__be32 saddr;
	__be32 daddr;
};

struct udphdr {
	__be16 source;
	__be16 dest;
	__be16 len;
	__u16 check;
};

#define ETH_P_IP 0x0800
#define IPPROTO_UDP 17

// UDP destination ports to drop, in host byte order (obj.maps["blocked_ports"][53] = 1).
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u16);
	__type(value, __u8);
} blocked_ports SEC(".maps");

struct counters {
	__u64 packets;
	__u64 bytes;
};

// Indexed by the verdict (XDP_DROP = 1, XDP_PASS = 2).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct counters);
} verdicts SEC(".maps");

static __always_inline int verdict(__u32 action, __u64 bytes)
{
	struct counters *c = bpf_map_lookup_elem(&verdicts, &action);

	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, bytes);
	}
	return action;
}

SEC("xdp")
int udp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	__u16 port;

	if ((void *)(eth + 1) > data_end)
		return verdict(XDP_DROP, bytes);
	if (eth->h_proto != __builtin_bswap16(ETH_P_IP))
		return verdict(XDP_PASS, bytes);
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl < 5)
		return verdict(XDP_DROP, bytes);
	if (ip->protocol != IPPROTO_UDP)
		return verdict(XDP_PASS, bytes);
	// Options make the IPv4 header longer than 20 bytes: the UDP header starts ihl words in.
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end)
		return verdict(XDP_DROP, bytes);
	port = __builtin_bswap16(udp->dest);
	if (bpf_map_lookup_elem(&blocked_ports, &port))
		return verdict(XDP_DROP, bytes);
	return verdict(XDP_PASS, bytes);
}

char LICENSE[] SEC("license") = "GPL";
