// A traffic-control classifier (SEC("tc")): direct packet access through skb->data and
// skb->data_end with the bounds checks the verifier demands, per-protocol counters in a hash
// map, and an in-place rewrite (decrement the IPv4 TTL and patch the header checksum, as a
// router does). Returns TC_ACT_OK to let a packet through, TC_ACT_SHOT to drop it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ethhdr {
	__u8 h_dest[6];
	__u8 h_source[6];
	__be16 h_proto;
};

struct iphdr {
	__u8 ihl : 4, version : 4; // little-endian bitfield order
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

#define ETH_P_IP 0x0800
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

// Packets seen per IPv4 protocol number (1 ICMP, 6 TCP, 17 UDP...).
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} proto_packets SEC(".maps");

__u64 not_ipv4;  // passed untouched
__u64 truncated; // too short for an IPv4 header: dropped
__u64 expired;   // TTL would reach zero: dropped

static __always_inline void count_protocol(__u32 proto)
{
	__u64 one = 1;
	__u64 *packets = bpf_map_lookup_elem(&proto_packets, &proto);

	if (packets)
		__sync_fetch_and_add(packets, 1); // atomic: other CPUs may count the same key
	else
		bpf_map_update_elem(&proto_packets, &proto, &one, BPF_NOEXIST);
}

SEC("tc")
int forward(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u32 check;

	// Every pointer into the packet must be checked against data_end before it is used.
	if ((void *)(eth + 1) > data_end)
		return TC_ACT_SHOT;
	if (eth->h_proto != __builtin_bswap16(ETH_P_IP)) {
		not_ipv4++;
		return TC_ACT_OK;
	}
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end) {
		truncated++;
		return TC_ACT_SHOT;
	}
	count_protocol(ip->protocol);
	if (ip->ttl <= 1) {
		expired++;
		return TC_ACT_SHOT;
	}
	// TTL is the high byte of a 16-bit header word: taking one off it adds 0x0100 (in
	// network order) to the one's-complement checksum, with the carry folded back in
	// (RFC 1624; the kernel's ip_decrease_ttl does the same).
	check = ip->check;
	check += __builtin_bswap16(0x0100);
	ip->check = check + (check >= 0xffff);
	ip->ttl--;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
