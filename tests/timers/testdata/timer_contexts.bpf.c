// Timers from the contexts whose rules changed across releases: a hook run in hard-IRQ or NMI
// context, kprobe and perf_event programs (tracing programs, banned before 7.0), and 7.0's
// timer_start_deadlock selftest (a tp_btf program inside hrtimer code starting the same timer).
#include <bpf/bpf_helpers.h>

struct elem {
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct elem);
} timer_map SEC(".maps");

enum op { INIT, SET_CB, START, CANCEL, CANCEL_ASYNC };

int op = INIT;
long hook_rc = 0;
int fired = 0;
int in_timer_start = 0;
int tp_called = 0;
long tp_rc = 0;
int hits = 0;

static int cb(void *map, int *key, void *value)
{
	fired++;
	return 0;
}

static long apply(int which)
{
	int key = 0;
	struct elem *e = bpf_map_lookup_elem(&timer_map, &key);

	if (!e)
		return -2000;
	switch (which) {
	case INIT:
		return bpf_timer_init(&e->t, &timer_map, 1 /* CLOCK_MONOTONIC */);
	case SET_CB:
		return bpf_timer_set_callback(&e->t, cb);
	case START:
		return bpf_timer_start(&e->t, 1000, 0);
	case CANCEL:
		return bpf_timer_cancel(&e->t);
#ifdef WITH_CANCEL_ASYNC
	case CANCEL_ASYNC:
		return bpf_timer_cancel_async(&e->t);
#endif
	}
	return -1000;
}

/* Runs the operation `op` in whatever context the hook is fired in. */
SEC("fentry/bpf_fentry_test1")
int in_hook(void *ctx)
{
	hook_rc = apply(op);
	return 0;
}

/* Runs `op` from a task: a syscall program. */
SEC("syscall")
int in_task(void *ctx)
{
	return apply(op);
}

SEC("kprobe/do_nanosleep")
int from_kprobe(void *ctx)
{
	hits++;
	hook_rc = apply(op);
	return 0;
}

SEC("perf_event")
int from_perf_event(void *ctx)
{
	hits++;
	hook_rc = apply(op);
	return 0;
}

/* timer_start_deadlock: re-arming an armed timer removes it from the hrtimer queue, which
 * fires the hrtimer_cancel tracepoint; this program starts the same timer from there once. */
SEC("tp_btf/hrtimer_cancel")
int BPF_PROG_tp_hrtimer_cancel(void *ctx)
{
	if (!in_timer_start || tp_called)
		return 0;
	tp_called = 1;
	tp_rc = apply(START);
	return 0;
}

SEC("syscall")
int start_timer(void *ctx)
{
	long rc = apply(INIT);

	if (rc)
		return rc;
	if (apply(SET_CB))
		return -3000;
	in_timer_start = 1;
	apply(START);
	apply(START);
	in_timer_start = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
