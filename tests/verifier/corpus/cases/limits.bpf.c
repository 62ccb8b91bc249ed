/* The instruction limits: programs that make the verifier process close to, or more than,
 * 1,000,000 instructions. These cases are slow on both sides (tests mark the family slow). */
#include "corpus.h"

/* an unknown 64-bit count: the loop may run 2^64 times */
ASM_CASE("socket", unbounded_count, "r1 = *(u32 *)(r1 + 0); r0 = 0; 1: r0 += 1; if r0 != r1 goto 1b; r0 = 0; exit;")
/* a loop of 600,000 iterations: more than 1,000,000 instructions to walk */
ASM_CASE("socket", loop_600k, "r0 = 0; 1: r0 += 1; if r0 < 600000 goto 1b; exit;")
/* a loop of 450,000 iterations: 900,000 instructions, under the limit */
ASM_CASE("kprobe", loop_450k, "r0 = 0; 1: r0 += 1; if r0 < 450000 goto 1b; r0 = 0; exit;")
/* a loop of 100,000 iterations: about 200,000 instructions to walk */
ASM_CASE("kprobe", loop_100k, "r0 = 0; 1: r0 += 1; if r0 < 100000 goto 1b; r0 = 0; exit;")
