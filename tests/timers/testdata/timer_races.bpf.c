/* Programs that race timers against their own teardown, as the kernel's 6.8 and 7.0 selftests
 * do (timer.c's race program and its stress and NMI tests, timer_start_delete_race.c), written
 * for pybpf's tests. Build with -DWITH_CANCEL_ASYNC for 7.0, which has bpf_timer_cancel_async.
 */
#include <bpf/bpf_helpers.h>

struct elem {
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct elem);
} race_array SEC(".maps");

enum { REARM, UPDATE_SELF, CANCEL_SELF };

int async_cancel;	/* race: stop with bpf_timer_cancel_async instead of bpf_timer_cancel */
int mode;		/* what the perf_event program's callback does */
int test_hits, update_hits, cancel_hits;
int cb_cnt;

/* Re-arms itself every millisecond until someone stops it. */
static int rearm(void *map, int *key, struct elem *e)
{
	bpf_timer_start(&e->t, 1000000, 0);
	return 0;
}

/* Updates its own element with zeros: that frees the timer running this very callback. */
static int update_self(void *map, int *key, struct elem *e)
{
	struct elem zero = {};

	bpf_map_update_elem(map, key, &zero, BPF_ANY);
	__sync_fetch_and_add(&update_hits, 1);
	return 0;
}

static int cancel_self(void *map, int *key, struct elem *e)
{
#ifdef WITH_CANCEL_ASYNC
	bpf_timer_cancel_async(&e->t);
#endif
	__sync_fetch_and_add(&cancel_hits, 1);
	return 0;
}

static int count(void *map, int *key, struct elem *e)
{
	__sync_fetch_and_add(&cb_cnt, 1);
	return 0;
}

/* A fresh timer in race_array[0]: the update frees the one before. A concurrent run may have
 * initialised it in between, hence -EBUSY is no failure. */
static struct elem *fresh(void)
{
	struct elem zero = {}, *e;
	int key = 0;
	long rc;

	bpf_map_update_elem(&race_array, &key, &zero, BPF_ANY);
	e = bpf_map_lookup_elem(&race_array, &key);
	if (!e)
		return 0;
	rc = bpf_timer_init(&e->t, &race_array, CLOCK_MONOTONIC);
	return rc == 0 || rc == -16 ? e : 0;
}

SEC("syscall")
int race(void *ctx)
{
	struct elem *e = fresh();

	if (!e)
		return 1;
	bpf_timer_set_callback(&e->t, rearm);
	bpf_timer_start(&e->t, 0, 0);
#ifdef WITH_CANCEL_ASYNC
	if (async_cancel) {
		bpf_timer_cancel_async(&e->t);
		return 0;
	}
#endif
	bpf_timer_cancel(&e->t);
	return 0;
}

SEC("perf_event")
int nmi(void *ctx)
{
	struct elem *e = fresh();

	__sync_fetch_and_add(&test_hits, 1);
	if (!e)
		return 0;
	if (mode == UPDATE_SELF)
		bpf_timer_set_callback(&e->t, update_self);
	else if (mode == CANCEL_SELF)
		bpf_timer_set_callback(&e->t, cancel_self);
	else
		bpf_timer_set_callback(&e->t, rearm);
	bpf_timer_start(&e->t, 0, 0);
#ifdef WITH_CANCEL_ASYNC
	if (mode == REARM)
		bpf_timer_cancel_async(&e->t);
#endif
	return 0;
}

/* timer_start_delete_race: one program arms the timer over and over while the other deletes
 * the element; on an array the delete is refused (-EINVAL), so it changes nothing. */
SEC("syscall")
int start_timer(void *ctx)
{
	int key = 0;

	for (int i = 0; i < 200; i++) {
		struct elem *e = bpf_map_lookup_elem(&race_array, &key);

		if (!e)
			return 1;
		bpf_timer_init(&e->t, &race_array, CLOCK_MONOTONIC);
		bpf_timer_set_callback(&e->t, count);
		bpf_timer_start(&e->t, 100000000, 0);
	}
	return 0;
}

SEC("syscall")
int delete_elem(void *ctx)
{
	int key = 0;

	for (int i = 0; i < 200; i++)
		bpf_map_delete_elem(&race_array, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
