/* Conditional jumps: JMP32 comparisons, equality and bit tests, and the bounds each side
 * learns (offsets.h says how each case reads a map value at the offset). */
#include "offsets.h"

/* 32-bit comparisons */
U32_OFFSET(jmp32_jgt_47_on_u32, "if w1 > 47 goto 1f;")
U64_OFFSET(jmp32_jgt_47_on_u64, "if w1 > 47 goto 1f;")
U32_OFFSET(jmp32_jgt_48_on_u32, "if w1 > 48 goto 1f;")
U32_OFFSET(jmp32_jge_48, "if w1 >= 48 goto 1f;")
U32_OFFSET(jmp32_jlt_taken_side, "if w1 < 48 goto 2f; goto 1f; 2:")
U32_OFFSET(jmp32_jsgt_only_upper, "if w1 s> 47 goto 1f;")
U32_OFFSET(jmp32_jsgt_and_jslt_0, "if w1 s> 47 goto 1f; if w1 s< 0 goto 1f;")
U64_OFFSET(jmp32_signed_on_u64, "if w1 s> 47 goto 1f; if w1 s< 0 goto 1f;")
U64_OFFSET(jmp32_then_upper_zero, "if w1 > 47 goto 1f; r2 = r1; r2 >>= 32; if r2 != 0 goto 1f;")
U64_OFFSET(jmp64_after_jmp32, "if w1 > 47 goto 1f; if r1 > 47 goto 1f;")
/* equality */
U64_OFFSET(jeq_const_taken, "if r1 == 40 goto 2f; goto 1f; 2:")
U64_OFFSET(jeq_const_over, "if r1 == 48 goto 2f; goto 1f; 2:")
U64_OFFSET(jne_const_fallthrough, "if r1 != 40 goto 1f;")
U64_OFFSET(jne_taken_side_unbounded, "if r1 != 40 goto 2f; goto 1f; 2:")
U32_OFFSET(jmp32_jeq_const, "if w1 == 7 goto 2f; goto 1f; 2:")
U64_OFFSET(jmp32_jeq_on_u64, "if w1 == 7 goto 2f; goto 1f; 2:")
U64_OFFSET(jne_narrows_range_end, "if r1 > 48 goto 1f; if r1 == 48 goto 1f;")
U64_OFFSET(jne_narrows_range_start, "if r1 > 48 goto 1f; if r1 != 48 goto 2f; goto 1f; 2: r1 -= 1;")
/* bit tests */
U64_OFFSET(jset_high_bits_clear, "if r1 & -32 goto 1f;")
U64_OFFSET(jset_high_bits_wrong_mask, "if r1 & -64 goto 1f;")
U32_OFFSET(jmp32_jset, "if w1 & -32 goto 1f;")
U64_OFFSET(jset_taken_side, "if r1 & 16 goto 2f; goto 1f; 2:")
