// One syscall program that applies one timer operation to one map element, chosen by its
// context, so that tests can play any sequence of bpf_timer calls (and compare with the kernel).
#include <bpf/bpf_helpers.h>

struct elem {
	int counter;
	int cpu;
	__u64 last_ns;
	struct bpf_timer t;
};

#define DEFINE_MAP(name, kind, entries)                                        \
	struct {                                                                 \
		__uint(type, kind);                                              \
		__uint(max_entries, entries);                                    \
		__type(key, int);                                                \
		__type(value, struct elem);                                      \
	} name SEC(".maps")

DEFINE_MAP(arr, BPF_MAP_TYPE_ARRAY, 4);
DEFINE_MAP(hash, BPF_MAP_TYPE_HASH, 8);
DEFINE_MAP(lru, BPF_MAP_TYPE_LRU_HASH, 2);

enum op { RESET, INIT, SET_CB, START, CANCEL, DELETE, LOOKUP_FAILS };
enum which { ARR, HASH, LRU };
enum mode { COUNT, PERIODIC, SELF_CANCEL, DELETE_SELF, CANCEL_OTHER };

struct args {
	__u32 map;	/* enum which */
	__s32 key;
	__u32 op;	/* enum op */
	__u32 pad;
	__u64 a;	/* INIT: flags; START: nsecs */
	__u64 b;	/* START: flags */
};

int cb_mode = COUNT;
int limit = 10;		/* PERIODIC: how many runs */
__u64 period = 1000;	/* PERIODIC: ns between runs */
int cb_rc = 0;		/* SELF_CANCEL, DELETE_SELF, CANCEL_OTHER: what the call returned */
int other_key = 0;	/* CANCEL_OTHER: which array element to cancel */
int runs = 0;		/* callbacks run, all timers */

static int cb(void *map, int *key, struct elem *val)
{
	runs++;
	val->counter++;
	val->cpu = bpf_get_smp_processor_id();
	val->last_ns = bpf_ktime_get_ns();
	if (cb_mode == PERIODIC && val->counter < limit)
		bpf_timer_start(&val->t, period, 0);
	else if (cb_mode == SELF_CANCEL)
		cb_rc = bpf_timer_cancel(&val->t);
	else if (cb_mode == DELETE_SELF) {
		bpf_map_delete_elem(map, key);
		cb_rc = bpf_timer_start(&val->t, period, 0);
	} else if (cb_mode == CANCEL_OTHER) {
		struct elem *other = bpf_map_lookup_elem(&arr, &other_key);
		if (other)
			cb_rc = bpf_timer_cancel(&other->t);
	}
	return 0;
}

static long apply(void *map, struct elem *val, struct args *a)
{
	switch (a->op) {
	case INIT:
		return bpf_timer_init(&val->t, map, a->a);
	case SET_CB:
		return bpf_timer_set_callback(&val->t, cb);
	case START:
		return bpf_timer_start(&val->t, a->a, a->b);
	case CANCEL:
		return bpf_timer_cancel(&val->t);
	}
	return -1000;
}

static long on(void *map, struct args *a)
{
	struct elem zero = {};
	struct elem *val;
	int key = a->key;	/* map helpers take keys from the stack, not from the context */

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
int timer_op(struct args *a)
{
	/* One path per map: the verifier checks each timer against its own map. */
	if (a->map == ARR)
		return on(&arr, a);
	if (a->map == HASH)
		return on(&hash, a);
	return on(&lru, a);
}

char LICENSE[] SEC("license") = "GPL";
