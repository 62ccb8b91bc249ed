// Mixed load for the stress test: runs that count, arm timers and touch a shared hash map,
// and callbacks that update and delete keys of the same map.
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct elem {
	long count;
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, int);
	__type(value, struct elem);
} shared SEC(".maps");

long runs;	/* one per run of `tick` */
long fired;	/* one per callback */
volatile int slot;	/* the key `tick` arms, set per run through the context */

static int cb(void *map, int *key, struct elem *v)
{
	int other = *key ^ 1;
	struct elem init = {};

	__sync_fetch_and_add(&fired, 1);
	__sync_fetch_and_add(&v->count, 1);
	if (*key & 2)
		bpf_map_delete_elem(map, &other);
	else
		bpf_map_update_elem(map, &other, &init, BPF_ANY);
	return 0;
}

SEC("syscall")
int tick(int *ctx)
{
	int key = *ctx & 63;
	struct elem init = {}, *v;

	__sync_fetch_and_add(&runs, 1);
	v = bpf_map_lookup_elem(&shared, &key);
	if (!v) {
		bpf_map_update_elem(&shared, &key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&shared, &key);
		if (!v)
			return 0;
	}
	bpf_timer_init(&v->t, &shared, 1);
	bpf_timer_set_callback(&v->t, cb);
	bpf_timer_start(&v->t, (*ctx >> 6) & 0xfffff, 0);
	return 0;
}
