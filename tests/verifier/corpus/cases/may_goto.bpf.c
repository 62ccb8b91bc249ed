/* may_goto loops: the kernel counts a may_goto's fall-through as one more iteration and its
 * jump as none, so a may_goto whose jump comes back to an equal state (itself, or a loop head
 * before it) is an infinite loop; a loop that goes round through the fall-through converges. */
#include "corpus.h"

/* may_goto jumping to itself, with a loop back to it: the jump repeats the state */
ASM_CASE("socket", self_jump, "r0 = *(u32 *)(r10 - 4); 1: " RAW(0xe5, 0, 0, -1, 0) "if r0 > 10 goto 1b; r0 = 0; exit;")
/* may_goto jumping to itself as the only instruction of the loop */
ASM_CASE("socket", self_jump_alone, "r0 = 3;" RAW(0xe5, 0, 0, -1, 0) "exit;")
/* may_goto jumping to itself with a known r0 */
ASM_CASE("socket", self_jump_const, "r0 = 7; 1: " RAW(0xe5, 0, 0, -1, 0) "if r0 > 10 goto 1b; r0 = 0; exit;")
/* may_goto jumping back over an lddw to a loop head: the jump repeats the state there */
ASM_CASE("socket", back_to_lddw, "1: r0 = %[array] ll;" RAW(0xe5, 0, 0, -3, 0) "if r0 > 10 goto 1b; r0 = 0; exit;")
/* may_goto jumping back to an assignment: the jump repeats the state there */
ASM_CASE("socket", back_to_mov, "1: r0 = 5;" RAW(0xe5, 0, 0, -2, 0) "r0 = 0; exit;")
/* may_goto jumping back to a may_goto: equal depth, equal state */
ASM_CASE("socket", back_to_may_goto, "r0 = 1; 1: may_goto 2f;" RAW(0xe5, 0, 0, -2, 0) "2: r0 = 0; exit;")
/* may_goto with a backward jump reached only from a forward goto is accepted */
ASM_CASE("socket", backward_reached_by_goto, "r0 = *(u32 *)(r10 - 4); goto 1f; goto 2f; 1: " RAW(0xe5, 0, 0, -2, 0) "if r0 > 10 goto 1b; 2: r0 = 0; exit;")
/* a loop round the fall-through, exit by the jump: accepted */
ASM_CASE("socket", loop_by_fallthrough, "r0 = 0; 1: may_goto 2f; r0 += 1; goto 1b; 2: r0 = 0; exit;")
/* a loop round the fall-through with a constant that never changes: accepted */
ASM_CASE("socket", loop_constant_state, "r0 = 5; 1: may_goto 2f; goto 1b; 2: exit;")
/* an infinite loop with no may_goto in it is still refused */
ASM_CASE("socket", loop_without_may_goto, "r0 = 0; may_goto 2f; 1: r0 = 1; goto 1b; 2: exit;")
/* a loop whose back edge jumps over the may_goto is still refused */
ASM_CASE("socket", back_edge_over_may_goto, "r0 = 0; 1: r0 = 1; may_goto 2f; 2: goto 1b;")
/* nested may_goto loops, both closed by their fall-throughs: accepted */
ASM_CASE("socket", nested_loops, "r0 = 0; 1: may_goto 3f; 2: may_goto 1b; r0 += 1; goto 2b; 3: r0 = 0; exit;")
/* a counter its exit test keeps exact walks a map value one word per round: may_goto widens
 * only imprecise scalars, so the six rounds stay within the 48-byte value */
ASM_CASE("socket", precise_counter_walk, LOOKUP(array) "if r0 == 0 goto 2f; r1 = 0; 1: may_goto 2f;"
	 "*(u64 *)(r0 + 0) = r1; r0 += 8; r1 += 1; if r1 != 6 goto 1b; 2: r0 = 0; exit;")
/* the same walk one round longer writes past the value */
ASM_CASE("socket", precise_counter_walk_past, LOOKUP(array) "if r0 == 0 goto 2f; r1 = 0; 1: may_goto 2f;"
	 "*(u64 *)(r0 + 0) = r1; r0 += 8; r1 += 1; if r1 != 7 goto 1b; 2: r0 = 0; exit;")
