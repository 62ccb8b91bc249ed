// pybpf's port of what progs/timer_crash.c checks: an update whose value carries a poison
// pointer where the timer lives must never write it into the timer slot, for arrays (where the
// update frees the timer in place) and hash maps (where a later cancel must still be safe).
#include <bpf/bpf_helpers.h>

struct map_elem {
	struct bpf_timer timer;
	struct bpf_spin_lock lock;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct map_elem);
} amap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct map_elem);
} hmap SEC(".maps");

int crash_map = 0; /* 0: array, 1: hash */
long cancel_rc = 1;

static int cb(void *map, int *key, struct map_elem *val)
{
	return 0;
}

/* Each branch looks up and initialises through the same map: the verifier (pybpf's as the
 * kernel's) refuses a timer whose value may come from one map initialised with another. */
static long arm_in(void *map)
{
	int key = 0;
	struct map_elem init = {}, *e;

	bpf_map_update_elem(map, &key, &init, 0);
	e = bpf_map_lookup_elem(map, &key);
	if (!e)
		return 1;
	bpf_timer_init(&e->timer, map, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&e->timer, cb);
	return bpf_timer_start(&e->timer, 1000000000, 0);
}

SEC("syscall")
int arm(void *ctx)
{
	if (crash_map)
		return arm_in(&hmap);
	return arm_in(&amap);
}

SEC("syscall")
int poison(void *ctx)
{
	int key = 0;
	struct map_elem value = {}, *e;

	*(__u64 *)&value = 0xdeadcaf3;	/* a poison pointer where the timer's word is */
	if (crash_map) {
		bpf_map_update_elem(&hmap, &key, &value, 0);
		e = bpf_map_lookup_elem(&hmap, &key);
		if (e)
			cancel_rc = bpf_timer_cancel(&e->timer);
	} else {
		bpf_map_update_elem(&amap, &key, &value, 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
