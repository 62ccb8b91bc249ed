/* Map values at variable offsets: the bounds an index needs before it may move a value
 * pointer, and which bounds the kernel keeps through the pointer. */
#include "corpus.h"

/* r0 = &array[0] or exit; r1 = the value's first word (unknown) */
#define IDX(body) LOOKUP(array) "if r0 == 0 goto 1f; r1 = *(u64 *)(r0 + 0);" body "1: r0 = 0; exit;"

/* a bounded index then a constant offset inside the value */
ASM_CASE("socket", index_plus_const_inside, IDX("if r1 > 32 goto 1f; r0 += r1; r0 = *(u64 *)(r0 + 8); exit;"))
/* a bounded index then a constant offset past the end */
ASM_CASE("socket", index_plus_const_past_end, IDX("if r1 > 32 goto 1f; r0 += r1; r0 = *(u64 *)(r0 + 9); exit;"))
/* an index bounded only after being added */
ASM_CASE("socket", index_checked_after_add, IDX("r0 += r1; if r1 > 32 goto 1f; r0 = *(u8 *)(r0 + 0); exit;"))
/* an index bounded, added twice */
ASM_CASE("socket", index_added_twice, IDX("if r1 > 20 goto 1f; r0 += r1; r0 += r1; r0 = *(u8 *)(r0 + 0); exit;"))
/* an index bounded, added twice, too far */
ASM_CASE("socket", index_added_twice_too_far, IDX("if r1 > 24 goto 1f; r0 += r1; r0 += r1; r0 = *(u8 *)(r0 + 0); exit;"))
/* an index subtracted from a pointer past the start */
ASM_CASE("socket", index_subtracted, IDX("if r1 > 8 goto 1f; r0 += 16; r0 -= r1; r0 = *(u8 *)(r0 + 0); exit;"))
/* an index subtracted from the start */
ASM_CASE("socket", index_subtracted_from_start, IDX("if r1 > 8 goto 1f; r0 -= r1; r0 = *(u8 *)(r0 + 0); exit;"))
/* a pointer moved by an index, then a write */
ASM_CASE("socket", index_write, IDX("r1 &= 31; r0 += r1; r2 = 1; *(u64 *)(r0 + 8) = r2; r0 = 0; exit;"))
/* a pointer moved by an index, then a write that may end at the value's end */
ASM_CASE("socket", index_write_to_end, IDX("r1 &= 31; r0 += r1; r2 = 1; *(u64 *)(r0 + 9) = r2; r0 = 0; exit;"))
/* a pointer moved by an index, then a write one byte too far */
ASM_CASE("socket", index_write_too_far, IDX("r1 &= 31; r0 += r1; r2 = 1; *(u64 *)(r0 + 10) = r2; r0 = 0; exit;"))
/* an index from a signed comparison with a lower bound */
ASM_CASE("socket", index_signed_both_bounds, IDX("if r1 s> 40 goto 1f; if r1 s< 0 goto 1f; r0 += r1; r0 = *(u8 *)(r0 + 0); exit;"))
/* the index's bounds are learnt after it was moved into the pointer's twin */
ASM_CASE("socket", index_bound_through_copy, IDX("r2 = r1; if r2 > 40 goto 1f; r0 += r1; r0 = *(u8 *)(r0 + 0); exit;"))
/* a variable offset pointer checked against the end with a register */
ASM_CASE("socket", index_compared_to_register, IDX("r2 = 40; if r1 > r2 goto 1f; r0 += r1; r0 = *(u8 *)(r0 + 7); exit;"))
/* pointer plus index, pointer compared to pointer (not a bound) */
ASM_CASE("socket", pointers_compared_no_bound, IDX("r2 = r0; r2 += 48; r3 = r0; r3 += r1; if r3 > r2 goto 1f; r0 = *(u8 *)(r3 + 0); exit;"))
/* an index scaled by a multiply */
ASM_CASE("socket", index_scaled, IDX("r1 &= 3; r1 *= 8; r0 += r1; r0 = *(u64 *)(r0 + 16); exit;"))
/* an index scaled by a multiply, one element too many */
ASM_CASE("socket", index_scaled_too_many, IDX("r1 &= 7; r1 *= 8; r0 += r1; r0 = *(u64 *)(r0 + 0); exit;"))
/* an index that is 32-bit bounded only */
ASM_CASE("socket", index_only_32bit_bounded, IDX("if w1 > 40 goto 1f; r0 += r1; r0 = *(u8 *)(r0 + 0); exit;"))
/* a 32-bit index zero-extended after a 32-bit bound */
ASM_CASE("socket", index_32bit_zero_extended, IDX("w1 = w1; if w1 > 40 goto 1f; r0 += r1; r0 = *(u8 *)(r0 + 0); exit;"))
/* two bounded indexes added */
ASM_CASE("socket", two_indexes, IDX("r2 = *(u64 *)(r0 + 8); r1 &= 15; r2 &= 15; r0 += r1; r0 += r2; r0 = *(u8 *)(r0 + 16); exit;"))
/* two bounded indexes added, one too far */
ASM_CASE("socket", two_indexes_too_far, IDX("r2 = *(u64 *)(r0 + 8); r1 &= 15; r2 &= 31; r0 += r1; r0 += r2; r0 = *(u8 *)(r0 + 16); exit;"))
