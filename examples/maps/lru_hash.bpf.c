// BPF_MAP_TYPE_LRU_HASH: a hash map that never refuses a new key. When it is full, inserting
// evicts an element that has not been used recently; a program's lookup marks a key used.
//
// The "exercise" program fills a map of four, uses three of the keys, then inserts a fifth:
// the unused key (4) is the one evicted. (The kernel's LRU is approximate, built from per-CPU
// free lists and reference bits; a single eviction with one unused key is exact in both.)
#include <bpf/bpf_helpers.h>

#define EEXIST 17

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} recent SEC(".maps");

long first_insert;  // 0
long insert_again;  // BPF_NOEXIST on a present key: -EEXIST, as in any hash map
long insert_fifth;  // 0: the map evicts instead of failing with -E2BIG
__u64 used_sum;     // the values of the three keys looked up

static __always_inline long put(__u32 key, __u64 value, __u64 flags)
{
	return bpf_map_update_elem(&recent, &key, &value, flags);
}

SEC("syscall")
int exercise(void *ctx)
{
	first_insert = put(1, 100, BPF_NOEXIST);
	insert_again = put(1, 111, BPF_NOEXIST);
	put(2, 200, BPF_ANY);
	put(3, 300, BPF_ANY);
	put(4, 400, BPF_ANY); // full
#pragma clang loop unroll(full)
	for (__u32 i = 1; i <= 3; i++) {
		__u32 key = i;
		__u64 *v = bpf_map_lookup_elem(&recent, &key);

		if (v)
			used_sum += *v;
	}
	insert_fifth = put(5, 500, BPF_ANY); // evicts 4, the only key not used since insertion
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
