/* A program that arms a timer whose callback uses CALLBACK_BYTES of stack and, when
 * CALLEE_BYTES is set, calls a function using that many; the program uses PROG_BYTES. */
#include <bpf/bpf_helpers.h>
#include "stack.h"

struct elem {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct elem);
} timers SEC(".maps");

#ifdef CALLEE_BYTES
STACK_FUNCTION(callee, CALLEE_BYTES)
#else
#define callee(x) (x)
#endif

static int fire(void *map, int *key, struct elem *value)
{
	callee(USE_STACK(CALLBACK_BYTES, *key));
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
	return USE_STACK(PROG_BYTES, 0);
}

char LICENSE[] SEC("license") = "GPL";
