/* Queue and stack maps from a program: push until full, BPF_EXIST overwriting, bad flags,
 * peek and pop until empty. res[] holds each helper's result, got[] the values popped. */
#include <bpf/bpf_helpers.h>

struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 3); __type(value, __u32); } queue SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 3); __type(value, __u32); } stack SEC(".maps");

long res[48];
__u32 got[48];

static __always_inline int exercise(void *map, int i)
{
	__u32 v;

	for (__u32 n = 1; n <= 4; n++) {
		v = n;
		res[i++] = bpf_map_push_elem(map, &v, 0);        /* 0, 0, 0, -E2BIG */
	}
	v = 5;
	res[i++] = bpf_map_push_elem(map, &v, BPF_EXIST);        /* full: drops the oldest */
	res[i++] = bpf_map_push_elem(map, &v, BPF_NOEXIST);      /* -EINVAL */
	res[i++] = bpf_map_push_elem(map, &v, 8);                /* -EINVAL */
	v = 0;
	res[i++] = bpf_map_peek_elem(map, &v);
	got[i] = v;
	for (int n = 0; n < 4; n++) {
		v = 0xdead;
		res[i++] = bpf_map_pop_elem(map, &v);            /* 0, 0, 0, -ENOENT */
		got[i] = v;
	}
	v = 0xbeef;
	res[i++] = bpf_map_peek_elem(map, &v);                   /* -ENOENT */
	got[i] = v;
	v = 6;
	res[i++] = bpf_map_push_elem(map, &v, BPF_ANY);          /* leaves one value */
	return i;
}

SEC("syscall")
int queue_ops(void *ctx)
{
	return exercise(&queue, 0);
}

SEC("syscall")
int stack_ops(void *ctx)
{
	return exercise(&stack, 24);
}

/* Pops what user space pushed. */
SEC("syscall")
int pop_one(void *ctx)
{
	__u32 v = 0;

	res[47] = bpf_map_pop_elem(&queue, &v);
	got[47] = v;
	return v;
}

char LICENSE[] SEC("license") = "GPL";
