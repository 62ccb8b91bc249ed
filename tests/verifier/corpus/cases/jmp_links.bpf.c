/* Registers linked with a constant offset (r3 = r1; r3 += k): a conditional jump that bounds
 * one bounds the other, k away; what keeps and what breaks such a link (offsets.h says how
 * each case reads a map value at the offset held in r1). */
#include "offsets.h"

/* bounds learnt on the copy move back to the source, one less */
U64_OFFSET(bound_copy_moves_source, "r3 = r1; r3 += 1; if r3 > 48 goto 1f; if r3 < 1 goto 1f;")
/* the same bounds one too wide: the source may reach 48 */
U64_OFFSET(bound_copy_one_too_wide, "r3 = r1; r3 += 1; if r3 > 49 goto 1f; if r3 < 1 goto 1f;")
/* bounds learnt on the source move to the copy, which is then read */
U64_OFFSET(bound_source_moves_copy, "r3 = r1; r3 += 4; if r1 > 43 goto 1f; r1 = r3;")
/* the same with the copy four past the end */
U64_OFFSET(bound_source_copy_past_end, "r3 = r1; r3 += 4; if r1 > 44 goto 1f; r1 = r3;")
/* an added constant held in a register links too */
U64_OFFSET(offset_from_const_reg, "r2 = 1; r3 = r1; r3 += r2; if r3 > 48 goto 1f; if r3 < 1 goto 1f;")
/* subtracting a constant links too, at the negated offset */
U64_OFFSET(sub_links, "r3 = r1; r3 -= -1; if r3 > 48 goto 1f; if r3 < 1 goto 1f;")
/* a 32-bit add breaks the link */
U64_OFFSET(add32_breaks_link, "r3 = r1; w3 += 1; if r3 > 48 goto 1f; if r3 < 1 goto 1f;")
/* a second add breaks the link */
U64_OFFSET(second_add_breaks_link, "r3 = r1; r3 += 1; r3 += 1; if r3 > 49 goto 1f; if r3 < 2 goto 1f;")
/* a negative constant links at a negative offset */
U64_OFFSET(negative_offset_links, "r3 = r1; r3 += -1; if r3 > 46 goto 1f;")
/* a copy of a register linked with an offset starts a new link without the source */
U64_OFFSET(copy_of_offset_copy_unlinked, "r3 = r1; r3 += 2; r4 = r3; if r4 > 49 goto 1f; if r4 < 2 goto 1f;")
/* two copies at different offsets: bounding one bounds the other through the source */
U64_OFFSET(two_offsets_in_range, "r3 = r1; r3 += 2; r4 = r1; r4 += 5; if r3 > 44 goto 1f; if r3 < 2 goto 1f; r1 = r4;")
/* the same, the second copy reaching past the end */
U64_OFFSET(two_offsets_past_end, "r3 = r1; r3 += 2; r4 = r1; r4 += 5; if r3 > 45 goto 1f; if r3 < 2 goto 1f; r1 = r4;")
/* a spill of a copy linked with an offset starts a new link */
U64_OFFSET(spill_of_offset_copy_unlinked,
	   "r3 = r1; r3 += 1; *(u64 *)(r10 - 16) = r3; r4 = *(u64 *)(r10 - 16); if r4 > 48 goto 1f; if r4 < 1 goto 1f;")
/* a 32-bit comparison of the copy bounds the source too */
U64_OFFSET(jmp32_on_offset_copy, "r3 = r1; r3 += 1; if r3 > 48 goto 1f; if w3 < 1 goto 1f;")
/* adding zero links at offset zero */
U64_OFFSET(add_zero_links, "r3 = r1; r3 += 0; if r3 > 47 goto 1f;")
/* a register compared with its own offset copy: the jump refines both, the link keeps them apart */
U64_OFFSET(compare_with_offset_copy, "r3 = r1; r3 += 1; if r1 > 46 goto 1f; if r3 > r1 goto 2f; r1 = 0; 2:")
/* subtracting a positive constant: the source is one more than the copy */
U64_OFFSET(sub_positive_links, "r3 = r1; r3 -= 1; if r3 > 46 goto 1f;")
/* the same one too wide */
U64_OFFSET(sub_positive_one_too_wide, "r3 = r1; r3 -= 1; if r3 > 47 goto 1f;")
/* a constant above S32_MAX (from a register) is too large for a link */
U64_OFFSET(offset_above_s32_breaks_link,
	   "r2 = 0x80000000 ll; r3 = r1; r3 += r2; r4 = 0x8000002f ll; if r3 > r4 goto 1f; if r3 < r2 goto 1f;")
/* S32_MIN subtracted cannot be negated into an offset */
U64_OFFSET(sub_s32_min_breaks_link,
	   "r2 = -2147483648; r3 = r1; r3 -= r2; r4 = 0x8000002f ll; if r3 > r4 goto 1f; r4 = 0x80000000 ll; if r3 < r4 goto 1f;")
/* S32_MIN added is an offset like any other */
U64_OFFSET(add_s32_min_links,
	   "r3 = r1; r3 += -2147483648; r4 = 0xffffffff8000002f ll; if r3 > r4 goto 1f; r4 = 0xffffffff80000000 ll; if r3 < r4 goto 1f;")
