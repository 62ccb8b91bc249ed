// A heartbeat that works on every kernel from 5.15 to 7.0: it asks for an absolute expiry
// (BPF_F_TIMER_ABS, Linux 6.4) and falls back to a relative one where the kernel refuses the
// flag; it stops without waiting through bpf_timer_cancel_async (Linux 7.0) where the kernel
// has it, and through bpf_timer_cancel elsewhere.
#include <bpf/bpf_helpers.h>

#define CLOCK_MONOTONIC 1
#define BPF_F_TIMER_ABS 1
#define EINVAL 22

struct beat {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct beat);
} beats SEC(".maps");

const volatile __u64 period_ns = 1000000000;	/* 1 s */
__u64 beats_seen = 0;
__u64 next_ns = 0;
int used_abs = 0;	/* whether the kernel took the absolute expiry */
int stopped_async = 0;	/* whether stop used bpf_timer_cancel_async */

static long arm(struct bpf_timer *timer)
{
	long rc;

	next_ns = bpf_ktime_get_ns() + period_ns;
	rc = bpf_timer_start(timer, next_ns, BPF_F_TIMER_ABS);
	if (rc != -EINVAL) {
		used_abs = 1;
		return rc;
	}
	used_abs = 0;	/* before 6.4: a relative expiry lands at the same time */
	return bpf_timer_start(timer, period_ns, 0);
}

static int beat(void *map, int *key, struct beat *b)
{
	beats_seen++;
	arm(&b->timer);
	return 0;
}

SEC("syscall")
int start(void *ctx)
{
	int key = 0;
	struct beat *b = bpf_map_lookup_elem(&beats, &key);

	if (!b)
		return 1;
	bpf_timer_init(&b->timer, &beats, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&b->timer, beat);
	return arm(&b->timer);
}

SEC("syscall")
int stop(void *ctx)
{
	int key = 0;
	struct beat *b = bpf_map_lookup_elem(&beats, &key);

	if (!b)
		return 1;
	if (bpf_ksym_exists(bpf_timer_cancel_async)) {
		stopped_async = 1;
		return bpf_timer_cancel_async(&b->timer);
	}
	return bpf_timer_cancel(&b->timer);
}

char LICENSE[] SEC("license") = "GPL";
