/* verdict: accepted
 *
 * A timer callback runs later, on a stack of its own: 400 bytes in the program that sets it
 * and 400 in the callback are two chains, each under 512.
 */
#include <bpf/bpf_helpers.h>

struct elem {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct elem);
} timers SEC(".maps");

static int fire(void *map, int *key, struct elem *value)
{
	char buf[400];

	buf[0] = 1;
	asm volatile("" : : "r"(buf) : "memory"); /* all of buf is live */
	return 0;
}

SEC("tc")
int prog(void *ctx)
{
	char buf[400];
	int key = 0;
	struct elem *value = bpf_map_lookup_elem(&timers, &key);

	buf[0] = 1;
	asm volatile("" : : "r"(buf) : "memory"); /* all of buf is live */
	if (!value)
		return 0;
	bpf_timer_init(&value->timer, &timers, 1);
	bpf_timer_set_callback(&value->timer, fire);
	return buf[0];
}

char LICENSE[] SEC("license") = "GPL";
