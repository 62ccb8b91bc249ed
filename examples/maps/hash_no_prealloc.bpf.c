// BPF_MAP_TYPE_HASH with BPF_F_NO_PREALLOC: elements are allocated as they are inserted,
// which suits maps that are mostly empty. The program counts occurrences of a key with the
// lookup-then-insert pattern; a full map refuses new keys with -E2BIG.
#include <bpf/bpf_helpers.h>

#define E2BIG 7
#define EEXIST 17

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

__u64 new_keys;    // keys inserted
__u64 full_errors; // inserts refused because the map was full
long last_error;   // the last failed insert's result

struct sample {
	__u32 key;
};

// Returns the key's count after this one, or a negative errno.
SEC("syscall")
int count(struct sample *s)
{
	__u32 key = s->key;
	__u64 one = 1;
	__u64 *n = bpf_map_lookup_elem(&counts, &key);
	long err;

	if (n)
		return __sync_add_and_fetch(n, 1);
	// BPF_NOEXIST: if another CPU inserted the key since our lookup, do not overwrite it.
	err = bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	if (err == -EEXIST) {
		n = bpf_map_lookup_elem(&counts, &key);
		return n ? __sync_add_and_fetch(n, 1) : err;
	}
	if (err) {
		last_error = err;
		if (err == -E2BIG)
			full_errors++;
		return err;
	}
	new_keys++;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
