/* Global functions: the kernel verifies each global function once, on its own, with its
 * arguments typed from its BTF prototype (scalars, the context, pointers to sized memory that
 * may be null unless tagged nonnull, arena pointers), and a caller only checks that what it
 * passes matches those types. */
#include "corpus.h"

#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))
#define __arg_nonnull __attribute__((btf_decl_tag("arg:nonnull")))
#define __arg_nullable __attribute__((btf_decl_tag("arg:nullable")))
#define __arg_arena __attribute__((btf_decl_tag("arg:arena")))
#define __arg_untrusted __attribute__((btf_decl_tag("arg:untrusted")))
#define __arg_bogus __attribute__((btf_decl_tag("arg:bogus")))

/* a side effect, so that clang keeps a call whose result it could compute */
#define KEEP() ((void)bpf_get_prandom_u32())

struct pair {
	__u64 a;
	__u64 b;
};

__noinline int g_scalar(int x)
{
	return x * 3;
}

__noinline int g_two(int x, long y)
{
	return x + y;
}

__noinline int g_pair_checked(struct pair *p)
{
	if (!p)
		return 0;
	return p->a + p->b;
}

__noinline int g_pair_unchecked(struct pair *p)
{
	return p->a;
}

__noinline int g_pair_nonnull(struct pair *p __arg_nonnull)
{
	return p->b;
}

__noinline int g_pair_reads_past(struct pair *p)
{
	if (!p)
		return 0;
	return ((volatile __u64 *)p)[2];
}

__noinline int g_pair_writes(struct pair *p)
{
	if (p)
		p->a = 7;
	return 0;
}

__noinline int g_skb_len(struct __sk_buff *skb)
{
	return skb->len;
}

__noinline int g_ctx_tag(void *ctx __arg_ctx)
{
	return ((struct __sk_buff *)ctx)->len;
}

__noinline int g_void_ptr(void *p)
{
	KEEP();
	return p != 0;
}

__noinline int g_bad_tag(int *p __arg_bogus)
{
	KEEP();
	return 0;
}

__noinline int g_tag_on_scalar(int x __arg_nonnull)
{
	KEEP();
	return x;
}

__noinline int g_ctx_nonnull(void *ctx __arg_ctx __arg_nonnull)
{
	KEEP();
	return 0;
}

__noinline struct pair *g_returns_pointer(struct pair *p)
{
	KEEP();
	return p;
}

__noinline void g_void(int x)
{
	if (x)
		bpf_get_prandom_u32();
}

__noinline int g_calls_scalar(int x)
{
	return g_scalar(x) + 1;
}

__noinline int g_oob_bad(int x)
{
	__u32 key = 0;
	struct val48 *v = bpf_map_lookup_elem(&array, &key);

	if (!v)
		return 0;
	return ((volatile __u64 *)v)[x & 15];
}

__noinline int g_calls_oob(int x)
{
	return g_oob_bad(x);
}

__noinline int g_ret_ptr_as_int(struct pair *p)
{
	KEEP();
	return (long)p;
}

__noinline int g_five(int a, int b, int c, int d, int e)
{
	return a + b + c + d + e;
}

__noinline int g_map_value(struct val48 *v)
{
	if (!v)
		return 0;
	return v->w[5];
}

__noinline int g_untrusted_int(int *p __arg_untrusted)
{
	KEEP();
	return 0;
}

__noinline int g_reserves(int x)
{
	struct pair *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);

	if (!r)
		return 0;
	if (x)
		bpf_ringbuf_submit(r, 0);
	return 1;
}

/* a global function given a scalar: its result is an unknown scalar */
SEC("socket") int scalar_arg(struct __sk_buff *skb)
{
	return g_scalar(2) == 6;
}

/* two scalar arguments */
SEC("socket") int two_scalars(struct __sk_buff *skb)
{
	return g_two(2, 3);
}

/* a pointer to a stack object the size of the pointee */
SEC("socket") int stack_pair(struct __sk_buff *skb)
{
	struct pair p = {skb->len, 2};

	return g_pair_checked(&p);
}

/* null for a nullable pointer argument */
SEC("socket") int null_pair(struct __sk_buff *skb)
{
	return g_pair_checked(0);
}

/* the callee dereferences a nullable pointer argument unchecked */
SEC("socket") int callee_derefs_unchecked(struct __sk_buff *skb)
{
	struct pair p = {skb->len, 2};

	return g_pair_unchecked(&p);
}

/* a constant object clang placed in read-only data: the callee may write it */
SEC("socket") int rodata_for_pointer(struct __sk_buff *skb)
{
	struct pair p = {1, 2};

	return g_pair_checked(&p);
}

/* a nonnull-tagged argument may be dereferenced unchecked */
SEC("socket") int nonnull_tag(struct __sk_buff *skb)
{
	struct pair p = {skb->len, 2};

	return g_pair_nonnull(&p);
}

/* null for a nonnull-tagged argument */
ASM_CASE("socket", null_for_nonnull, "r1 = 0; call g_pair_nonnull; r0 = 0; exit;")

