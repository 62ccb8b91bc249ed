/* bpf_timer (the rules of the timer series): timers live in map values with BTF, the helpers
 * take a pointer exactly at the timer field, bpf_timer_init takes the timer's own map, no
 * access may overlap the 16 timer bytes, callbacks are static functions returning 0, and a
 * timer may share its value with a spin lock. Run-time results (-EINVAL and so on) are the
 * helpers' return values. */
#include "corpus.h"

#define EINVAL 22

struct elem {
	struct bpf_timer t;
};

/* a timer at offset 8, between two words */
struct elem8 {
	__u64 before;
	struct bpf_timer t;
	__u64 after;
};

struct elem_lock {
	struct bpf_spin_lock lock;
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct elem);
} tarr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} tarr2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct elem);
} thash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct elem);
} tlru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem8);
} tarr8 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem_lock);
} tlock SEC(".maps");

static int cb_zero(void *map, __u32 *key, struct elem *val)
{
	return 0;
}

static int cb_one(void *map, __u32 *key, struct elem *val)
{
	return 1;
}

static int cb_unknown(void *map, __u32 *key, struct elem *val)
{
	return bpf_get_prandom_u32();
}

static int cb_reads_value(void *map, __u32 *key, struct elem8 *val)
{
	val->after = val->before + 1;
	return 0;
}

static int cb_touches_timer(void *map, __u32 *key, struct elem *val)
{
	*(volatile __u64 *)&val->t = 0;
	return 0;
}

static int cb_big_frame(void *map, __u32 *key, struct elem *val)
{
	volatile char buf[400];

	buf[*key & 255] = 1;
	return buf[0] & 0;
}

int global_cb(void *map, __u32 *key, struct elem *val)
{
	return 0;
}

static __always_inline struct elem *first(void *map)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(map, &key);
}

/* init, set the callback, start (10 s away, cancelled when the map goes) */
SEC("syscall") int array_init_start(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	if (bpf_timer_init(&e->t, &tarr, CLOCK_MONOTONIC))
		return 2;
	if (bpf_timer_set_callback(&e->t, cb_zero))
		return 3;
	return bpf_timer_start(&e->t, 10000000000ULL, 0);
}

/* a timer in a hash map value */
SEC("syscall") int hash_init(void *ctx)
{
	__u32 key = 1;
	struct elem zero = {}, *e;

	bpf_map_update_elem(&thash, &key, &zero, BPF_ANY);
	e = bpf_map_lookup_elem(&thash, &key);
	if (!e)
		return 1;
	return bpf_timer_init(&e->t, &thash, CLOCK_BOOTTIME);
}

/* a timer in an LRU hash map value */
SEC("syscall") int lru_init(void *ctx)
{
	__u32 key = 1;
	struct elem zero = {}, *e;

	bpf_map_update_elem(&tlru, &key, &zero, BPF_ANY);
	e = bpf_map_lookup_elem(&tlru, &key);
	if (!e)
		return 1;
	return bpf_timer_init(&e->t, &tlru, CLOCK_MONOTONIC);
}

/* init twice: -EBUSY the second time */
SEC("syscall") int init_twice(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	bpf_timer_init(&e->t, &tarr, CLOCK_MONOTONIC);
	return -bpf_timer_init(&e->t, &tarr, CLOCK_MONOTONIC);
}

/* an unknown clock: -EINVAL */
SEC("syscall") int init_bad_clock(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return -bpf_timer_init(&e->t, &tarr, 3);
}

/* start before init: -EINVAL */
SEC("syscall") int start_uninitialised(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return -bpf_timer_start(&e->t, 1000, 0);
}

/* set_callback before init: -EINVAL */
SEC("syscall") int set_callback_uninitialised(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return -bpf_timer_set_callback(&e->t, cb_zero);
}

/* cancel before init: -EINVAL */
SEC("syscall") int cancel_uninitialised(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return -bpf_timer_cancel(&e->t);
}

/* cancel an initialised timer that is not armed: 0 */
SEC("syscall") int cancel_unarmed(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	bpf_timer_init(&e->t, &tarr, CLOCK_MONOTONIC);
	return bpf_timer_cancel(&e->t);
}

