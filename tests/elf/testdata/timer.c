/* A map value holding a struct bpf_timer, armed with a callback. */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct elem {
	__u64 deadline;
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct elem);
} timers SEC(".maps");

__u64 fired;

static int fire(void *map, __u32 *key, struct elem *e)
{
	fired++;
	e->deadline = 0;
	return 0;
}

SEC("fentry/bpf_fentry_test1")
int arm(void *ctx)
{
	__u32 key = 1;
	struct elem init = {}, *e;

	bpf_map_update_elem(&timers, &key, &init, BPF_ANY);
	e = bpf_map_lookup_elem(&timers, &key);
	if (!e)
		return 0;
	bpf_timer_init(&e->t, &timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&e->t, fire);
	bpf_timer_start(&e->t, 1000, 0);
	return 0;
}
