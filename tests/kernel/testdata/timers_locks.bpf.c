/* The timer helpers' return values within one run (nothing is left armed, so no callback
 * fires), and bpf_spin_lock with BPF_F_LOCK updates. */
#include <bpf/bpf_helpers.h>


struct tval {
	__u64 before;
	struct bpf_timer t;
	__u64 after;
};

struct lval {
	__u32 a;
	struct bpf_spin_lock lock;
	__u64 b;
};

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, struct tval); } tarr SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 2); __type(key, __u32); __type(value, struct tval); } thash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, struct lval); } locked SEC(".maps");

long res[32];

static int cb(void *map, __u32 *key, struct tval *v)
{
	return 0;
}

SEC("tc")
int timers(void *ctx)
{
	__u32 k = 0;
	struct tval *v, init = { .before = 1, .after = 2 };
	int i = 0;

	v = bpf_map_lookup_elem(&tarr, &k);
	if (!v)
		return 1;
	v->before = 0x11;
	v->after = 0x22;
	res[i++] = bpf_timer_cancel(&v->t);                          /* -EINVAL: not initialised */
	res[i++] = bpf_timer_start(&v->t, 1000, 0);                  /* -EINVAL */
	res[i++] = bpf_timer_set_callback(&v->t, cb);                /* -EINVAL */
	res[i++] = bpf_timer_init(&v->t, &tarr, 3);                  /* -EINVAL: clock */
	res[i++] = bpf_timer_init(&v->t, &tarr, CLOCK_MONOTONIC);    /* 0 */
	res[i++] = bpf_timer_init(&v->t, &tarr, CLOCK_MONOTONIC);    /* -EBUSY */
	res[i++] = bpf_timer_start(&v->t, 1000, 0);                  /* -EINVAL: no callback */
	res[i++] = bpf_timer_set_callback(&v->t, cb);                /* 0 */
	res[i++] = bpf_timer_cancel(&v->t);                          /* 0: not armed */
	res[i++] = bpf_timer_start(&v->t, 10000000000ULL, 4);        /* -EINVAL: flags */
	res[i++] = bpf_timer_start(&v->t, 10000000000ULL, 0);        /* 0 */
	res[i++] = bpf_timer_start(&v->t, 20000000000ULL, 0);        /* 0: re-armed */
	res[i++] = bpf_timer_cancel(&v->t);                          /* 1: was armed */
	res[i++] = bpf_timer_cancel(&v->t);                          /* 0 */

	k = 7;
	res[i++] = bpf_map_update_elem(&thash, &k, &init, BPF_ANY);
	v = bpf_map_lookup_elem(&thash, &k);
	if (!v)
		return 2;
	res[i++] = bpf_timer_init(&v->t, &thash, CLOCK_BOOTTIME);    /* 0 */
	res[i++] = bpf_timer_set_callback(&v->t, cb);
	res[i++] = bpf_timer_start(&v->t, 10000000000ULL, 0);
	res[i++] = bpf_map_update_elem(&thash, &k, &init, BPF_EXIST);/* frees the timer */
	res[i++] = bpf_timer_cancel(&v->t);                          /* -EINVAL again */
	res[i++] = bpf_timer_init(&v->t, &thash, CLOCK_REALTIME);    /* 0 */
	res[i++] = bpf_map_delete_elem(&thash, &k);
	return 0;
}

SEC("tc")
int locks(void *ctx)
{
	__u32 k = 1;
	struct lval init = { .a = 5, .b = 6 }, *v;

	res[24] = bpf_map_update_elem(&locked, &k, &init, BPF_NOEXIST | BPF_F_LOCK);
	res[25] = bpf_map_update_elem(&locked, &k, &init, BPF_F_LOCK);
	v = bpf_map_lookup_elem(&locked, &k);
	if (!v)
		return 1;
	bpf_spin_lock(&v->lock);
	v->a += 1;
	v->b += 2;
	bpf_spin_unlock(&v->lock);
	res[26] = bpf_map_update_elem(&locked, &k, &init, BPF_EXIST | BPF_F_LOCK);
	k = 2;
	res[27] = bpf_map_update_elem(&locked, &k, &init, BPF_EXIST | BPF_F_LOCK); /* -ENOENT */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
