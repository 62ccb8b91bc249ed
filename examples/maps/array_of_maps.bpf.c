// BPF_MAP_TYPE_ARRAY_OF_MAPS: an array whose values are other maps, here one quota table per
// region. The outer map is filled at load time with __array(values, ...) initialisers; a
// program looks up the inner map, then uses it like any map it declares itself.
#include <bpf/bpf_helpers.h>

#define ENOENT 2
#define ENOSPC 28

// The inner maps: remaining quota per user (index), one table per region. All inner maps
// must match the template the outer map declares (type, key and value sizes).
struct quota_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} quota_eu SEC(".maps"), quota_us SEC(".maps");

// Region 0 is the EU, region 2 the US; regions 1 and 3 have no table.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct quota_table);
} regions SEC(".maps") = {
	.values = {
		[0] = &quota_eu,
		[2] = &quota_us,
	},
};

__u64 granted;        // requests that fitted in their quota
__u64 no_region;      // requests for a region without a table
__u64 over_quota;     // requests larger than what was left
long last_result;

struct request {
	__u32 region;
	__u32 user;
	__u64 amount;
	__u64 remaining; // out: the user's quota afterwards
};

// Take amount from the user's quota in the region's table.
SEC("syscall")
int take_quota(struct request *r)
{
	__u32 region = r->region, user = r->user;
	void *table = bpf_map_lookup_elem(&regions, &region);
	__u64 *left;

	if (!table) {
		no_region++;
		return last_result = -ENOENT;
	}
	left = bpf_map_lookup_elem(table, &user);
	if (!left)
		return last_result = -ENOENT; // user index out of range
	if (*left < r->amount) {
		over_quota++;
		r->remaining = *left;
		return last_result = -ENOSPC;
	}
	*left -= r->amount;
	r->remaining = *left;
	granted++;
	return last_result = 0;
}

char LICENSE[] SEC("license") = "GPL";
