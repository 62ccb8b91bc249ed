/* bpf_spin_lock in a loop over a hash map and an array whose values hold a lock beside
 * plain fields, and BPF_F_LOCK updates from a program: what the JIT runs natively. */
#include <bpf/bpf_helpers.h>

struct lval {
	__u64 a;
	struct bpf_spin_lock lock;
	__u32 b;
	__u64 c;
};

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, struct lval); } locked SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, struct lval); } alocked SEC(".maps");

long res[8];

static long step(__u32 i, void *ctx)
{
	struct lval init = { .a = i, .b = i * 2, .c = 7 }, *v;
	__u32 k = i % 3, j = i & 1;
	long *sum = ctx;

	bpf_map_update_elem(&locked, &k, &init, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&locked, &k);
	if (!v)
		return 1;
	bpf_spin_lock(&v->lock);
	v->a += i;
	v->b ^= i;
	v->c += v->a;
	*sum += v->c;
	bpf_spin_unlock(&v->lock);
	v = bpf_map_lookup_elem(&alocked, &j);
	if (!v)
		return 1;
	bpf_spin_lock(&v->lock);
	v->a += 1;
	v->c = v->a * 3;
	bpf_spin_unlock(&v->lock);
	return 0;
}

SEC("syscall")
int loop(void *ctx)
{
	struct lval put = { .a = 100, .b = 200, .c = 300 };
	long sum = 0;
	__u32 k = 1;

	res[0] = bpf_loop(40, step, &sum, 0);
	res[1] = sum;
	res[2] = bpf_map_update_elem(&locked, &k, &put, BPF_F_LOCK | BPF_EXIST);
	res[3] = bpf_map_update_elem(&alocked, &k, &put, BPF_F_LOCK);
	k = 5;
	res[4] = bpf_map_update_elem(&locked, &k, &put, BPF_F_LOCK | BPF_EXIST); /* -ENOENT */
	res[5] = bpf_map_update_elem(&locked, &k, &put, BPF_F_LOCK | BPF_NOEXIST);
	res[6] = bpf_map_update_elem(&locked, &k, &put, BPF_F_LOCK | BPF_NOEXIST); /* -EEXIST */
	res[7] = bpf_map_delete_elem(&locked, &k);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
