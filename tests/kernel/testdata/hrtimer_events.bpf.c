// Which hrtimer tracepoints one bpf_timer fires, and with what, watched by raw_tp programs (which
// need no timer of their own). The timer's hrtimer is learnt at its first start, made while
// `driving` is set; later events are kept only for that hrtimer, so other timers of the system
// do not count. Each event is kind | mode << 8 | was_armed << 16 (kinds: 1 start, 2 cancel,
// 3 expire entry, 4 expire exit).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct elem {
	struct bpf_timer t;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct elem);
} timers SEC(".maps");

/* one global, so both sides find its fields at the same offsets */
struct state {
	int op;
	int driving;
	int fired;
	int n;
	long rc;
	__u64 ours;
	__u64 events[16];
} st;

static void note(__u64 hrtimer, __u64 event)
{
	int i = st.n;

	if (!st.ours && st.driving)
		st.ours = hrtimer;
	if (hrtimer != st.ours || i < 0 || i >= 16)
		return;
	st.events[i] = event;
	st.n = i + 1;
}

SEC("raw_tp/hrtimer_start")
int on_start(unsigned long long *args)
{
	note(args[0], 1 | args[1] << 8 | args[2] << 16);
	return 0;
}

SEC("raw_tp/hrtimer_cancel")
int on_cancel(unsigned long long *args)
{
	note(args[0], 2);
	return 0;
}

SEC("raw_tp/hrtimer_expire_entry")
int on_entry(unsigned long long *args)
{
	note(args[0], 3);
	return 0;
}

SEC("raw_tp/hrtimer_expire_exit")
int on_exit(unsigned long long *args)
{
	note(args[0], 4);
	return 0;
}

static int cb(void *map, int *key, struct elem *v)
{
	st.fired++;
	return 0;
}

SEC("syscall")
int drive(void *ctx)
{
	int key = 0;
	struct elem *v = bpf_map_lookup_elem(&timers, &key), zero = {};

	if (!v)
		return 1;
	st.driving = 1;
	if (st.op == 0) {
		bpf_timer_init(&v->t, &timers, 1);
		bpf_timer_set_callback(&v->t, cb);
		st.rc = bpf_timer_start(&v->t, 1000000, 0);  /* 1 ms */
	} else if (st.op == 1) {
		st.rc = bpf_timer_start(&v->t, 10000000000ULL, 0);  /* after the expiry: 10 s */
	} else if (st.op == 2) {
		st.rc = bpf_timer_cancel(&v->t);
	} else if (st.op == 3) {
		bpf_timer_set_callback(&v->t, cb);
		st.rc = bpf_timer_start(&v->t, 1000000, BPF_F_TIMER_ABS);  /* long past: at once */
	} else if (st.op == 4) {  /* armed, then re-armed while armed */
		bpf_timer_start(&v->t, 10000000000ULL, 0);
		st.rc = bpf_timer_start(&v->t, 20000000000ULL, 0);
	} else {
		st.rc = bpf_map_update_elem(&timers, &key, &zero, 0);  /* frees the armed timer */
	}
	st.driving = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
