// BPF_MAP_TYPE_STACK: a LIFO of values without keys, with the same helpers as a queue
// (bpf_map_push_elem, bpf_map_pop_elem, bpf_map_peek_elem) but the newest value comes out
// first. With BPF_EXIST a push onto a full stack drops the oldest (bottom) value.
#include <bpf/bpf_helpers.h>

#define ENOENT 2
#define E2BIG 7

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 4);
	__type(value, __u64);
} undo SEC(".maps");

long push_when_full;  // -E2BIG
long push_overwrite;  // 0: the bottom value (10) was dropped
__u64 peeked;         // the top, left in place
__u64 popped[4];      // newest first
long pop_when_empty;  // -ENOENT

static __always_inline long push(__u64 value, __u64 flags)
{
	return bpf_map_push_elem(&undo, &value, flags);
}

SEC("syscall")
int exercise(void *ctx)
{
	__u64 v;

	for (__u64 i = 1; i <= 4; i++)
		push(i * 10, BPF_ANY); // bottom 10 20 30 40 top
	push_when_full = push(50, BPF_ANY);
	push_overwrite = push(60, BPF_EXIST); // bottom 20 30 40 60 top
	bpf_map_peek_elem(&undo, &peeked);
	for (int i = 0; i < 4; i++) {
		if (bpf_map_pop_elem(&undo, &v) == 0)
			popped[i] = v;
	}
	pop_when_empty = bpf_map_pop_elem(&undo, &v);
	push(1, BPF_ANY);
	push(2, BPF_ANY); // user space pops 2 first
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