/* cancel an armed timer: 1 */
SEC("syscall") int cancel_armed(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 7;
	bpf_timer_init(&e->t, &tarr, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&e->t, cb_zero);
	bpf_timer_start(&e->t, 10000000000ULL, 0);
	return bpf_timer_cancel(&e->t);
}

/* start with unknown flags: -EINVAL */
SEC("syscall") int start_bad_flags(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	bpf_timer_init(&e->t, &tarr, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&e->t, cb_zero);
	return -bpf_timer_start(&e->t, 1000, 4);
}

/* a callback that returns 1 */
SEC("syscall") int callback_returns_one(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return bpf_timer_set_callback(&e->t, cb_one);
}

/* a callback whose return is not known */
SEC("syscall") int callback_returns_unknown(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return bpf_timer_set_callback(&e->t, cb_unknown);
}

/* a callback that reads and writes its value beside the timer */
SEC("syscall") int callback_uses_value(void *ctx)
{
	__u32 key = 0;
	struct elem8 *e = bpf_map_lookup_elem(&tarr8, &key);

	if (!e)
		return 1;
	return bpf_timer_set_callback(&e->t, cb_reads_value);
}

/* a callback that writes the timer field */
SEC("syscall") int callback_touches_timer(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return bpf_timer_set_callback(&e->t, cb_touches_timer);
}

/* a global function as the callback */
SEC("syscall") int callback_global(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return bpf_timer_set_callback(&e->t, global_cb);
}

/* a timer callback is a root of its own: 400 + 400 bytes of stack are fine */
SEC("syscall") int callback_own_stack_root(void *ctx)
{
	volatile char buf[400];
	struct elem *e = first(&tarr);

	buf[0] = 0;
	buf[399] = 0;
	if (!e)
		return buf[0];
	return bpf_timer_set_callback(&e->t, cb_big_frame) + buf[399];
}

/* bpf_timer_init with another map than the timer's */
SEC("syscall") int init_other_map(void *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return bpf_timer_init(&e->t, &tarr2, CLOCK_MONOTONIC);
}

/* the value's start, not the timer at offset 8 */
SEC("syscall") int pointer_not_at_timer(void *ctx)
{
	__u32 key = 0;
	struct elem8 *e = bpf_map_lookup_elem(&tarr8, &key);

	if (!e)
		return 1;
	return bpf_timer_init((struct bpf_timer *)e, &tarr8, CLOCK_MONOTONIC);
}

/* the timer at offset 8 */
SEC("syscall") int timer_at_offset_8(void *ctx)
{
	__u32 key = 0;
	struct elem8 *e = bpf_map_lookup_elem(&tarr8, &key);

	if (!e)
		return 1;
	return bpf_timer_init(&e->t, &tarr8, CLOCK_MONOTONIC);
}

/* the words around a timer are ordinary memory */
SEC("syscall") int access_beside_timer(void *ctx)
{
	__u32 key = 0;
	struct elem8 *e = bpf_map_lookup_elem(&tarr8, &key);

	if (!e)
		return 1;
	e->before = 4;
	e->after = e->before + 1;
	return e->after;
}

/* a timer with a spin lock in the same value */
SEC("tc") int timer_beside_lock(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct elem_lock *e = bpf_map_lookup_elem(&tlock, &key);

	if (!e)
		return 1;
	bpf_spin_lock(&e->lock);
	bpf_spin_unlock(&e->lock);
	return bpf_timer_init(&e->t, &tlock, CLOCK_MONOTONIC);
}

/* a timer helper while the value's lock is held */
SEC("tc") int timer_under_lock(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct elem_lock *e = bpf_map_lookup_elem(&tlock, &key);
	long ret;

	if (!e)
		return 1;
	bpf_spin_lock(&e->lock);
	ret = bpf_timer_init(&e->t, &tlock, CLOCK_MONOTONIC);
	bpf_spin_unlock(&e->lock);
	return ret;
}

/* a timer in a tc program */
SEC("tc") int timer_in_tc(struct __sk_buff *skb)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return -bpf_timer_start(&e->t, 1000, 0);
}

/* a timer in an xdp program */
SEC("xdp") int timer_in_xdp(struct xdp_md *ctx)
{
	struct elem *e = first(&tarr);

	if (!e)
		return 1;
	return bpf_timer_cancel(&e->t) + 2 + EINVAL;
}
