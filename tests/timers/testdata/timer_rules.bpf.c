/* The timer rules of the verifier whose messages or verdicts changed across releases: one
 * program per rule, chosen with -D.
 *
 * TWO_TIMERS, NO_TIMER, MISALIGNED: bpf_timer_init on a value with two timers, none, or one at
 *   offset 4 (before 6.2 each has its own message; since, all are "has no valid bpf_timer").
 * NESTED: bpf_timer_init on a timer inside a struct inside the value (found since 6.11).
 * RETURNS_ONE: a timer callback returning 1 (the message changed in 6.8).
 * RETURNS_RANDOM: one returning a random number above 1000, else 0 (the timer_failure selftest).
 * CALLED_DIRECTLY: a 256-byte callback also called by a 256-byte program (counted in the
 *   program's chain since the 2023 fix: 5.15.y, 6.1.y, 6.4 on).
 * CALLS_DEEP: a 304-byte callback calling a 256-byte function, armed by a small program (its
 *   own chain since the second 2023 fix: 6.1.y, 6.4 on; never bounded before).
 * MAP_FLAGS=n: the timer map created with map_flags n (BPF_F_RDONLY_PROG 128, BPF_F_WRONLY_PROG 256).
 */
#include <bpf/bpf_helpers.h>
#include "../../verifier/testdata/stack.h"

#if defined(TWO_TIMERS)
struct value {
	struct bpf_timer first;
	struct bpf_timer second;
};
#define FIELD first
#elif defined(NO_TIMER)
struct value {
	__u64 first;
	__u64 second;
};
#define FIELD first
#elif defined(NESTED)
struct value {
	__u64 pad;
	struct {
		struct bpf_timer timer;
	} inner;
};
#define FIELD inner.timer
#elif defined(MISALIGNED)
#pragma pack(push, 4)
struct value {
	int pad;
	struct bpf_timer timer;
};
#pragma pack(pop)
#define FIELD timer
#else
struct value {
	struct bpf_timer timer;
};
#define FIELD timer
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
#ifdef MAP_FLAGS
	__uint(map_flags, MAP_FLAGS);
#endif
	__type(key, int);
	__type(value, struct value);
} timers SEC(".maps");

STACK_FUNCTION(deep, 256)

static __attribute__((noinline)) int fire(void *map, int *key, struct value *v)
{
#if defined(RETURNS_ONE)
	return 1;
#elif defined(RETURNS_RANDOM)
	__u32 r = bpf_get_prandom_u32();

	return r > 1000 ? r : 0;
#elif defined(CALLED_DIRECTLY)
	return USE_STACK(256, *key) & 0;
#elif defined(CALLS_DEEP)
	return (USE_STACK(304, *key) + deep(*key)) & 0;
#else
	return 0;
#endif
}

SEC("tc")
int prog(void *ctx)
{
	int key = 0;
	struct value *v = bpf_map_lookup_elem(&timers, &key);

	if (!v)
		return 0;
	bpf_timer_init((struct bpf_timer *)&v->FIELD, &timers, 1);
	bpf_timer_set_callback((struct bpf_timer *)&v->FIELD, fire);
#if defined(CALLED_DIRECTLY)
	return USE_STACK(256, fire(&timers, &key, v));
#else
	return 0;
#endif
}

char LICENSE[] SEC("license") = "GPL";
