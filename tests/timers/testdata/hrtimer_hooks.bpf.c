// Programs on the hrtimer tracepoints, in the three forms real tools use (tp_btf with typed
// arguments, raw_tp with u64 arguments, tp/timer with the event record), watching timers a
// syscall program drives. Each hook appends (kind, detail) to events; kinds: 1 start, 2 cancel,
// 3 expire entry, 4 expire exit. tp_btf programs read the struct hrtimer through its pointer.
#include <bpf/bpf_helpers.h>

struct rb_node {
	unsigned long __rb_parent_color;
	struct rb_node *rb_right;
	struct rb_node *rb_left;
};
struct timerqueue_node {
	struct rb_node node;
	long long expires;
};
struct hrtimer_clock_base {
	void *cpu_base;
	unsigned int index;
	int clockid;
};
struct hrtimer {
	struct timerqueue_node node;
	long long _softexpires;
	void *function;
	struct hrtimer_clock_base *base;
	unsigned char state;
	unsigned char is_rel;
	unsigned char is_soft;
	unsigned char is_hard;
};
struct hrtimer_start_record {
	unsigned long long common;
	void *hrtimer;
	void *function;
	long long expires;
	long long softexpires;
	int mode;
	_Bool was_armed;
};

struct elem {
	struct bpf_timer t;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, int);
	__type(value, struct elem);
} timers SEC(".maps");

int op, clock_id, restart_in_hook, cancel_in_entry;
__u64 delay = 2000;
long rc, hook_rc;
int fired;
__u64 events[32];
__u32 n;
__u64 seen_hrtimer, seen_function;
long long seen_expires, seen_now;
int seen_clockid, seen_state, seen_soft;

static void note(__u64 kind, __u64 detail)
{
	__u32 i = n;

	if (i < 32)
		events[i] = kind | detail << 8;
	n = i + 1;
}

static int cb(void *map, int *key, struct elem *v)
{
	fired++;
	return 0;
}

static struct elem *elem(int k)
{
	return bpf_map_lookup_elem(&timers, &k);
}

SEC("tp_btf/hrtimer_start")
int BPF_PROG_start(unsigned long long *ctx)
{
	struct hrtimer *t = (struct hrtimer *)ctx[0];
	struct elem *v = elem(1);

	note(1, ctx[1] | ctx[2] << 4);
	seen_hrtimer = (__u64)t;
	seen_function = (__u64)t->function;
	seen_expires = t->node.expires;
	seen_state = t->state;
	seen_soft = t->is_soft;
	/* a pointer read from the hrtimer is followed with a probe read */
	struct hrtimer_clock_base *base = t->base;
	bpf_probe_read_kernel(&seen_clockid, sizeof(seen_clockid), &base->clockid);
	if (restart_in_hook && v)
		hook_rc = bpf_timer_start(&v->t, 5000, 0);
	return 0;
}

SEC("raw_tp/hrtimer_cancel")
int raw_cancel(unsigned long long *args)
{
	note(2, args[0] == seen_hrtimer);
	return 0;
}

SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG_entry(unsigned long long *ctx)
{
	struct elem *v = elem(0);

	/* now is a ktime_t *: to the verifier a number, read with a probe (as the kernel wants) */
	bpf_probe_read_kernel(&seen_now, sizeof(seen_now), (void *)ctx[1]);
	note(3, ctx[0] == seen_hrtimer);
	if (cancel_in_entry && v)
		hook_rc = bpf_timer_cancel(&v->t);
	return 0;
}

SEC("tp/timer/hrtimer_expire_exit")
int tp_exit(unsigned long long *record)
{
	note(4, record[1] == seen_hrtimer);
	return 0;
}

SEC("tp/timer/hrtimer_start")
int tp_start(struct hrtimer_start_record *r)
{
	note(5, r->expires == seen_expires && (__u64)r->function == seen_function);
	return 0;
}

SEC("syscall")
int drive(void *ctx)
{
	struct elem *v = elem(0);

	if (!v)
		return 1;
	if (op == 0) {
		rc = bpf_timer_init(&v->t, &timers, clock_id);
		if (!rc)
			rc = bpf_timer_set_callback(&v->t, cb);
		if (!rc)
			rc = bpf_timer_start(&v->t, delay / 2, 0);
	} else if (op == 1) {
		rc = bpf_timer_start(&v->t, delay, 0);
	} else if (op == 2) {
		rc = bpf_timer_cancel(&v->t);
	} else if (op == 3) {
		struct elem *w = elem(1);

		if (!w)
			return 1;
		rc = bpf_timer_init(&w->t, &timers, 1);
		if (!rc)
			rc = bpf_timer_set_callback(&w->t, cb);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
