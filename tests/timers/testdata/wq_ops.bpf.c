// One syscall program that applies one bpf_wq (or bpf_timer_cancel_async) operation to one
// map element, chosen by its context: tests play sequences of calls on any release, and the
// same object runs in the kernel through BPF_PROG_TEST_RUN.
#include <bpf/bpf_helpers.h>

struct elem {
	int counter;
	int in_cb_rc;		/* what the callback's own call returned */
	struct bpf_wq w;
	struct bpf_timer t;
};

#define DEFINE_MAP(name, kind)                                                 \
	struct {                                                                 \
		__uint(type, kind);                                              \
		__uint(max_entries, 4);                                          \
		__type(key, int);                                                \
		__type(value, struct elem);                                      \
	} name SEC(".maps")

DEFINE_MAP(arr, BPF_MAP_TYPE_ARRAY);
DEFINE_MAP(hash, BPF_MAP_TYPE_HASH);

enum op { RESET, WQ_INIT, WQ_SET_CB, WQ_START, DELETE, TIMER_INIT, TIMER_SET_CB, TIMER_START, CANCEL_ASYNC };
enum mode { COUNT, RESTART_SELF, CANCEL_ASYNC_SELF };

struct args {
	__u32 hash;	/* 0: arr, 1: hash */
	__s32 key;
	__u32 op;	/* enum op */
	__u32 flags;
	__u64 a;	/* TIMER_INIT: flags; TIMER_START: nsecs */
};

int cb_mode = COUNT;
int runs = 0;
int timer_runs = 0;

static int wq_cb(void *map, int *key, void *value)
{
	struct elem *val = value;

	runs++;
	val->counter++;
	if (cb_mode == RESTART_SELF && val->counter < 3)
		val->in_cb_rc = bpf_wq_start(&val->w, 0);
	return 0;
}

static int timer_cb(void *map, int *key, void *value)
{
	struct elem *val = value;

	timer_runs++;
#ifdef WITH_CANCEL_ASYNC
	if (cb_mode == CANCEL_ASYNC_SELF)
		val->in_cb_rc = bpf_timer_cancel_async(&val->t);
#endif
	return 0;
}

static long apply(void *map, struct elem *val, struct args *a)
{
	switch (a->op) {
	case WQ_INIT:
		return bpf_wq_init(&val->w, map, a->flags);
	case WQ_SET_CB:
		return bpf_wq_set_callback_impl(&val->w, wq_cb, a->flags, 0);
	case WQ_START:
		return bpf_wq_start(&val->w, a->flags);
#ifdef WITH_CANCEL_ASYNC
	case CANCEL_ASYNC:
		return bpf_timer_cancel_async(&val->t);
#endif
	case TIMER_INIT:
		return bpf_timer_init(&val->t, map, a->a);
	case TIMER_SET_CB:
		return bpf_timer_set_callback(&val->t, timer_cb);
	case TIMER_START:
		return bpf_timer_start(&val->t, a->a, 0);
	}
	return -1000;
}

static long on(void *map, struct args *a)
{
	struct elem zero = {};
	struct elem *val;
	int key = a->key;

	if (a->op == RESET)
		return bpf_map_update_elem(map, &key, &zero, BPF_ANY);
	if (a->op == DELETE)
		return bpf_map_delete_elem(map, &key);
	val = bpf_map_lookup_elem(map, &key);
	if (!val)
		return -2000;
	return apply(map, val, a);
}

SEC("syscall")
int wq_op(struct args *a)
{
	if (a->hash)
		return on(&hash, a);
	return on(&arr, a);
}

char LICENSE[] SEC("license") = "GPL";
