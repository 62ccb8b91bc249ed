/* Iterator loops inside a static function called more than once: each call's loop converges
 * on its own, widening only what changes from one round of that same call to the next; a state
 * of another call (another call site) never widens it, so a bound the caller passes stays
 * exact and still proves the indexes of that call's array. */
#include "corpus.h"

/* adds arr[i] for each i the iterator yields below n */
static __noinline int sum_below(struct bpf_iter_num *it, int *arr, __u32 n)
{
	int *t, total = 0;
	__u32 i;

	while ((t = bpf_iter_num_next(it))) {
		i = *t;
		if (i >= n)
			break;
		total += arr[i];
	}
	return total;
}

/* the same loop with no bound check: nothing proves the index */
static __noinline int sum_unchecked(struct bpf_iter_num *it, int *arr)
{
	int *t, total = 0;

	while ((t = bpf_iter_num_next(it)))
		total += arr[(__u32)*t];
	return total;
}

/* sums a 4-int array with bound 4, then an 8-int array with bound second_bound */
static __always_inline int two_sums(__u32 second_bound)
{
	int small[4] = {1, 2, 3, 4}, large[8] = {1, 1, 1, 1, 1, 1, 1, 1};
	struct bpf_iter_num it;
	int r;

	bpf_iter_num_new(&it, 0, 4);
	r = sum_below(&it, small, 4);
	bpf_iter_num_destroy(&it);
	bpf_iter_num_new(&it, 0, 8);
	r += sum_below(&it, large, second_bound);
	bpf_iter_num_destroy(&it);
	return r;
}

/* two calls with different bounds over arrays of those sizes */
SEC("socket") int two_calls_two_bounds(void *ctx)
{
	return two_sums(8);
}
/* the second call's bound is larger than its array */
SEC("socket") int two_calls_bound_too_large(void *ctx)
{
	return two_sums(12);
}
/* an index nothing bounds */
SEC("socket") int unchecked_index(void *ctx)
{
	int small[4] = {1, 2, 3, 4};
	struct bpf_iter_num it;
	int r;

	bpf_iter_num_new(&it, 0, 4);
	r = sum_unchecked(&it, small);
	bpf_iter_num_destroy(&it);
	return r;
}
