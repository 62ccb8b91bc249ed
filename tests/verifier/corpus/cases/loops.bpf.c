/* Loops: bounded loops the verifier walks to their end, loops it proves infinite, and
 * bpf_loop callbacks (their return values, arguments and stack). */
#include "corpus.h"

/* a loop counting up to 10 */
ASM_CASE("socket", count_up_to_10, "r0 = 0; 1: r0 += 1; if r0 < 10 goto 1b; exit;")
/* a loop counting down */
ASM_CASE("socket", count_down, "r1 = 12; r0 = 0; 1: r0 += 2; r1 -= 1; if r1 != 0 goto 1b; exit;")
/* a loop bounded by a masked unknown */
ASM_CASE("socket", bounded_by_mask, "call %[bpf_get_prandom_u32]; r1 = r0; r1 &= 15; r0 = 0; 1: if r0 >= r1 goto 2f; r0 += 1; goto 1b; 2: r0 = 3; exit;")
/* a loop whose exit test never changes */
ASM_CASE("socket", no_progress, "r1 = 0; r0 = 0; 1: r0 = 1; if r1 < 10 goto 1b; exit;")
/* a jump to itself */
ASM_CASE("socket", tight_infinite, "r0 = 0; 1: goto 1b;")
/* nested bounded loops */
ASM_CASE("socket", nested_bounded, "r0 = 0; r1 = 0; 1: r2 = 0; 2: r0 += 1; r2 += 1; if r2 < 4 goto 2b; r1 += 1; if r1 < 5 goto 1b; exit;")
/* a bounded loop in a subprogram */
SUBPROG(sum_to_8)
{
	asm volatile ("r0 = 0; r1 = 0; 1: r1 += 1; r0 += r1; if r1 < 8 goto 1b; exit;" ::: __clobber_all);
}
ASM_CASE("socket", loop_in_subprog, "call sum_to_8; exit;")
/* a loop that reads an unset register on its last iteration */
ASM_CASE("socket", loop_exit_reads_unset, "r0 = 0; 1: r0 += 1; if r0 < 5 goto 1b; r0 = r4; exit;")
/* a loop walking the stack by a counter */
ASM_CASE("socket", loop_walks_stack_by_counter, "r1 = r10; r1 += -64; r2 = 0; r3 = 0; 1: *(u64 *)(r1 + 0) = r2; r1 += 8; r3 += 1; if r3 < 8 goto 1b; r0 = *(u64 *)(r10 - 8); exit;")
/* a loop walking the stack until the pointer equals fp: pointer != pointer is not a bound */
ASM_CASE("socket", loop_walks_stack_pointer_ne, "r1 = r10; r1 += -64; r2 = 0; 1: *(u64 *)(r1 + 0) = r2; r1 += 8; if r1 != r10 goto 1b; r0 = *(u64 *)(r10 - 8); exit;")
/* a loop walking one step past the stack */
ASM_CASE("socket", loop_walks_past_stack, "r1 = r10; r1 += -64; r2 = 0; 1: *(u64 *)(r1 + 0) = r2; r1 += 8; if r1 s<= r10 goto 1b; r0 = 0; exit;")

struct loop_ctx {
	__u64 sum;
	__u64 limit;
};

static long add_index(__u64 index, void *data)
{
	struct loop_ctx *c = data;

	c->sum += index;
	return 0;
}

static long stop_at_limit(__u64 index, void *data)
{
	struct loop_ctx *c = data;

	c->sum += 1;
	return c->sum >= c->limit;
}

static long returns_two(__u64 index, void *data)
{
	return 2;
}

static long returns_unknown(__u64 index, void *data)
{
	return bpf_get_prandom_u32();
}

static long writes_past_ctx(__u64 index, void *data)
{
	struct loop_ctx *c = data;

	((volatile __u64 *)c)[3] = index;
	return 0;
}

/* bpf_loop adds up 0..9 */
SEC("socket") int bpf_loop_sum(void *skb)
{
	struct loop_ctx c = {};

	bpf_loop(10, add_index, &c, 0);
	return c.sum;
}

/* a callback that returns 1 stops the loop */
SEC("socket") int bpf_loop_early_stop(void *skb)
{
	struct loop_ctx c = {.limit = 4};

	return bpf_loop(100, stop_at_limit, &c, 0);
}

/* a callback must return 0 or 1 */
SEC("socket") int bpf_loop_callback_returns_two(void *skb)
{
	struct loop_ctx c = {};

	return bpf_loop(3, returns_two, &c, 0);
}

/* a callback's return value must be known to be 0 or 1 */
SEC("socket") int bpf_loop_callback_returns_unknown(void *skb)
{
	struct loop_ctx c = {};

	return bpf_loop(3, returns_unknown, &c, 0);
}

/* the callback writes past the context it was given */
SEC("socket") int bpf_loop_callback_writes_past_ctx(void *skb)
{
	struct loop_ctx c = {};

	return bpf_loop(3, writes_past_ctx, &c, 0);
}

/* an unknown number of iterations */
SEC("socket") int bpf_loop_unknown_count(void *skb)
{
	struct loop_ctx c = {};

	bpf_loop(bpf_get_prandom_u32() & 7, add_index, &c, 0);
	return 5;
}

static long does_nothing(__u64 index, void *data)
{
	return 0;
}

/* a null callback context */
SEC("socket") int bpf_loop_null_ctx(void *skb)
{
	return bpf_loop(2, does_nothing, 0, 0);
}

/* a callback that dereferences the null context it was given */
SEC("socket") int bpf_loop_null_ctx_dereferenced(void *skb)
{
	return bpf_loop(2, add_index, 0, 0);
}

/* the callback is a number, not a function */
ASM_CASE("socket", bpf_loop_callback_scalar, "r1 = 2; r2 = 0; r3 = 0; r4 = 0; call %[bpf_loop]; exit;")

SUBPROG(frame_320_cb)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 320) = r1; r0 = 0; exit;" ::: __clobber_all);
}

/* the callback's frame counts in its caller's chain: 256 + 320 bytes */
ASM_CASE("socket", bpf_loop_combined_stack_too_large, "r1 = 0; *(u64 *)(r10 - 256) = r1; r1 = 2; r2 = frame_320_cb ll;"
	 "r3 = 0; r4 = 0; call %[bpf_loop]; r0 = 0; exit;")
/* the callback's frame counts in its caller's chain: 64 + 320 bytes */
ASM_CASE("socket", bpf_loop_combined_stack_fits, "r1 = 0; *(u64 *)(r10 - 64) = r1; r1 = 2; r2 = frame_320_cb ll;"
	 "r3 = 0; r4 = 0; call %[bpf_loop]; r0 = 0; exit;")
