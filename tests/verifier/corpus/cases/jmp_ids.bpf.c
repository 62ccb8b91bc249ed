/* Conditional jumps between registers, and through copies: registers that share an id
 * (a 64-bit copy, a spill and fill) learn each other's bounds (offsets.h says how each case
 * reads a map value at the offset). */
#include "offsets.h"

/* against registers */
U64_OFFSET(jgt_reg_const, "r2 = 47; if r1 > r2 goto 1f;")
U64_OFFSET(jgt_reg_const_48, "r2 = 48; if r1 > r2 goto 1f;")
U64_OFFSET(jlt_reg_reversed, "r2 = 48; if r2 <= r1 goto 1f;")
U64_OFFSET(jgt_reg_bounded, "r2 = r1; r2 &= 31; if r1 > r2 goto 1f;")
U64_OFFSET(jgt_reg_unknown, "r2 = *(u64 *)(r6 + 8); if r1 > r2 goto 1f;")
U64_OFFSET(jsgt_reg_const, "r2 = 47; if r1 s> r2 goto 1f; r2 = 0; if r1 s< r2 goto 1f;")
/* copies share an id: a bound learnt on one holds for the other */
U64_OFFSET(copy_bounded_after, "r3 = r1; if r3 > 47 goto 1f;")
U64_OFFSET(copy_bounded_before_change, "r3 = r1; r3 += 0; if r3 > 47 goto 1f;")
U64_OFFSET(copy_with_offset, "r3 = r1; r3 += 1; if r3 > 48 goto 1f;")
U64_OFFSET(copy_changed_breaks_link, "r3 = r1; r3 *= 1; if r3 > 47 goto 1f;")
U64_OFFSET(copy_via_stack, "*(u64 *)(r10 - 16) = r1; r3 = *(u64 *)(r10 - 16); if r3 > 47 goto 1f;")
U64_OFFSET(copy_32bit_not_linked, "w3 = w1; if r3 > 47 goto 1f;")
U64_OFFSET(copy_overwritten, "r3 = r1; r1 = *(u64 *)(r6 + 8); if r3 > 47 goto 1f;")
