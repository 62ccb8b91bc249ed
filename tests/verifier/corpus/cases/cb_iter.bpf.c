/* Callbacks run again and again: the kernel goes on after a callback's helper as if the
 * callback had not run, then runs it once, twice... until its caller's state repeats, so what
 * a callback leaves in its caller's stack is judged after every run; bpf_loop stops at its
 * count's maximum. bpf_find_vma's callback is one of these. Also: the frame limit of a
 * recursion no path deepens, and the state an infinite loop message prints. */
#include "corpus.h"

struct task_struct;
struct vm_area_struct;

/* the caller's stack word a callback moves on: 0 -> 1 -> 44 (past a 48-byte value's end
 * for an 8-byte read) */
struct step {
	__u64 at;
};

static long advance(__u64 index, struct step *s)
{
	s->at = s->at ? 44 : 1;
	return 0;
}

static long advance_elem(void *map, __u32 *key, __u64 *val, struct step *s)
{
	s->at = s->at ? 44 : 1;
	return 0;
}

static __always_inline int read_at(struct step *s)
{
	__u32 key = 0;
	__u8 *v = bpf_map_lookup_elem(&array, &key);

	if (!v)
		return 0;
	return *(volatile __u64 *)(v + s->at) & 1;
}

/* two runs reach 44: the read after the loop is out of bounds on that path */
SEC("socket") int loop_two_runs_past_end(void *ctx)
{
	struct step s = { .at = 0 };

	bpf_loop(2, advance, &s, 0);
	return read_at(&s);
}

/* one run at most: 0 or 1, both in bounds */
SEC("socket") int loop_one_run_in_bounds(void *ctx)
{
	struct step s = { .at = 0 };

	bpf_loop(1, advance, &s, 0);
	return read_at(&s);
}

/* a count known only to be at most 1 is as good as 1 */
SEC("socket") int loop_count_at_most_one(void *ctx)
{
	struct step s = { .at = 0 };

	bpf_loop(bpf_get_prandom_u32() & 1, advance, &s, 0);
	return read_at(&s);
}

/* for_each runs its callback as often as the map has elements: two runs are possible */
SEC("socket") int for_each_runs_past_end(void *ctx)
{
	struct step s = { .at = 0 };

	bpf_for_each_map_elem(&hash, advance_elem, &s, 0);
	return read_at(&s);
}

/* the path that skips the callback comes first: with the word at 8, the read before any
 * run is already past the end of a 4-byte key's worth of value */
static long clear_word(__u64 index, struct step *s)
{
	s->at = 0;
	return 0;
}

SEC("socket") int loop_checked_before_runs(void *ctx)
{
	struct step s = { .at = 44 };

	bpf_loop(3, clear_word, &s, 0);
	return read_at(&s);
}

static long vma_advance(struct task_struct *task, struct vm_area_struct *vma, struct step *s)
{
	s->at = s->at ? 44 : 1;
	return 0;
}

static long vma_keep(struct task_struct *task, struct vm_area_struct *vma, struct step *s)
{
	return 0;
}

/* bpf_find_vma calls its callback on the caller's stack too: its writes are judged after */
SEC("perf_event") int find_vma_runs_past_end(void *ctx)
{
	struct step s = { .at = 0 };

	bpf_find_vma(bpf_get_current_task_btf(), 0, vma_advance, &s, 0);
	bpf_find_vma(bpf_get_current_task_btf(), 0, vma_advance, &s, 0);
	return read_at(&s);
}

/* a callback that leaves the word alone */
SEC("perf_event") int find_vma_keeps_in_bounds(void *ctx)
{
	struct step s = { .at = 0 };

	bpf_find_vma(bpf_get_current_task_btf(), 0, vma_keep, &s, 0);
	return read_at(&s);
}

/* a recursion that stops after three calls passes every path, but the depth walk after the
 * paths sees a chain without end */
SUBPROG(count_down)
{
	asm volatile ("r1 += -1; r0 = r1; if r1 s> 2 goto 1f; exit; 1: call count_down; exit;" ::: __clobber_all);
}
ASM_CASE("socket", recursion_ends_early, "r1 = 6; call count_down; r0 = 0; exit;")

/* a callback spinning in place: the message prints the callback's frame only */
SUBPROG(spins)
{
	asm volatile ("r0 = 0; 1: if r0 == 0 goto 1b; exit;" ::: __clobber_all);
}
ASM_CASE("socket", callback_spins, "r1 = 2; r2 = spins ll; r3 = 0; r4 = 0; call %[bpf_loop]; r0 = 0; exit;")

/* a loop in the main program whose counter a branch made precise: the old state says so */
ASM_CASE("socket", spins_on_decided_counter, "r0 = 3; 1: r1 = r0; if r0 > 2 goto 1b; exit;")
