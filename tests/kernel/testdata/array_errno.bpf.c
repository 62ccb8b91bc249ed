/* Every errno path of array and per-CPU array maps, seen from a program. */
#include <bpf/bpf_helpers.h>

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } arr SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } pcpu_arr SEC(".maps");

struct odd { __u8 b[5]; };  /* a value size that is not a multiple of 8 */
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, struct odd); } pcpu_odd SEC(".maps");

long res[32];

static __always_inline int exercise(void *map, int i)
{
	__u32 k;
	__u64 v = 7;
	__u64 *p;

	k = 0;
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_ANY);        /* 0 */
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_NOEXIST);    /* -EEXIST */
	k = 1;
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_EXIST);      /* 0 */
	k = 4;
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_ANY);        /* -E2BIG */
	k = 0xffffffff;
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_EXIST);      /* -E2BIG */
	k = 2;
	res[i++] = bpf_map_update_elem(map, &k, &v, 8);              /* -EINVAL */
	res[i++] = bpf_map_update_elem(map, &k, &v, 3);              /* -EINVAL? */
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_F_LOCK);     /* -EINVAL */
	res[i++] = bpf_map_delete_elem(map, &k);                     /* -EINVAL */
	k = 9;
	res[i++] = bpf_map_delete_elem(map, &k);                     /* -EINVAL */
	p = bpf_map_lookup_elem(map, &k);
	res[i++] = p ? 1 : 0;                                        /* out of range: NULL */
	k = 3;
	p = bpf_map_lookup_elem(map, &k);
	res[i++] = p ? (long)*(__u32 *)p : -1;
	if (p)
		*(__u32 *)p = 0x55;
	return i;
}

SEC("syscall")
int array_ops(void *ctx)
{
	return exercise(&arr, 0);
}

SEC("syscall")
int pcpu_array_ops(void *ctx)
{
	return exercise(&pcpu_arr, 16);
}

SEC("syscall")
int pcpu_odd_ops(void *ctx)
{
	__u32 k = 1;
	struct odd v = { .b = { 1, 2, 3, 4, 5 } };
	struct odd *p;

	res[30] = bpf_map_update_elem(&pcpu_odd, &k, &v, BPF_ANY);
	p = bpf_map_lookup_elem(&pcpu_odd, &k);
	if (p)
		p->b[4] = 9;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
