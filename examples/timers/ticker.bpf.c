// A periodic ticker: the callback re-arms its own timer, the usual way to make a BPF timer
// periodic (a timer is one-shot). Each tick counts and remembers when it ran; stop_ticker
// cancels it, which also detaches the callback.
#include <bpf/bpf_helpers.h>

struct ticker {
	__u64 ticks;
	__u64 last_tick_ns;
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct ticker);
} tickers SEC(".maps");

__u64 interval_ns = 100000000;	/* 100 ms; user space may change it between ticks */

static int tick(void *map, int *key, struct ticker *t)
{
	t->ticks++;
	t->last_tick_ns = bpf_ktime_get_ns();
	bpf_timer_start(&t->timer, interval_ns, 0);	/* the next tick */
	return 0;
}

SEC("syscall")
int start_ticker(void *ctx)
{
	int key = 0;
	struct ticker *t = bpf_map_lookup_elem(&tickers, &key);
	long err;

	if (!t)
		return -1;
	err = bpf_timer_init(&t->timer, &tickers, CLOCK_MONOTONIC);
	if (err && err != -16 /* EBUSY: initialised by an earlier start */)
		return err;
	bpf_timer_set_callback(&t->timer, tick);
	return bpf_timer_start(&t->timer, interval_ns, 0);
}

SEC("syscall")
int stop_ticker(void *ctx)
{
	int key = 0;
	struct ticker *t = bpf_map_lookup_elem(&tickers, &key);

	return t ? bpf_timer_cancel(&t->timer) : -1;
}

char LICENSE[] SEC("license") = "GPL";
