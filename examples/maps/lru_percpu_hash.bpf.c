// BPF_MAP_TYPE_LRU_PERCPU_HASH: an LRU hash map whose values exist once per CPU. Keys are
// shared (and evicted) by all CPUs; each CPU counts in its own copy of the value.
//
// "touch" counts a key on the CPU it runs on; "exercise" fills the map of four, uses three
// keys and inserts a fifth, which evicts the unused one.
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu_seen SEC(".maps");

struct sample {
	__u32 key;
};

// Returns this CPU's count for the key.
SEC("syscall")
int touch(struct sample *s)
{
	__u32 key = s->key;
	__u64 one = 1;
	__u64 *n = bpf_map_lookup_elem(&per_cpu_seen, &key);

	if (n) {
		*n += 1; // only this CPU writes this copy
		return *n;
	}
	// A new key: this CPU's copy starts at 1, the other CPUs' copies at 0.
	bpf_map_update_elem(&per_cpu_seen, &key, &one, BPF_NOEXIST);
	return 1;
}

long insert_fifth; // 0: full LRU maps evict rather than fail

SEC("syscall")
int exercise(void *ctx)
{
	__u64 value = 7;
	__u32 key;

	// Unrolled: each key is a constant the verifier can follow.
#pragma clang loop unroll(full)
	for (__u32 i = 11; i <= 14; i++) {
		key = i;
		bpf_map_update_elem(&per_cpu_seen, &key, &value, BPF_ANY);
	}
#pragma clang loop unroll(full)
	for (__u32 i = 11; i <= 13; i++) {
		key = i;
		bpf_map_lookup_elem(&per_cpu_seen, &key); // marks the key used
	}
	key = 15;
	insert_fifth = bpf_map_update_elem(&per_cpu_seen, &key, &value, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
