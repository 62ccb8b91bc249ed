// BPF_MAP_TYPE_QUEUE: a FIFO of values without keys. Programs use bpf_map_push_elem,
// bpf_map_pop_elem and bpf_map_peek_elem; user space uses push/pop/peek on the map handle.
// A full queue refuses a push with -E2BIG unless BPF_EXIST asks to drop the oldest value.
#include <bpf/bpf_helpers.h>

#define ENOENT 2
#define E2BIG 7
#define EINVAL 22

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} jobs SEC(".maps");

long push_when_full;     // -E2BIG
long push_overwrite;     // 0: BPF_EXIST dropped the oldest value
long push_bad_flags;     // BPF_NOEXIST is not a queue flag: -EINVAL
__u32 peeked;            // the head, left in place
__u32 popped[4];         // the values in the order they came out
long pop_when_empty;     // -ENOENT
long peek_when_empty;    // -ENOENT

static __always_inline long push(__u32 value, __u64 flags)
{
	return bpf_map_push_elem(&jobs, &value, flags);
}

SEC("syscall")
int exercise(void *ctx)
{
	__u32 v;

	for (__u32 i = 1; i <= 4; i++)
		push(i * 10, BPF_ANY); // 10 20 30 40: full
	push_when_full = push(50, BPF_ANY);
	push_overwrite = push(60, BPF_EXIST); // 10 goes: 20 30 40 60
	push_bad_flags = push(70, BPF_NOEXIST);
	bpf_map_peek_elem(&jobs, &peeked);
	for (int i = 0; i < 4; i++) {
		if (bpf_map_pop_elem(&jobs, &v) == 0)
			popped[i] = v;
	}
	pop_when_empty = bpf_map_pop_elem(&jobs, &v);
	peek_when_empty = bpf_map_peek_elem(&jobs, &v);
	// Leave two values for user space to pop.
	push(7, BPF_ANY);
	push(8, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
