// BPF_MAP_TYPE_ARRAY from the program side: every element always exists (zeroed at creation),
// so BPF_NOEXIST fails, delete is refused, and an index past max_entries is out of range.
// Results of each step are recorded in global variables.
#include <bpf/bpf_helpers.h>

#define EINVAL 22
#define E2BIG 7
#define EEXIST 17

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} slots SEC(".maps");

long update_any;        // 0
long update_noexist;    // -EEXIST: array elements always exist
long update_exist;      // 0
long update_past_end;   // index 8 of 8: -E2BIG
long update_bad_flags;  // BPF_NOEXIST | BPF_EXIST: -EINVAL
long update_lock_flag;  // BPF_F_LOCK without a spin lock in the value: -EINVAL
long delete_result;     // -EINVAL: array elements cannot be deleted
int found_past_end;     // 0: a lookup past the end returns NULL

static __always_inline long set(__u32 index, __u64 value, __u64 flags)
{
	return bpf_map_update_elem(&slots, &index, &value, flags);
}

SEC("syscall")
int exercise(void *ctx)
{
	__u32 index = 3, past_end = 8, five = 5;
	__u64 *slot;

	update_any = set(3, 30, BPF_ANY);
	update_noexist = set(3, 31, BPF_NOEXIST);
	update_exist = set(3, 33, BPF_EXIST);
	update_past_end = set(8, 80, BPF_ANY);
	update_bad_flags = set(3, 34, BPF_NOEXIST | BPF_EXIST);
	update_lock_flag = set(3, 35, BPF_F_LOCK);
	delete_result = bpf_map_delete_elem(&slots, &index);
	found_past_end = bpf_map_lookup_elem(&slots, &past_end) != 0;
	// A lookup gives a pointer into the array: writing through it updates the element.
	slot = bpf_map_lookup_elem(&slots, &five);
	if (slot)
		*slot = 55;
	return 0;
}

// Sum the slots (what user space put there, plus what exercise wrote).
SEC("syscall")
int sum(void *ctx)
{
	__u64 total = 0;

	// The verifier follows a loop one iteration at a time, and loses track of a counter whose
	// address goes to a helper. A loop with a constant trip count is best unrolled.
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < 8; i++) {
		__u32 key = i;
		__u64 *v = bpf_map_lookup_elem(&slots, &key);

		if (v)
			total += *v;
	}
	return total;
}

char LICENSE[] SEC("license") = "GPL";
