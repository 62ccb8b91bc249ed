// A connection-tracking table whose entries expire after an idle timeout. Every packet of a
// flow (re)starts the flow's timer; when a flow stays idle for idle_timeout_ns, the timer's
// callback deletes the flow. A tc program, so it runs on real packets and in BPF_PROG_TEST_RUN.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_IP 0x0800

struct flow {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_state {
	__u64 packets;
	__u64 bytes;
	struct bpf_timer idle;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct flow);
	__type(value, struct flow_state);
} flows SEC(".maps");

const volatile __u64 idle_timeout_ns = 30ULL * 1000000000;	/* set with globals= at load */
__u64 expired = 0;						/* flows the timer removed */

static int expire(void *map, struct flow *key, struct flow_state *state)
{
	bpf_map_delete_elem(map, key);
	expired++;
	return 0;
}

SEC("tc")
int track(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u8 *eth = data, *ip = data + 14, *l4;
	struct flow key = {};
	struct flow_state *state, fresh = {};

	if ((void *)(ip + 20) > end || ((eth[12] << 8) | eth[13]) != ETH_P_IP)
		return TC_ACT_OK;
	l4 = ip + (ip[0] & 0xf) * 4;
	if ((void *)(l4 + 4) > end)
		return TC_ACT_OK;
	key.proto = ip[9];
	__builtin_memcpy(&key.saddr, ip + 12, 4);
	__builtin_memcpy(&key.daddr, ip + 16, 4);
	key.sport = (l4[0] << 8) | l4[1];
	key.dport = (l4[2] << 8) | l4[3];

	state = bpf_map_lookup_elem(&flows, &key);
	if (!state) {
		bpf_map_update_elem(&flows, &key, &fresh, BPF_NOEXIST);
		state = bpf_map_lookup_elem(&flows, &key);
		if (!state)
			return TC_ACT_OK;
		bpf_timer_init(&state->idle, &flows, CLOCK_MONOTONIC);
		bpf_timer_set_callback(&state->idle, expire);
	}
	state->packets++;
	state->bytes += skb->len;
	bpf_timer_start(&state->idle, idle_timeout_ns, 0);	/* pushes the expiry back */
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
