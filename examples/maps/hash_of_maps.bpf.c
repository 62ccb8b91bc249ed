// BPF_MAP_TYPE_HASH_OF_MAPS: a hash map whose values are other maps, here one table of byte
// counters per tenant. The outer map is filled at load time with __array(values, ...)
// initialisers (the index is the key); a program updates the inner hash maps it finds.
#include <bpf/bpf_helpers.h>

#define ENOENT 2
#define E2BIG 7

// Inner maps: bytes per user. Small on purpose: a tenant has at most four users.
struct usage_table {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} usage_acme SEC(".maps"), usage_globex SEC(".maps");

// Tenants 1 (acme) and 7 (globex).
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct usage_table);
} tenants SEC(".maps") = {
	.values = {
		[1] = &usage_acme,
		[7] = &usage_globex,
	},
};

__u64 unknown_tenant; // records for a tenant with no table
long last_error;      // the last failure: -ENOENT or -E2BIG

struct record {
	__u32 tenant;
	__u32 user;
	__u64 bytes;
};

SEC("syscall")
int add_usage(struct record *rec)
{
	__u32 tenant = rec->tenant, user = rec->user;
	__u64 bytes = rec->bytes;
	void *usage = bpf_map_lookup_elem(&tenants, &tenant);
	__u64 *total;
	long err;

	if (!usage) {
		unknown_tenant++;
		return last_error = -ENOENT;
	}
	total = bpf_map_lookup_elem(usage, &user);
	if (total) {
		__sync_fetch_and_add(total, bytes);
		return 0;
	}
	err = bpf_map_update_elem(usage, &user, &bytes, BPF_NOEXIST);
	if (err)
		last_error = err; // -E2BIG when the tenant already has four users
	return err;
}

char LICENSE[] SEC("license") = "GPL";
