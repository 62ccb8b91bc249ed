/* bpf_timer in maps of maps: every lookup of an inner map gets its own map_uid, and
 * bpf_timer_init's map must come from the same lookup as the timer's value. */
#include "corpus.h"

struct elem {
	struct bpf_timer t;
};

struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} inner1 SEC(".maps"), inner2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer SEC(".maps") = {
	.values = {[0] = &inner1, [1] = &inner2},
};

static __always_inline void *inner_at(__u32 index)
{
	return bpf_map_lookup_elem(&outer, &index);
}

static __always_inline struct elem *first(void *map)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(map, &key);
}

/* the timer's value and the map come from one lookup */
SEC("syscall") int same_lookup(void *ctx)
{
	void *m = inner_at(0);
	struct elem *e;

	if (!m)
		return 1;
	e = first(m);
	if (!e)
		return 2;
	return bpf_timer_init(&e->t, m, CLOCK_MONOTONIC);
}

/* the map comes from another lookup */
SEC("syscall") int other_lookup(void *ctx)
{
	void *m1 = inner_at(0), *m2 = inner_at(1);
	struct elem *e;

	if (!m1 || !m2)
		return 1;
	e = first(m1);
	if (!e)
		return 2;
	return bpf_timer_init(&e->t, m2, CLOCK_MONOTONIC);
}

/* the map is the inner map named directly */
SEC("syscall") int inner_map_by_name(void *ctx)
{
	void *m = inner_at(0);
	struct elem *e;

	if (!m)
		return 1;
	e = first(m);
	if (!e)
		return 2;
	return bpf_timer_init(&e->t, &inner1, CLOCK_MONOTONIC);
}

/* the inner map named directly, for its own value */
SEC("syscall") int inner_map_direct(void *ctx)
{
	struct elem *e = first(&inner1);

	if (!e)
		return 2;
	return bpf_timer_init(&e->t, &inner1, CLOCK_MONOTONIC);
}