/* the callee reads past its pointee */
SEC("socket") int callee_reads_past(struct __sk_buff *skb)
{
	struct pair p = {skb->len, 2};

	return g_pair_reads_past(&p);
}

/* a stack object smaller than the pointee */
ASM_CASE("socket", stack_too_small, "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; call g_pair_checked; r0 = 0; exit;")

/* a map value holding the pointee */
SEC("socket") int map_value_pair(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct val48 *v = bpf_map_lookup_elem(&array, &key);

	if (!v)
		return 0;
	return g_pair_checked((struct pair *)v);
}

/* a map value whose end is too close for the pointee */
SEC("socket") int map_value_tail_too_small(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct val48 *v = bpf_map_lookup_elem(&array, &key);

	if (!v)
		return 0;
	return g_pair_checked((struct pair *)&v->w[5]);
}

/* a map value that may be null, for a nullable argument */
SEC("socket") int maybe_null_map_value(struct __sk_buff *skb)
{
	__u32 key = 0;

	return g_pair_checked(bpf_map_lookup_elem(&hash, &key));
}

/* a scalar that is not zero for a pointer argument */
ASM_CASE("socket", scalar_for_pointer, "r1 = 5; call g_pair_checked; r0 = 0; exit;")

/* the context for a pointer to sized memory */
ASM_CASE("socket", ctx_for_pointer, "call g_pair_checked; r0 = 0; exit;")

/* a pointer for a scalar argument */
ASM_CASE("socket", pointer_for_scalar, "r1 = r10; r1 += -8; call g_scalar; r0 = 0; exit;")

/* an argument register the caller never set */
ASM_CASE("socket", unset_arg, "call g_scalar; r0 = 0; exit;")

/* the context for a struct __sk_buff pointer */
SEC("socket") int ctx_arg(struct __sk_buff *skb)
{
	return g_skb_len(skb);
}

/* a scalar for the context */
ASM_CASE("socket", scalar_for_ctx, "r1 = 0; call g_skb_len; r0 = 0; exit;")

/* the context moved by a constant */
ASM_CASE("socket", moved_ctx, "r1 += 4; call g_skb_len; r0 = 0; exit;")

/* __arg_ctx on a void pointer */
SEC("socket") int ctx_tag(struct __sk_buff *skb)
{
	return g_ctx_tag(skb);
}

/* a void pointer argument: its size cannot be known */
SEC("socket") int void_pointer(struct __sk_buff *skb)
{
	int x = 0;

	return g_void_ptr(&x);
}

/* an unknown argument tag */
SEC("socket") int bad_tag(struct __sk_buff *skb)
{
	int x = 0;

	return g_bad_tag(&x);
}

/* a pointer tag on a scalar */
SEC("socket") int tag_on_scalar(struct __sk_buff *skb)
{
	return g_tag_on_scalar(1);
}

/* ctx and nonnull tags together */
SEC("socket") int ctx_and_nonnull(struct __sk_buff *skb)
{
	return g_ctx_nonnull(skb);
}

/* a global function returning a pointer */
SEC("socket") int returns_pointer(struct __sk_buff *skb)
{
	struct pair p = {skb->len, 2};

	return g_returns_pointer(&p) != 0;
}

/* a global function returning void */
SEC("socket") int returns_void(struct __sk_buff *skb)
{
	g_void(1);
	return 0;
}

/* a global function calling another */
SEC("socket") int chained(struct __sk_buff *skb)
{
	return g_calls_scalar(1);
}

/* a global function two calls down reads out of bounds */
SEC("socket") int chained_bad(struct __sk_buff *skb)
{
	return g_calls_oob(3);
}

/* a global function that no path reaches is never verified */
ASM_CASE("socket", dead_call_bad, "r1 = 0; if r1 == 0 goto 1f; call g_oob_bad; 1: r0 = 0; exit;")

/* a global function the verifier cannot prove dead is verified */
SEC("socket") int live_call_bad(struct __sk_buff *skb)
{
	if (skb->len > 100000)
		return g_oob_bad(skb->len);
	return 0;
}

/* a global function returns a pointer cast to int */
SEC("socket") int ret_ptr_as_int(struct __sk_buff *skb)
{
	struct pair p = {skb->len, 2};

	return g_ret_ptr_as_int(&p);
}

/* five arguments */
SEC("socket") int five_args(struct __sk_buff *skb)
{
	return g_five(1, 2, 3, 4, 5);
}

/* an untrusted tag on a pointer to int */
SEC("socket") int untrusted_int(struct __sk_buff *skb)
{
	int x = 0;

	return g_untrusted_int(&x);
}

/* a global function that leaks a reference on one path */
SEC("socket") int callee_leaks(struct __sk_buff *skb)
{
	return g_reserves(0);
}

/* a global function writes through its pointer argument: the caller's object changes */
SEC("socket") int callee_writes(struct __sk_buff *skb)
{
	struct pair p = {skb->len, 2};

	g_pair_writes(&p);
	return p.a;
}

