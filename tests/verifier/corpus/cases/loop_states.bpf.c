/* Infinite loops the verifier proves by finding a state equal to one still being explored:
 * where it finds it (the kernel's prune points: jump targets, conditional jumps, after calls),
 * and how it prints the current and old states (the loop's frame only, precise marks). */
#include "corpus.h"

/* a loop whose exit test reads a constant: found at the jump */
ASM_CASE("socket", const_test, "r1 = 3; r0 = 0; 1: r0 += 0; if r1 > 2 goto 1b; exit;")
/* the loop's register changes, then changes back */
ASM_CASE("socket", toggles_back, "r1 = 0; r2 = 5; 1: r1 ^= 1; r1 ^= 1; if r2 != 0 goto 1b; r0 = 0; exit;")
/* a loop through an unconditional jump back */
ASM_CASE("socket", ja_back, "r0 = 0; r1 = 1; 1: if r1 == 0 goto 2f; r0 = 1; goto 1b; 2: exit;")
/* a loop in a subprogram: the states printed are the subprogram's frame */
SUBPROG(spins)
{
	asm volatile ("r0 = 0; r2 = 1; 1: r0 = 1; if r2 != 0 goto 1b; exit;" ::: __clobber_all);
}
ASM_CASE("socket", loop_in_subprog, "r6 = 7; call spins; exit;")
/* a loop that spills a constant each round */
ASM_CASE("socket", spills_each_round, "r1 = 4; r0 = 0; 1: *(u64 *)(r10 - 8) = r1; r0 = *(u64 *)(r10 - 8); if r1 > 3 goto 1b; exit;")
/* a loop with a call inside: found after the call */
ASM_CASE("socket", call_inside, "r6 = 1; 1: call %[bpf_get_prandom_u32]; if r6 != 0 goto 1b; r0 = 0; exit;")
/* a bounded loop that ends: no state repeats */
ASM_CASE("socket", counts_down, "r1 = 20; r0 = 0; 1: r0 += 2; r1 -= 1; if r1 != 0 goto 1b; exit;")
/* a loop on an unknown value that never changes: both sides are explored, one loops */
ASM_CASE("socket", unknown_never_changes, "call %[bpf_get_prandom_u32]; r1 = r0; r0 = 0; 1: r0 = 1; if r1 > 5 goto 1b; exit;")
/* a loop whose counter is linked to a copy that changes */
ASM_CASE("socket", copy_changes, "r1 = 0; 1: r2 = r1; r2 += 1; r1 = r2; if r1 < 30 goto 1b; r0 = 0; exit;")
/* a flag flipped in three hops round a loop: the kernel counts an instruction as processed
 * before it looks for a covering state, so its first checkpoint falls on the third hop's
 * target and the loop is caught there, with that checkpoint's precise flag in the message */
ASM_CASE("socket", three_hop_flip, "r0 = 0; 1: r0 ^= 1; if r0 < 2 goto 2f; exit; 2: r0 ^= 1; if r0 < 2 goto 3f; exit;"
	 "3: r0 ^= 1; if r0 < 2 goto 1b; exit;")
/* the same with one more instruction per hop: the first checkpoint moves */
ASM_CASE("socket", three_hop_flip_longer, "r0 = 0; 1: r0 ^= 1; r1 = r0; if r0 < 2 goto 2f; exit; 2: r0 ^= 1; r1 = r0;"
	 "if r0 < 2 goto 3f; exit; 3: r0 ^= 1; r1 = r0; if r0 < 2 goto 1b; exit;")
