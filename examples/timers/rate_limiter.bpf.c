// A token-bucket rate limiter for XDP: each packet takes a token or is dropped; a timer adds
// `rate` tokens every refill_ns, up to `burst`. The bucket's state and its refill timer live in
// one map value, and the refill callback re-arms itself while anything is left to refill.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bucket {
	__u64 tokens;
	__u64 passed;
	__u64 dropped;
	struct bpf_spin_lock lock;
	struct bpf_timer refill;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct bucket);
} buckets SEC(".maps");

const volatile __u64 burst = 10;		/* the bucket's size */
const volatile __u64 rate = 2;			/* tokens per refill */
const volatile __u64 refill_ns = 100000000;	/* 100 ms */

static int refill(void *map, int *key, struct bucket *b)
{
	bool full;

	bpf_spin_lock(&b->lock);
	b->tokens = b->tokens + rate > burst ? burst : b->tokens + rate;
	full = b->tokens == burst;
	bpf_spin_unlock(&b->lock);
	if (!full)
		bpf_timer_start(&b->refill, refill_ns, 0);
	return 0;
}

SEC("xdp")
int limit(struct xdp_md *ctx)
{
	int key = 0, verdict = XDP_DROP;
	struct bucket *b = bpf_map_lookup_elem(&buckets, &key);

	if (!b)
		return XDP_PASS;
	if (bpf_timer_init(&b->refill, &buckets, CLOCK_MONOTONIC) == 0) {
		/* the first packet ever: fill the bucket and set up the refill timer */
		b->tokens = burst;
		bpf_timer_set_callback(&b->refill, refill);
	}
	bpf_spin_lock(&b->lock);
	if (b->tokens) {
		b->tokens--;
		b->passed++;
		verdict = XDP_PASS;
	} else {
		b->dropped++;
	}
	bpf_spin_unlock(&b->lock);
	bpf_timer_start(&b->refill, refill_ns, 0);	/* (re)arm: refill from now on */
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
