/* examples/timers/patch_example.bpf.c as a syscall program, which this kernel runs through
 * BPF_PROG_RUN (it refuses fentry programs): the same map, callback and helper calls, with the
 * delay a load-time constant so a test need not wait a whole second. */
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

__u64 fired_at = 0;
int armed = -1;
const volatile __u64 delay_ns = 1000000000;

static int timer_cb(void *map, int *key, struct map_elem *val)
{
	val->counter++;
	fired_at = bpf_ktime_get_ns();
	bpf_printk("timer fired for key %d, counter %d", *key, val->counter);
	return 0;
}

SEC("syscall")
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
	armed = bpf_timer_start(&val->timer, delay_ns, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
