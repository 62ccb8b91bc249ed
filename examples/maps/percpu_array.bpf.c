// BPF_MAP_TYPE_PERCPU_ARRAY: each CPU has its own copy of every element, so counters need no
// atomic operations. A program sees and updates only the copy of the CPU it runs on; user
// space reads all copies at once (a list with one value per CPU).
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

__u32 last_cpu; // the CPU of the last run

struct request {
	__u32 slot;
};

// Count a hit in a slot on this CPU; returns this CPU's count for the slot.
SEC("syscall")
int hit(struct request *r)
{
	__u32 slot = r->slot;
	__u64 *count = bpf_map_lookup_elem(&hits, &slot);

	last_cpu = bpf_get_smp_processor_id();
	if (!count)
		return -1; // slot out of range
	*count += 1;   // plain add: no other CPU touches this copy
	return *count;
}

// Reset a slot with an update: from a program, it writes this CPU's copy only.
SEC("syscall")
int reset(struct request *r)
{
	__u32 slot = r->slot;
	__u64 zero = 0;

	return bpf_map_update_elem(&hits, &slot, &zero, BPF_ANY);
}

char LICENSE[] SEC("license") = "GPL";
