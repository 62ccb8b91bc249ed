/* Conditional jumps, 64-bit: the bounds each side of an unsigned or signed comparison with
 * a constant learns (offsets.h says how each case reads a map value at the offset). */
#include "offsets.h"

/* unsigned 64-bit */
U64_OFFSET(jgt_47, "if r1 > 47 goto 1f;")
U64_OFFSET(jgt_48, "if r1 > 48 goto 1f;")
U64_OFFSET(jge_48, "if r1 >= 48 goto 1f;")
U64_OFFSET(jge_49, "if r1 >= 49 goto 1f;")
U64_OFFSET(jlt_48_taken_side, "if r1 < 48 goto 2f; goto 1f; 2:")
U64_OFFSET(jlt_49_taken_side, "if r1 < 49 goto 2f; goto 1f; 2:")
U64_OFFSET(jle_47_taken_side, "if r1 <= 47 goto 2f; goto 1f; 2:")
U64_OFFSET(jle_48_taken_side, "if r1 <= 48 goto 2f; goto 1f; 2:")
U64_OFFSET(jgt_wrong_side, "if r1 > 47 goto 2f; goto 1f; 2:")
U64_OFFSET(jgt_lower_bound_only, "if r1 < 8 goto 1f;")
/* signed 64-bit */
U64_OFFSET(jsgt_only_upper, "if r1 s> 47 goto 1f;")
U64_OFFSET(jsgt_and_jslt_0, "if r1 s> 47 goto 1f; if r1 s< 0 goto 1f;")
U64_OFFSET(jsge_and_jslt_0, "if r1 s>= 48 goto 1f; if r1 s< 0 goto 1f;")
U64_OFFSET(jsge_49_and_jslt_0, "if r1 s>= 49 goto 1f; if r1 s< 0 goto 1f;")
U64_OFFSET(jsle_taken_side, "if r1 s<= 47 goto 2f; goto 1f; 2: if r1 s< 0 goto 1f;")
U64_OFFSET(jslt_taken_side_missing_min, "if r1 s< 48 goto 2f; goto 1f; 2:")
U64_OFFSET(jsgt_minus1_lower, "if r1 s> 47 goto 1f; if r1 s<= -1 goto 1f;")
U64_OFFSET(unsigned_then_signed, "if r1 > 100 goto 1f; if r1 s> 47 goto 1f;")
U64_OFFSET(signed_then_unsigned, "if r1 s< 0 goto 1f; if r1 > 47 goto 1f;")
