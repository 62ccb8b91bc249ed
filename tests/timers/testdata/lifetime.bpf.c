// Timers whose element is updated with BPF_F_LOCK, removed by lookup-and-delete, or that live
// in a hash map held by a hash of maps.
#include <bpf/bpf_helpers.h>

struct locked {
	int counter;
	struct bpf_spin_lock lock;
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, int);
	__type(value, struct locked);
} lhash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, int);
	__type(value, struct locked);
} larr SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, int);
	__type(value, struct locked);
} inner_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, int);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [0] = &inner_hash },
};

int fired = 0;

static int cb(void *map, int *key, struct locked *v)
{
	fired++;
	v->counter += 100;
	return 0;
}

static long arm(void *map, struct locked *v)
{
	long err = bpf_timer_init(&v->t, map, CLOCK_MONOTONIC);

	if (err)
		return err;
	bpf_timer_set_callback(&v->t, cb);
	return bpf_timer_start(&v->t, 1000000, 0);
}

SEC("syscall")
int arm_hash(void *ctx)
{
	int key = 1;
	struct locked zero = {}, *v;

	bpf_map_update_elem(&lhash, &key, &zero, BPF_ANY);
	v = bpf_map_lookup_elem(&lhash, &key);
	return v ? arm(&lhash, v) : -1;
}

SEC("syscall")
int arm_array(void *ctx)
{
	int key = 1;
	struct locked *v = bpf_map_lookup_elem(&larr, &key);

	return v ? arm(&larr, v) : -1;
}

SEC("syscall")
int locked_update(void *ctx)
{
	int key = 1;
	struct locked value = {.counter = 7};

	return bpf_map_update_elem(&lhash, &key, &value, BPF_F_LOCK);
}

SEC("syscall")
int arm_inner(void *ctx)
{
	int outer_key = 0, key = 3;
	struct locked zero = {}, *v;
	void *map = bpf_map_lookup_elem(&outer, &outer_key);

	if (!map)
		return -1;
	bpf_map_update_elem(map, &key, &zero, BPF_ANY);
	v = bpf_map_lookup_elem(map, &key);
	return v ? arm(map, v) : -1;
}

char LICENSE[] SEC("license") = "GPL";
