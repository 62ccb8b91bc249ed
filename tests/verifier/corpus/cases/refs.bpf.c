/* References: ring buffer records acquired by bpf_ringbuf_reserve must be submitted or
 * discarded exactly once on every path, used only while held, and passed back unmoved. */
#include "corpus.h"

struct rec {
	__u64 a;
	__u64 b;
};

/* reserve, write, submit */
SEC("socket") int reserve_submit(void *skb)
{
	struct rec *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);

	if (!r)
		return 1;
	r->a = 5;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* reserve, discard */
SEC("socket") int reserve_discard(void *skb)
{
	struct rec *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);

	if (!r)
		return 1;
	bpf_ringbuf_discard(r, 0);
	return 0;
}

/* reserve twice, release both */
SEC("socket") int reserve_two(void *skb)
{
	struct rec *r1 = bpf_ringbuf_reserve(&rb, sizeof(*r1), 0);
	struct rec *r2;

	if (!r1)
		return 1;
	r2 = bpf_ringbuf_reserve(&rb, sizeof(*r2), 0);
	if (!r2) {
		bpf_ringbuf_discard(r1, 0);
		return 2;
	}
	bpf_ringbuf_submit(r1, 0);
	bpf_ringbuf_submit(r2, 0);
	return 0;
}

#define RESERVE8 "r1 = %[rb] ll; r2 = 8; r3 = 0; call %[bpf_ringbuf_reserve];"

/* a reserved record never released */
ASM_CASE("socket", leak, RESERVE8 "if r0 == 0 goto 1f; r1 = 0; *(u64 *)(r0 + 0) = r1; 1: r0 = 0; exit;")
/* released on one path only */
ASM_CASE("socket", leak_on_one_path, RESERVE8 "if r0 == 0 goto 1f; r6 = r0; call %[bpf_get_prandom_u32]; if r0 == 0 goto 1f;"
	 "r1 = r6; r2 = 0; call %[bpf_ringbuf_submit]; 1: r0 = 0; exit;")
/* used before the null check */
ASM_CASE("socket", write_before_null_check, RESERVE8 "r1 = 0; *(u64 *)(r0 + 0) = r1; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; r0 = 0; exit;")
/* submitted without a null check */
ASM_CASE("socket", submit_unchecked, RESERVE8 "r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; r0 = 0; exit;")
/* written past its size */
ASM_CASE("socket", write_past_record, RESERVE8 "if r0 == 0 goto 1f; r1 = 0; *(u64 *)(r0 + 8) = r1; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; 1: r0 = 0; exit;")
/* submitted twice */
ASM_CASE("socket", submit_twice, RESERVE8 "if r0 == 0 goto 1f; r6 = r0; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; r1 = r6; r2 = 0;"
	 "call %[bpf_ringbuf_submit]; 1: r0 = 0; exit;")
/* used after submission */
ASM_CASE("socket", use_after_submit, RESERVE8 "if r0 == 0 goto 1f; r6 = r0; r1 = r0; r2 = 0; call %[bpf_ringbuf_submit]; r0 = *(u64 *)(r6 + 0); exit; 1: r0 = 0; exit;")
/* submitted at an offset into the record */
ASM_CASE("socket", submit_moved_pointer, RESERVE8 "if r0 == 0 goto 1f; r1 = r0; r1 += 4; r2 = 0; call %[bpf_ringbuf_submit]; 1: r0 = 0; exit;")
/* a stack pointer submitted */
ASM_CASE("socket", submit_stack_pointer, "r1 = r10; r1 += -8; r2 = 0; call %[bpf_ringbuf_submit]; r0 = 0; exit;")
/* a reservation whose size is not a constant */
ASM_CASE("socket", reserve_unknown_size, "call %[bpf_get_prandom_u32]; r2 = r0; r2 &= 15; r1 = %[rb] ll; r3 = 0; call %[bpf_ringbuf_reserve];"
	 "if r0 == 0 goto 1f; r1 = r0; r2 = 0; call %[bpf_ringbuf_discard]; 1: r0 = 0; exit;")
