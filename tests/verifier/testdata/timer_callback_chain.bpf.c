/* verdict: combined stack size of 2 calls is 544. Too large
 *
 * A timer callback roots a chain of its own, and what it calls counts in that chain: 256 bytes
 * in the callback and 288 in the function it calls make 544, however little the program that
 * sets the timer uses.
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

static __attribute__((noinline)) int deep(int x)
{
	char buf[288];

	buf[0] = x;
	asm volatile("" : : "r"(buf) : "memory"); /* all of buf is live */
	return buf[0];
}

static int fire(void *map, int *key, struct elem *value)
{
	char buf[256];

	buf[0] = *key;
	asm volatile("" : : "r"(buf) : "memory");
	deep(buf[0]);
	return 0;
}

SEC("tc")
int prog(void *ctx)
{
	int key = 0;
	struct elem *value = bpf_map_lookup_elem(&timers, &key);

	if (!value)
		return 0;
	bpf_timer_init(&value->timer, &timers, 1);
	bpf_timer_set_callback(&value->timer, fire);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
