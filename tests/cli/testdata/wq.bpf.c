/* A bpf_wq queued by a syscall program; its callback counts the runs. */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct elem {
	struct bpf_wq w;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct elem);
} works SEC(".maps");

__u64 ran;

static int work(void *map, int *key, void *value)
{
	ran++;
	return 0;
}

SEC("syscall")
int queue(void *ctx)
{
	__u32 key = 1;
	struct elem *e = bpf_map_lookup_elem(&works, &key);

	if (!e || bpf_wq_init(&e->w, &works, 0) || bpf_wq_set_callback_impl(&e->w, work, 0, 0))
		return 1;
	return bpf_wq_start(&e->w, 0);
}
