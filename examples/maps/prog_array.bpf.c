// BPF_MAP_TYPE_PROG_ARRAY and bpf_tail_call: an XDP dispatcher jumps to a handler program
// chosen by the packet's EtherType. The program array is filled at load time with
// __array(values, ...) initialisers; a tail call to an empty slot falls through.
//
// Tail calls need programs of one type that run without sleeping, so this example uses XDP
// programs rather than SEC("syscall") ones (sleepable programs cannot use program arrays).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ethhdr {
	__u8 h_dest[6];
	__u8 h_source[6];
	__be16 h_proto;
};

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86DD

enum slot { SLOT_IPV4 = 0, SLOT_IPV6 = 1, SLOT_ARP = 2 /* left empty */ };

__u64 ipv4_packets;
__u64 ipv6_packets;
__u64 fell_through; // tail calls that found no program (ARP, unknown EtherTypes)

// The handlers are ordinary XDP programs: each can also be run on its own.
SEC("xdp")
int handle_ipv4(struct xdp_md *ctx)
{
	ipv4_packets++;
	return XDP_PASS;
}

SEC("xdp")
int handle_ipv6(struct xdp_md *ctx)
{
	ipv6_packets++;
	return XDP_DROP; // this host does not speak IPv6
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int(struct xdp_md *));
} handlers SEC(".maps") = {
	.values = {
		[SLOT_IPV4] = (void *)&handle_ipv4,
		[SLOT_IPV6] = (void *)&handle_ipv6,
	},
};

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 slot;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	switch (__builtin_bswap16(eth->h_proto)) {
	case ETH_P_IP:
		slot = SLOT_IPV4;
		break;
	case ETH_P_IPV6:
		slot = SLOT_IPV6;
		break;
	case ETH_P_ARP:
		slot = SLOT_ARP;
		break;
	default:
		slot = 3;
	}
	// On success bpf_tail_call does not return: the handler's verdict is the result. When the
	// slot is empty it does nothing and the program goes on (its return value is not
	// meaningful then: do not rely on it).
	bpf_tail_call(ctx, &handlers, slot);
	fell_through++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
