// The example of the kernel patch that introduced BPF timers ("bpf: Introduce bpf timers",
// Linux 5.15), reworked as a complete program: an fentry program on bpf_fentry_test1 arms a
// one-shot timer, on CLOCK_REALTIME, in an element of a hash map; the callback counts.
//
// Run it:   pybpf run examples/timers/patch_example.bpf.c --prog start_timer --advance 2s --trace
#include <bpf/bpf_helpers.h>

struct map_elem {
	int counter;
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1000);
	__type(key, int);
	__type(value, struct map_elem);
} hmap SEC(".maps");

__u64 fired_at = 0;	/* CLOCK_MONOTONIC time of the last callback */
int start_result = -1;	/* what bpf_timer_start returned: 0 is success */

/* The callback: static, called with the map, the key and the value that hold the timer. */
static int timer_cb(void *map, int *key, struct map_elem *val)
{
	val->counter++;
	fired_at = bpf_ktime_get_ns();
	bpf_printk("timer fired for key %d, counter %d", *key, val->counter);
	return 0;
}

SEC("fentry/bpf_fentry_test1")
int start_timer(void *ctx)
{
	struct map_elem init = {};
	struct map_elem *val;
	int key = 0;

	bpf_map_update_elem(&hmap, &key, &init, BPF_ANY);
	val = bpf_map_lookup_elem(&hmap, &key);
	if (!val)
		return 0;
	bpf_timer_init(&val->timer, &hmap, CLOCK_REALTIME);
	bpf_timer_set_callback(&val->timer, timer_cb);
	start_result = bpf_timer_start(&val->timer, 1000000000 /* 1 s */, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
