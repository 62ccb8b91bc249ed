// pybpf's port of what progs/timer_mim.c checks: a timer in a hash map that lives inside an
// array of maps; two callbacks take turns re-arming it.
#include <bpf/bpf_helpers.h>

struct hmap_elem {
	int pad;		/* the timer sits at offset 8 */
	struct bpf_timer timer;
};

struct inner_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, int);
	__type(value, struct hmap_elem);
} inner_htab SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, int);
	__array(values, struct inner_map);
} outer_arr SEC(".maps") = {
	.values = { [1] = &inner_htab },
};

__u64 err;
__u64 ok;
__u64 cnt;

static int timer_cb2(void *map, int *key, struct hmap_elem *val);

static int timer_cb1(void *map, int *key, struct hmap_elem *val)
{
	cnt++;
	bpf_timer_set_callback(&val->timer, timer_cb2);
	if (bpf_timer_start(&val->timer, 1000, 0))
		err |= 1;
	if (bpf_map_lookup_elem(map, key) != val) /* map and key are the element's own */
		err |= 16;
	ok |= 1;
	return 0;
}

static int timer_cb2(void *map, int *key, struct hmap_elem *val)
{
	cnt++;
	bpf_timer_set_callback(&val->timer, timer_cb1);
	if (bpf_timer_start(&val->timer, 1000, 0))
		err |= 2;
	ok |= 2;
	return 0;
}

SEC("fentry/bpf_fentry_test1")
int test1(void *ctx)
{
	struct hmap_elem init = {}, *val;
	int outer_key = 1, key = 1234;
	void *inner_map = bpf_map_lookup_elem(&outer_arr, &outer_key);

	if (!inner_map)
		return 0;
	bpf_map_update_elem(inner_map, &key, &init, 0);
	val = bpf_map_lookup_elem(inner_map, &key);
	if (!val)
		return 0;
	bpf_timer_init(&val->timer, inner_map, CLOCK_MONOTONIC);
	if (bpf_timer_set_callback(&val->timer, timer_cb2))
		err |= 4;
	if (bpf_timer_start(&val->timer, 0, 0))
		err |= 8;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
