/* Every errno path of hash, LRU and per-CPU hash maps, seen from a program: each result lands
 * in res[], so comparing .bss compares every return value. */
#include <bpf/bpf_helpers.h>

#define E(map, n) __uint(type, map); __uint(max_entries, n); __type(key, __u32); __type(value, __u64)

struct { E(BPF_MAP_TYPE_HASH, 4); } hash SEC(".maps");
struct { E(BPF_MAP_TYPE_HASH, 4); __uint(map_flags, BPF_F_NO_PREALLOC); } hash_noprealloc SEC(".maps");
struct { E(BPF_MAP_TYPE_PERCPU_HASH, 4); } pcpu_hash SEC(".maps");
struct { E(BPF_MAP_TYPE_PERCPU_HASH, 4); __uint(map_flags, BPF_F_NO_PREALLOC); } pcpu_noprealloc SEC(".maps");
struct { E(BPF_MAP_TYPE_LRU_HASH, 4); } lru SEC(".maps");
struct { E(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4); } lru_pcpu SEC(".maps");

long res[64];
__u64 found[16];

/* The same sequence on any hash-like map; returns the next free slot of res[]. */
static __always_inline int exercise(void *map, int i, int fill)
{
	__u32 k;
	__u64 v, *p;

	k = 1; v = 10;
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_ANY);         /* 0 */
	v = 11;
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_NOEXIST);     /* -EEXIST */
	k = 2; v = 20;
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_EXIST);       /* -ENOENT */
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_NOEXIST);     /* 0 */
	v = 21;
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_EXIST);       /* 0 */
	res[i++] = bpf_map_update_elem(map, &k, &v, 3);               /* -EINVAL */
	res[i++] = bpf_map_update_elem(map, &k, &v, 8);               /* -EINVAL */
	res[i++] = bpf_map_update_elem(map, &k, &v, BPF_F_LOCK);      /* -EINVAL: no spin lock */
	if (fill) {
		k = 3; v = 30;
		res[i++] = bpf_map_update_elem(map, &k, &v, BPF_ANY);
		k = 4; v = 40;
		res[i++] = bpf_map_update_elem(map, &k, &v, BPF_ANY);
		k = 5; v = 50;
		res[i++] = bpf_map_update_elem(map, &k, &v, BPF_ANY); /* full: -E2BIG */
		k = 1; v = 12;
		res[i++] = bpf_map_update_elem(map, &k, &v, BPF_ANY); /* replace while full */
	}
	k = 9;
	res[i++] = bpf_map_delete_elem(map, &k);                      /* -ENOENT */
	k = 2;
	res[i++] = bpf_map_delete_elem(map, &k);                      /* 0 */
	res[i++] = bpf_map_delete_elem(map, &k);                      /* -ENOENT */
	p = bpf_map_lookup_elem(map, &k);
	res[i++] = p ? (long)*p : -1;
	k = 1;
	p = bpf_map_lookup_elem(map, &k);
	res[i++] = p ? (long)*p : -1;
	if (p)
		*p += 100;                                            /* written through the pointer */
	return i;
}

SEC("syscall")
int hash_ops(void *ctx)
{
	return exercise(&hash, 0, 1);
}

SEC("syscall")
int hash_noprealloc_ops(void *ctx)
{
	return exercise(&hash_noprealloc, 0, 1);
}

SEC("syscall")
int pcpu_hash_ops(void *ctx)
{
	return exercise(&pcpu_hash, 0, 1);
}

SEC("syscall")
int lru_ops(void *ctx)
{
	return exercise(&lru, 0, 0);
}

/* A full LRU map takes new keys by evicting old ones: res[i] is each insert's result. */
SEC("syscall")
int lru_flood(void *ctx)
{
	for (int i = 0; i < 12; i++) {
		__u32 k = 100 + i;
		__u64 v = i;
		res[i & 63] = bpf_map_update_elem(&lru, &k, &v, BPF_NOEXIST);
	}
	return 0;
}

SEC("syscall")
int lru_pcpu_ops(void *ctx)
{
	return exercise(&lru_pcpu, 0, 0);
}

/* Reads back what user space wrote: found[k] = value of k (or -1). */
SEC("syscall")
int read_back(void *ctx)
{
#pragma clang loop unroll(full)
	for (int i = 0; i < 8; i++) {
		__u32 k = i;
		__u64 *p = bpf_map_lookup_elem(&hash, &k);
		found[i] = p ? *p : (__u64)-1;
		p = bpf_map_lookup_elem(&pcpu_hash, &k);
		found[i + 8] = p ? *p : (__u64)-1;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
