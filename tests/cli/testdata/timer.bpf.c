/* A one-second timer armed by a syscall program; its callback re-arms it until it has fired
 * three times. */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct elem {
	struct bpf_timer t;
	__u64 deadline;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct elem);
} timers SEC(".maps");

__u64 fired;

static int fire(void *map, __u32 *key, struct elem *e)
{
	fired++;
	if (fired < 3)
		bpf_timer_start(&e->t, 1000000000, 0);
	return 0;
}

SEC("syscall")
int arm(void *ctx)
{
	__u32 key = 1;
	struct elem init = {}, *e;

	bpf_map_update_elem(&timers, &key, &init, BPF_ANY);
	e = bpf_map_lookup_elem(&timers, &key);
	if (!e)
		return 1;
	e->deadline = bpf_ktime_get_ns() + 1000000000;
	bpf_timer_init(&e->t, &timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&e->t, fire);
	bpf_timer_start(&e->t, 1000000000, 0);
	bpf_printk("armed key %u", key);
	return 0;
}
