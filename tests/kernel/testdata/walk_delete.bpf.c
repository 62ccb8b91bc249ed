/* Walking a map while deleting from it: bpf_for_each_map_elem callbacks that delete the
 * element they are given, count their visits, and use other keys on the way. */
#include <bpf/bpf_helpers.h>

#define N 64

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, N); __type(key, __u32); __type(value, __u64); } hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, N); __type(key, __u32); __type(value, __u64); } lru SEC(".maps");

__u64 visits, deleted, deletes_failed, sum;

static int drop_odd(void *map, __u32 *key, __u64 *value, void *ctx)
{
	__u32 other = (*key + 7) % N;

	visits++;
	sum += *value;
	bpf_map_lookup_elem(map, &other);      /* an LRU map marks it used: the walk is not reordered */
	if (*key & 1) {
		if (bpf_map_delete_elem(map, key))
			deletes_failed++;
		else
			deleted++;
	}
	return 0;
}

static int drop_all(void *map, __u32 *key, __u64 *value, void *ctx)
{
	visits++;
	sum += *value;
	if (bpf_map_delete_elem(map, key))
		deletes_failed++;
	return 0;
}

static long fill_one(__u32 k, void *map)
{
	__u64 v = 1000 + k;

	bpf_map_update_elem(map, &k, &v, BPF_ANY);
	return 0;
}

static long fill_hash(__u32 k, void *ctx) { return fill_one(k, &hash); }
static long fill_lru(__u32 k, void *ctx) { return fill_one(k, &lru); }

SEC("syscall")
int walk_hash(void *ctx)
{
	bpf_loop(N, fill_hash, 0, 0);
	visits = deleted = deletes_failed = sum = 0;
	bpf_for_each_map_elem(&hash, drop_odd, 0, 0);   /* every element once, odd ones gone */
	bpf_for_each_map_elem(&hash, drop_all, 0, 0);   /* the even ones, once each, all gone */
	return bpf_for_each_map_elem(&hash, drop_all, 0, 0);   /* 0: nothing left */
}

SEC("syscall")
int walk_lru(void *ctx)
{
	bpf_loop(N, fill_lru, 0, 0);
	visits = deleted = deletes_failed = sum = 0;
	bpf_for_each_map_elem(&lru, drop_odd, 0, 0);
	return bpf_for_each_map_elem(&lru, drop_odd, 0, 0);   /* the 32 even ones */
}

char LICENSE[] SEC("license") = "GPL";
