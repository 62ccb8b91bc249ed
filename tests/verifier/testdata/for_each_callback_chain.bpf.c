/* verdict: combined stack size of 3 calls is 544. Too large
 *
 * A bpf_for_each_map_elem callback runs on its caller's stack, and so does what it calls:
 * 128 bytes in the program, 128 in the callback and 288 in the function the callback calls
 * make one chain of 544.
 */
#include <bpf/bpf_helpers.h>
#include "stack.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

STACK_FUNCTION(deep, 288)

static long visit(void *map, __u32 *key, __u64 *value, void *ctx)
{
	return deep(USE_STACK(128, *key)) > 3;
}

SEC("tc")
int prog(void *ctx)
{
	int first = USE_STACK(128, 1);

	bpf_for_each_map_elem(&values, visit, 0, 0);
	return first;
}

char LICENSE[] SEC("license") = "GPL";