/* a global function called with a lock held */
struct lockval {
	struct bpf_spin_lock l;
	__u64 v;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lockval);
} locks SEC(".maps");

SEC("tc") int call_under_lock(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct lockval *v = bpf_map_lookup_elem(&locks, &key);
	int r;

	if (!v)
		return 0;
	bpf_spin_lock(&v->l);
	r = g_scalar(1);
	bpf_spin_unlock(&v->l);
	return r;
}

/* a reference held across a global call, released after */
SEC("socket") int ref_across_call(struct __sk_buff *skb)
{
	struct pair *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	int x;

	if (!r)
		return 0;
	x = g_scalar(1);
	bpf_ringbuf_discard(r, 0);
	return x;
}

/* a ring buffer record passed to a global function for its pointer */
SEC("socket") int ringbuf_record_arg(struct __sk_buff *skb)
{
	struct pair *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	int x;

	if (!r)
		return 0;
	x = g_pair_checked(r);
	bpf_ringbuf_discard(r, 0);
	return x;
}

/* a read-only global for a pointer the callee may write */
static const volatile struct pair frozen_pair = {1, 2};

SEC("socket") int rodata_global_for_pointer(struct __sk_buff *skb)
{
	return g_pair_checked((struct pair *)&frozen_pair);
}

/* a writable global for the pointer */
static struct pair data_pair = {1, 2};

SEC("socket") int data_global_for_pointer(struct __sk_buff *skb)
{
	return g_pair_checked(&data_pair);
}

__noinline int g_ctx_tag_on_struct(struct pair *p __arg_ctx)
{
	KEEP();
	return 0;
}

/* __arg_ctx on a pointer to a struct that is not the program's context */
SEC("socket") int ctx_tag_wrong_struct(struct __sk_buff *skb)
{
	return g_ctx_tag_on_struct((void *)skb);
}

__noinline int g_xdp_len(struct xdp_md *xdp)
{
	return xdp->data_end - xdp->data;
}

/* an xdp program's context for a struct xdp_md pointer */
SEC("xdp") int xdp_ctx_arg(struct xdp_md *xdp)
{
	return g_xdp_len(xdp) ? XDP_PASS : XDP_DROP;
}

/* in a socket program struct xdp_md is plain memory: the context is not memory */
SEC("socket") int foreign_ctx_struct(struct __sk_buff *skb)
{
	return g_xdp_len((void *)skb);
}

/* a packet pointer checked against data_end for a pointer argument */
SEC("tc") int packet_for_pointer(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	if (data + sizeof(struct pair) > end)
		return 0;
	return g_pair_checked(data) & 1;
}

/* a packet pointer not checked */
SEC("tc") int packet_unchecked_for_pointer(struct __sk_buff *skb)
{
	return g_pair_checked((void *)(long)skb->data) & 1;
}

static __noinline int static_calls_global(int x)
{
	return g_scalar(x) + 1;
}

/* a static function calls a global one */
SEC("socket") int static_calls_global_fn(struct __sk_buff *skb)
{
	return static_calls_global(skb->len) & 1;
}

__noinline int g_arena(void *p __arg_arena)
{
	KEEP();
	return p != 0;
}

/* an arena-tagged argument given a scalar, in a program without an arena */
SEC("socket") int arena_tag_scalar(struct __sk_buff *skb)
{
	return g_arena(0);
}

__noinline int g_pair_ptr_ptr(struct pair **pp)
{
	if (!pp)
		return 0;
	return *pp != 0;
}

/* a pointer to a pointer: eight bytes of memory */
SEC("socket") int pointer_to_pointer(struct __sk_buff *skb)
{
	struct pair *p = 0;

	return g_pair_ptr_ptr(&p);
}

__noinline int g_bool_ret(int x)
{
	return x > 3;
}

/* a global function's result is unknown to its caller */
SEC("socket") int result_unknown(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct val48 *v = bpf_map_lookup_elem(&array, &key);
	int i = g_bool_ret(1);

	if (!v)
		return 0;
	return v->w[i];
}

__noinline int g_nullable(int *p __arg_nullable)
{
	KEEP();
	return p != 0;
}

/* a nullable tag on plain memory (memory is nullable already) */
SEC("socket") int nullable_tag(struct __sk_buff *skb)
{
	int x = 0;

	return g_nullable(&x);
}

__noinline int g_ctx_xdp(struct xdp_md *p __arg_ctx)
{
	KEEP();
	return p != 0;
}

/* __arg_ctx on another program type's context */
SEC("socket") int ctx_tag_foreign(struct __sk_buff *skb)
{
	return g_ctx_xdp((void *)skb);
}

__noinline int g_untrusted_ctx(struct __sk_buff *p __arg_untrusted)
{
	KEEP();
	return p != 0;
}

/* an untrusted tag on the context type */
SEC("socket") int untrusted_ctx(struct __sk_buff *skb)
{
	return g_untrusted_ctx(skb);
}
