// pybpf's port of what the kernel selftest progs/timer.c checks, written from its description:
// five fentry programs arm timers in array, LRU, hash and non-preallocated hash maps, on every
// clock, absolute and CPU-pinned; the callbacks check the return codes of re-arming, cancelling
// others, cancelling themselves and deleting their own elements, and count what ran.
#include <bpf/bpf_helpers.h>

#define EINVAL 22
#define EDEADLK 35
#define ARRAY 1
#define HTAB 2
#define HTAB_MALLOC 3
#define LRU 4

struct hmap_elem {
	int counter;
	struct bpf_timer timer;
	struct bpf_spin_lock lock; /* unused: shows that a lock and a timer can share a value */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1000);
	__type(key, int);
	__type(value, struct hmap_elem);
} hmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1000);
	__type(key, int);
	__type(value, struct hmap_elem);
} hmap_malloc SEC(".maps");

struct elem {
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, int);
	__type(value, struct elem);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4);
	__type(key, int);
	__type(value, struct elem);
} lru SEC(".maps");

#define ONE_SLOT_ARRAY(name)                                                   \
	struct {                                                                 \
		__uint(type, BPF_MAP_TYPE_ARRAY);                                \
		__uint(max_entries, 1);                                          \
		__type(key, int);                                                \
		__type(value, struct elem);                                      \
	} name SEC(".maps")

ONE_SLOT_ARRAY(abs_timer);
ONE_SLOT_ARRAY(soft_timer_pinned);
ONE_SLOT_ARRAY(abs_timer_pinned);

__u64 bss_data;
__u64 abs_data;
__u64 err;
__u64 ok;
__u64 callback_check = 52;
__u64 callback2_check = 52;
__u64 pinned_callback_check;
__s32 pinned_cpu;

/* Array and LRU callback. */
static int timer_cb1(void *map, int *key, struct elem *val)
{
	struct elem init = {}, *lru_val;
	int lru_key;
	/* 8-byte aligned, so that the verifier tracks its value (a 4-byte store at a slot's start
	 * is a spill): a loop counter it cannot follow makes the kernel see an infinite loop */
	int i __attribute__((aligned(8)));

	bss_data += 5;
	if (*key == ARRAY) {
		/* re-arm far in the future, then start the LRU element's timer */
		if (bpf_timer_start(&val->t, 1ull << 35, 0) != 0)
			err |= 1;
		lru_key = LRU;
		lru_val = bpf_map_lookup_elem(&lru, &lru_key);
		if (!lru_val)
			return 0;
		bpf_timer_set_callback(&lru_val->t, timer_cb1);
		if (bpf_timer_start(&lru_val->t, 0, 0) != 0)
			err |= 2;
	} else if (*key == LRU) {
		/* flood the LRU until our own element is evicted and its slot reused */
		for (i = LRU + 1; i <= 100 + LRU; i++) {
			bpf_map_update_elem(map, &i, &init, 0);
			bpf_map_lookup_elem(map, &i);
			if (*key != LRU)
				break;
		}
		/* eviction freed our timer */
		if (bpf_timer_cancel(&val->t) != -EINVAL)
			err |= 4;
		ok |= 1;
	}
	return 0;
}

SEC("fentry/bpf_fentry_test1")
int test1(void *ctx)
{
	struct elem init = {}, *val;
	int lru_key = LRU, array_key = ARRAY, zero = 0;

	val = bpf_map_lookup_elem(&array, &array_key);
	if (!val)
		return 0;
	bpf_timer_init(&val->t, &array, CLOCK_MONOTONIC);

	bpf_map_update_elem(&lru, &lru_key, &init, 0);
	val = bpf_map_lookup_elem(&lru, &lru_key);
	if (!val)
		return 0;
	bpf_timer_init(&val->t, &lru, CLOCK_MONOTONIC);

	val = bpf_map_lookup_elem(&array, &array_key);
	if (!val)
		return 0;
	bpf_timer_set_callback(&val->t, timer_cb1);
	bpf_timer_start(&val->t, 0, 0);

	/* an initialised timer that is never started: freed with the map */
	val = bpf_map_lookup_elem(&array, &zero);
	if (val)
		bpf_timer_init(&val->t, &array, CLOCK_MONOTONIC);
	return 0;
}

/* Hash and non-preallocated hash callback: counts down from 10, then checks cancels. */
static int timer_cb2(void *map, int *key, struct hmap_elem *val)
{
	if (*key == HTAB)
		callback_check--;
	else
		callback2_check--;
	if (val->counter > 0 && --val->counter) {
		bpf_timer_start(&val->timer, 1000, 0);
	} else if (*key == HTAB) {
		int array_key = ARRAY;
		struct elem *arr = bpf_map_lookup_elem(&array, &array_key);

		if (!arr)
			return 0;
		/* the array timer is armed for ~34 s */
		if (bpf_timer_cancel(&arr->t) != 1)
			err |= 8;
		if (bpf_timer_cancel(&val->timer) != -EDEADLK)
			err |= 16;
		bpf_map_delete_elem(map, key);
		/* the element and its timer are gone, but val is still readable memory */
		if (bpf_timer_start(&val->timer, 1000, 0) != -EINVAL)
			err |= 32;
		ok |= 2;
	} else {
		if (*key != HTAB_MALLOC)
			err |= 64;
		if (bpf_timer_cancel(&val->timer) != -EDEADLK)
			err |= 128;
		bpf_map_delete_elem(map, key);
		ok |= 4;
	}
	return 0;
}

