/* Counters in a BTF hash map, a raw array, a per-CPU array and globals; a syscall program
 * with and without a context, a subprogram, and an XDP program. */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct stats);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, 4);
	__uint(value_size, 8);
} raw SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct args {
	__u32 key;
	__u32 len;
};

__u64 runs;
int limit = 3;
const volatile char greeting[8] = "hello";

static __noinline int bump(__u32 key, __u64 len)
{
	struct stats zero = {}, *s;

	s = bpf_map_lookup_elem(&counts, &key);
	if (!s) {
		bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&counts, &key);
		if (!s)
			return 0;
	}
	s->packets++;
	s->bytes += len;
	return 1;
}

SEC("syscall")
int count(void *ctx)
{
	__u32 zero = 0;
	__u64 *hit = bpf_map_lookup_elem(&hits, &zero);

	if (hit)
		(*hit)++;
	runs++;
	bump(1, 100);
	return runs;
}

SEC("syscall")
int add(struct args *a)
{
	return bump(a->key, a->len);
}

SEC("xdp")
int pass(void *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&raw, &key);

	if (n)
		(*n)++;
	return 2;
}
