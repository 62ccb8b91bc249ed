/* bpf_loop and bpf_for_each_map_elem: iteration counts, early stops and refused arguments. */
#include <bpf/bpf_helpers.h>

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 5); __type(key, __u32); __type(value, __u64); } arr SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 3); __type(key, __u32); __type(value, __u64); } pcpu SEC(".maps");

long res[32];

struct acc {
	__u64 sum;
	__u64 calls;
	__u64 stop_after;
};

static int add_index(__u32 i, void *ctx)
{
	struct acc *a = ctx;

	a->sum += i;
	a->calls++;
	return 0;
}

static int stop_at_three(__u32 i, void *ctx)
{
	return i == 3;
}

/* The walk's accumulator lives in global data, which keeps the verifier's view of it simple. */
struct acc walk_acc;

static int sum_values(void *map, __u32 *key, __u64 *value, void *ctx)
{
	struct acc *a = &walk_acc;

	a->sum += *value + *key;
	*value += 1;                        /* callbacks may write the value */
	a->calls++;
	return 0;
}

/* Stops after stop_after elements; touches nothing (hash order is the kernel's own). */
static int count_until(void *map, __u32 *key, __u64 *value, void *ctx)
{
	walk_acc.calls++;
	return walk_acc.calls == walk_acc.stop_after;   /* 1 stops the walk */
}

SEC("syscall")
int loops(void *ctx)
{
	struct acc a = {};
	int i = 0;

	res[i++] = bpf_loop(10, add_index, &a, 0);           /* 10 */
	res[i++] = a.sum;                                     /* 45 */
	res[i++] = bpf_loop(10, stop_at_three, 0, 0);        /* 4 */
	res[i++] = bpf_loop(0, add_index, &a, 0);            /* 0 */
	res[i++] = bpf_loop((1 << 23) + 1, add_index, &a, 0); /* -E2BIG */
	res[i++] = bpf_loop(1 << 23, stop_at_three, 0, 0);   /* 4 */
	res[i++] = bpf_loop(5, add_index, &a, 1);            /* -EINVAL */
	res[i++] = a.calls;
	return i;
}

SEC("syscall")
int walk(void *ctx)
{
	struct acc *a = &walk_acc;
	__u32 k;
	__u64 v;
	int i = 8;

#pragma clang loop unroll(full)
	for (int n = 1; n <= 3; n++) {
		k = n;
		v = n * 100;
		bpf_map_update_elem(&hash, &k, &v, BPF_ANY);
	}
	res[i++] = bpf_for_each_map_elem(&hash, sum_values, 0, 0);   /* 3 */
	res[i++] = a->sum;                                             /* 606 */
	a->calls = 0;
	a->stop_after = 2;
	res[i++] = bpf_for_each_map_elem(&hash, count_until, 0, 0);  /* 2 */
	a->calls = 0;
	a->stop_after = 0;
	res[i++] = bpf_for_each_map_elem(&arr, sum_values, 0, 0);    /* 5 */
	res[i++] = bpf_for_each_map_elem(&pcpu, sum_values, 0, 0);   /* 3 */
	res[i++] = bpf_for_each_map_elem(&arr, sum_values, 0, 1);    /* -EINVAL */
	a->calls = 0;
	a->stop_after = 1;
	res[i++] = bpf_for_each_map_elem(&arr, count_until, 0, 0);   /* 1 */
	res[i++] = a->calls;
	return i;
}

char LICENSE[] SEC("license") = "GPL";