static int arm_hash(void *map, int key, __u64 fail)
{
	struct hmap_elem *val = bpf_map_lookup_elem(map, &key);

	if (!val)
		return 0;
	if (bpf_timer_init(&val->timer, map, CLOCK_BOOTTIME) != 0)
		err |= fail;
	bpf_timer_set_callback(&val->timer, timer_cb2);
	bpf_timer_start(&val->timer, 1000, 0);
	return 0;
}

static int init_then_update(void *map, int key)
{
	struct hmap_elem init = {}, *val;

	init.counter = 10;
	bpf_map_update_elem(map, &key, &init, 0);
	val = bpf_map_lookup_elem(map, &key);
	if (val)
		bpf_timer_init(&val->timer, map, CLOCK_BOOTTIME);
	/* updating the same key frees the timer that was just initialised */
	bpf_map_update_elem(map, &key, &init, 0);
	return 0;
}

static int init_delete_init(void *map)
{
	struct hmap_elem init = {}, *val;
	int key = 0;

	bpf_map_update_elem(map, &key, &init, 0);
	val = bpf_map_lookup_elem(map, &key);
	if (val)
		bpf_timer_init(&val->timer, map, CLOCK_BOOTTIME);
	bpf_map_delete_elem(map, &key);
	bpf_map_update_elem(map, &key, &init, 0);
	val = bpf_map_lookup_elem(map, &key);
	if (val)
		bpf_timer_init(&val->timer, map, CLOCK_BOOTTIME);
	return 0;
}

SEC("fentry/bpf_fentry_test2")
int test2(void *ctx)
{
	init_then_update(&hmap, HTAB);
	init_then_update(&hmap_malloc, HTAB_MALLOC);
	init_delete_init(&hmap);
	init_delete_init(&hmap_malloc);
	arm_hash(&hmap, HTAB, 512);
	arm_hash(&hmap_malloc, HTAB_MALLOC, 1024);
	return 0;
}

/* Absolute timer on BOOTTIME: runs twice, then stays armed far away. */
static int timer_cb3(void *map, int *key, struct elem *val)
{
	abs_data += 6;
	if (abs_data < 12)
		bpf_timer_start(&val->t, bpf_ktime_get_boot_ns() + 1000, BPF_F_TIMER_ABS);
	else
		bpf_timer_start(&val->t, bpf_ktime_get_boot_ns() + (1ull << 35), BPF_F_TIMER_ABS);
	return 0;
}

SEC("fentry/bpf_fentry_test3")
int test3(void *ctx)
{
	int key = 0;
	struct elem *val = bpf_map_lookup_elem(&abs_timer, &key);

	if (!val)
		return 0;
	if (bpf_timer_init(&val->t, &abs_timer, CLOCK_BOOTTIME) != 0)
		err |= 2048;
	bpf_timer_set_callback(&val->t, timer_cb3);
	bpf_timer_start(&val->t, bpf_ktime_get_boot_ns() + 1000, BPF_F_TIMER_ABS);
	return 0;
}

/* CPU-pinned timers fire on the CPU that started them. */
static int timer_cb_pinned(void *map, int *key, struct elem *val)
{
	if (bpf_get_smp_processor_id() != pinned_cpu)
		err |= 16384;
	pinned_callback_check++;
	return 0;
}

static void start_pinned(void *map, bool absolute)
{
	int key = 0;
	struct elem *val = bpf_map_lookup_elem(map, &key);
	__u64 flags = BPF_F_TIMER_CPU_PIN, start = 1000;

	if (!val) {
		err |= 8192;
		return;
	}
	if (bpf_timer_init(&val->t, map, CLOCK_BOOTTIME) != 0)
		err |= 4096;
	bpf_timer_set_callback(&val->t, timer_cb_pinned);
	pinned_cpu = bpf_get_smp_processor_id();
	if (absolute) {
		flags |= BPF_F_TIMER_ABS;
		start += bpf_ktime_get_boot_ns();
	}
	bpf_timer_start(&val->t, start, flags);
}

SEC("fentry/bpf_fentry_test4")
int test4(void *ctx)
{
	start_pinned(&soft_timer_pinned, false);
	return 0;
}

SEC("fentry/bpf_fentry_test5")
int test5(void *ctx)
{
	start_pinned(&abs_timer_pinned, true);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
