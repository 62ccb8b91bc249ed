// BPF_MAP_TYPE_PERCPU_HASH: a hash map whose values exist once per CPU. When a program inserts
// a key, its CPU's copy gets the value and the other CPUs' copies start at zero.
#include <bpf/bpf_helpers.h>

#define E2BIG 7

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct flow_stats);
} flows SEC(".maps");

__u64 refused; // packets of new flows that did not fit

struct packet {
	__u32 flow;
	__u32 bytes;
};

SEC("syscall")
int account(struct packet *p)
{
	__u32 flow = p->flow;
	struct flow_stats *s = bpf_map_lookup_elem(&flows, &flow);
	struct flow_stats first = { .packets = 1, .bytes = p->bytes };
	long err;

	if (s) {
		s->packets++;
		s->bytes += p->bytes;
		return 0;
	}
	err = bpf_map_update_elem(&flows, &flow, &first, BPF_NOEXIST);
	if (err == -E2BIG)
		refused++;
	return err;
}

// Forget a flow: deleting removes the copies of every CPU.
SEC("syscall")
int forget(struct packet *p)
{
	__u32 flow = p->flow;

	return bpf_map_delete_elem(&flows, &flow);
}

char LICENSE[] SEC("license") = "GPL";
