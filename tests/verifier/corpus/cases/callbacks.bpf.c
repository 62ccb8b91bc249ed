/* Callbacks and global functions: what a callback may do with the arguments the helper gives
 * it (map key and value, loop index, context), and how global functions are checked against
 * their BTF signatures on their own. */
#include "corpus.h"

struct hval {
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct hval);
} counts SEC(".maps");

static long bump_value(void *map, __u32 *key, struct hval *val, void *ctx)
{
	val->count += 1;
	return 0;
}

static long writes_key(void *map, __u32 *key, struct hval *val, void *ctx)
{
	*key = 1;
	return 0;
}

static long reads_past_value(void *map, __u32 *key, struct hval *val, void *ctx)
{
	return ((volatile __u64 *)val)[1] & 0;
}

static long deletes_own_key(void *map, __u32 *key, struct hval *val, void *ctx)
{
	bpf_map_delete_elem(map, key);
	return 0;
}

static long stops_at_first(void *map, __u32 *key, struct hval *val, void *ctx)
{
	return 1;
}

static long index_bounds_offset(__u64 index, void *ctx)
{
	__u32 key = 0;
	struct val48 *v = bpf_map_lookup_elem(&array, &key);

	if (v && index < 6)
		v->w[index] = index;
	return 0;
}

static long index_unbounded_offset(__u64 index, void *ctx)
{
	__u32 key = 0;
	struct val48 *v = bpf_map_lookup_elem(&array, &key);

	if (v)
		*(volatile __u64 *)((char *)v + index) = 1;
	return 0;
}

static __always_inline void put(__u32 key)
{
	struct hval one = {1};

	bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
}

/* three elements, keys 0 to 2 */
static __always_inline void fill(void)
{
	put(0);
	put(1);
	put(2);
}

/* a for_each callback writes the values it visits */
SEC("syscall") int for_each_bumps_values(void *ctx)
{
	fill();
	return bpf_for_each_map_elem(&counts, bump_value, 0, 0);
}

/* a for_each callback may not write the key */
SEC("syscall") int for_each_writes_key(void *ctx)
{
	return bpf_for_each_map_elem(&counts, writes_key, 0, 0);
}

/* a for_each callback reads past its value */
SEC("syscall") int for_each_reads_past_value(void *ctx)
{
	return bpf_for_each_map_elem(&counts, reads_past_value, 0, 0);
}

/* a for_each callback deletes the element it visits */
SEC("syscall") int for_each_deletes(void *ctx)
{
	fill();
	return bpf_for_each_map_elem(&counts, deletes_own_key, 0, 0);
}

/* a for_each callback returning 1 stops after one element */
SEC("syscall") int for_each_stops(void *ctx)
{
	fill();
	return bpf_for_each_map_elem(&counts, stops_at_first, 0, 0);
}

/* a for_each with non-zero flags: -EINVAL at run time */
SEC("syscall") int for_each_nonzero_flags(void *ctx)
{
	return -bpf_for_each_map_elem(&counts, stops_at_first, 0, 1);
}

/* a loop index checked before it indexes a map value */
SEC("syscall") int loop_index_bounded(void *ctx)
{
	return bpf_loop(8, index_bounds_offset, 0, 0);
}

/* a loop index used as an offset unchecked */
SEC("syscall") int loop_index_unbounded(void *ctx)
{
	return bpf_loop(8, index_unbounded_offset, 0, 0);
}

__noinline int global_len(struct __sk_buff *skb)
{
	return skb ? skb->len : 0;
}

__noinline int global_deref_int(int *p)
{
	return p ? *p : -1;
}

__noinline int global_unchecked_int(int *p)
{
	return *p;
}

/* a global function given the context */
SEC("socket") int global_gets_ctx(struct __sk_buff *skb)
{
	return global_len(skb);
}

/* a global function given a stack pointer for its int pointer */
SEC("socket") int global_gets_stack_int(struct __sk_buff *skb)
{
	int x = 41;

	return global_deref_int(&x) + 1;
}

/* a global function given null, which it checks */
SEC("socket") int global_gets_null(struct __sk_buff *skb)
{
	return global_deref_int(0);
}

/* a global function that dereferences its pointer argument without a null check */
SEC("socket") int global_derefs_unchecked(struct __sk_buff *skb)
{
	int x = 3;

	return global_unchecked_int(&x);
}

/* a C loop whose counter lives on the stack and is passed to a helper as the key: the
 * helper call makes the counter unknown, so the verifier sees a loop that may not end */
SEC("syscall") int loop_counter_passed_as_key(void *ctx)
{
	__u32 key;
	struct hval one = {1};

	for (key = 0; key < 3; key++)
		bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
	return 0;
}

/* a global function for a bpf_loop callback: callbacks must be static */
__noinline long global_loop_cb(__u64 index, void *ctx)
{
	return 0;
}

SEC("syscall") int loop_global_callback(void *ctx)
{
	return bpf_loop(2, global_loop_cb, 0, 0);
}

/* a global function for a for_each callback */
__noinline long global_each_cb(void *map, __u32 *key, struct hval *val, void *ctx)
{
	return 0;
}

SEC("syscall") int for_each_global_callback(void *ctx)
{
	return bpf_for_each_map_elem(&counts, global_each_cb, 0, 0);
}

/* a bpf_loop callback returning 2: callbacks return 0 or 1 */
static long returns_two(__u64 index, void *ctx)
{
	return 2;
}

SEC("syscall") int loop_callback_returns_two(void *ctx)
{
	return bpf_loop(2, returns_two, 0, 0);
}

/* a bpf_loop callback writes its context (the caller's stack) */
static long writes_ctx(__u64 index, void *ctx)
{
	*(__u64 *)ctx += index;
	return 0;
}

SEC("syscall") int loop_callback_writes_ctx(void *ctx)
{
	__u64 sum = 0;

	bpf_loop(4, writes_ctx, &sum, 0);
	return sum;
}

/* a bpf_loop callback reads past its context */
static long reads_past_ctx(__u64 index, void *ctx)
{
	return ((volatile __u64 *)ctx)[1] & 0;
}

SEC("syscall") int loop_callback_reads_past_ctx(void *ctx)
{
	__u64 sum = 0;

	return bpf_loop(4, reads_past_ctx, &sum, 0);
}

/* bpf_loop with a NULL context the callback dereferences */
static long derefs_ctx(__u64 index, void *ctx)
{
	return *(volatile __u64 *)ctx & 0;
}

SEC("syscall") int loop_callback_null_ctx(void *ctx)
{
	return bpf_loop(4, derefs_ctx, 0, 0);
}

/* bpf_loop with flags */
SEC("syscall") int loop_flags(void *ctx)
{
	return bpf_loop(4, returns_two, 0, 1);
}