/* a reservation in an array map */
ASM_CASE("socket", reserve_in_array, "r1 = %[array] ll; r2 = 8; r3 = 0; call %[bpf_ringbuf_reserve]; r0 = 0; exit;")
/* a copy of the reference is released through the copy */
ASM_CASE("socket", release_through_copy, RESERVE8 "r6 = r0; if r6 == 0 goto 1f; r1 = r6; r2 = 0; call %[bpf_ringbuf_discard]; 1: r0 = 0; exit;")
/* the record spilled to the stack and released after the fill */
ASM_CASE("socket", release_after_spill, RESERVE8 "if r0 == 0 goto 1f; *(u64 *)(r10 - 8) = r0; r1 = *(u64 *)(r10 - 8); r2 = 0; call %[bpf_ringbuf_submit]; 1: r0 = 0; exit;")
#include "prog_array.h"

/* a tail call while a record is held */
SEC("socket") __naked int tail_call_while_held(void)
{
	asm volatile ("r7 = r1;" RESERVE8 "if r0 == 0 goto 1f; r6 = r0; r1 = r7; r2 = %[progs] ll; r3 = 0; call %[bpf_tail_call];"
		      "r1 = r6; r2 = 0; call %[bpf_ringbuf_discard]; 1: r0 = 0; exit;" :: IMMS, __imm_addr(progs) : __clobber_all);
}

/* a tail call after the record is released */
SEC("socket") __naked int tail_call_after_release(void)
{
	asm volatile ("r7 = r1;" RESERVE8 "if r0 == 0 goto 1f; r1 = r0; r2 = 0; call %[bpf_ringbuf_discard]; r1 = r7; r2 = %[progs] ll; r3 = 0;"
		      "call %[bpf_tail_call]; 1: r0 = 0; exit;" :: IMMS, __imm_addr(progs) : __clobber_all);
}
/* a subprogram's tail call: one that succeeds returns to the caller, which still holds its
 * record and releases it, so nothing leaks */
SUBPROG(tail_calls)
{
	asm volatile ("r2 = %[progs] ll; r3 = 0; call %[bpf_tail_call]; r0 = 0; exit;" :: IMMS, __imm_addr(progs) : __clobber_all);
}
SEC("socket") __naked int subprog_tail_call_while_caller_holds(void)
{
	asm volatile ("r7 = r1;" RESERVE8 "if r0 == 0 goto 1f; r6 = r0; r1 = r7; call tail_calls; r1 = r6; r2 = 0;"
		      "call %[bpf_ringbuf_discard]; 1: r0 = 0; exit;" :: IMMS : __clobber_all);
}

/* a subprogram that tail-calls while holding its own record: the successful call returns
 * to the main program with the record never released */
SUBPROG(tail_calls_holding)
{
	asm volatile ("r7 = r1;" RESERVE8 "if r0 == 0 goto 1f; r6 = r0; r1 = r7; r2 = %[progs] ll; r3 = 0;"
		      "call %[bpf_tail_call]; r1 = r6; r2 = 0; call %[bpf_ringbuf_discard]; 1: r0 = 0; exit;"
		      :: IMMS, __imm_addr(progs) : __clobber_all);
}
ASM_CASE("socket", subprog_tail_call_while_holding, "call tail_calls_holding; r0 = 0; exit;")
/* the record's pointer stored into a map value */
ASM_CASE("socket", record_stored_in_map, RESERVE8 "if r0 == 0 goto 1f; r6 = r0;" LOOKUP(array) "if r0 == 0 goto 2f; *(u64 *)(r0 + 0) = r6;"
	 "2: r1 = r6; r2 = 0; call %[bpf_ringbuf_discard]; 1: r0 = 0; exit;")
/* a record passed to a helper as memory */
ASM_CASE("socket", record_as_helper_memory, RESERVE8 "if r0 == 0 goto 1f; r6 = r0; r1 = r0; r2 = 8; r3 = 0; call %[bpf_probe_read_kernel];"
	 "r1 = r6; r2 = 0; call %[bpf_ringbuf_submit]; 1: r0 = 0; exit;")
/* a record passed to a helper as more memory than it has */
ASM_CASE("socket", record_as_too_much_memory, RESERVE8 "if r0 == 0 goto 1f; r6 = r0; r1 = r0; r2 = 16; r3 = 0; call %[bpf_probe_read_kernel];"
	 "r1 = r6; r2 = 0; call %[bpf_ringbuf_submit]; 1: r0 = 0; exit;")

SUBPROG(releases_arg)
{
	asm volatile ("r2 = 0; call %[bpf_ringbuf_discard]; r0 = 0; exit;" :: IMMS : __clobber_all);
}

/* a subprogram releases its caller's record */
ASM_CASE("socket", subprog_releases, RESERVE8 "if r0 == 0 goto 1f; r1 = r0; call releases_arg; 1: r0 = 0; exit;")
