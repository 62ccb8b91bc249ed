/* Conditional jumps: the bounds each side of a branch learns, for every comparison, JMP and
 * JMP32, signed and unsigned, against constants and registers, and through copies (ids). Each
 * case bounds an unknown offset with <checks> (jumping to label 1 to give up) and reads one
 * byte at that offset of a 48-byte map value. */
#include "corpus.h"

/* r1 = an unknown u64 (the map value's first word); <checks>; read array[0] + r1 */
#define U64_CHECKED(name, checks)                                                                 \
	ASM_CASE("socket", name,                                                                  \
		 LOOKUP(array) "if r0 == 0 goto 1f; r6 = r0; r1 = *(u64 *)(r6 + 0);"              \
		 checks "r6 += r1; r0 = *(u8 *)(r6 + 0); exit; 1: r0 = 0; exit;")

/* r1 = an unknown u32; <checks>; read array[0] + r1 */
#define U32_CHECKED(name, checks)                                                                 \
	ASM_CASE("socket", name,                                                                  \
		 LOOKUP(array) "if r0 == 0 goto 1f; r6 = r0; call %[bpf_get_prandom_u32]; w1 = w0;" \
		 checks "r6 += r1; r0 = *(u8 *)(r6 + 0); exit; 1: r0 = 0; exit;")

/* unsigned 64-bit */
U64_CHECKED(jgt_47, "if r1 > 47 goto 1f;")
U64_CHECKED(jgt_48, "if r1 > 48 goto 1f;")
U64_CHECKED(jge_48, "if r1 >= 48 goto 1f;")
U64_CHECKED(jge_49, "if r1 >= 49 goto 1f;")
U64_CHECKED(jlt_48_taken_side, "if r1 < 48 goto 2f; goto 1f; 2:")
U64_CHECKED(jlt_49_taken_side, "if r1 < 49 goto 2f; goto 1f; 2:")
U64_CHECKED(jle_47_taken_side, "if r1 <= 47 goto 2f; goto 1f; 2:")
U64_CHECKED(jle_48_taken_side, "if r1 <= 48 goto 2f; goto 1f; 2:")
U64_CHECKED(jgt_wrong_side, "if r1 > 47 goto 2f; goto 1f; 2:")
U64_CHECKED(jgt_lower_bound_only, "if r1 < 8 goto 1f;")
/* signed 64-bit */
U64_CHECKED(jsgt_only_upper, "if r1 s> 47 goto 1f;")
U64_CHECKED(jsgt_and_jslt_0, "if r1 s> 47 goto 1f; if r1 s< 0 goto 1f;")
U64_CHECKED(jsge_and_jslt_0, "if r1 s>= 48 goto 1f; if r1 s< 0 goto 1f;")
U64_CHECKED(jsge_49_and_jslt_0, "if r1 s>= 49 goto 1f; if r1 s< 0 goto 1f;")
U64_CHECKED(jsle_taken_side, "if r1 s<= 47 goto 2f; goto 1f; 2: if r1 s< 0 goto 1f;")
U64_CHECKED(jslt_taken_side_missing_min, "if r1 s< 48 goto 2f; goto 1f; 2:")
U64_CHECKED(jsgt_minus1_lower, "if r1 s> 47 goto 1f; if r1 s<= -1 goto 1f;")
U64_CHECKED(unsigned_then_signed, "if r1 > 100 goto 1f; if r1 s> 47 goto 1f;")
U64_CHECKED(signed_then_unsigned, "if r1 s< 0 goto 1f; if r1 > 47 goto 1f;")
/* 32-bit comparisons */
U32_CHECKED(jmp32_jgt_47_on_u32, "if w1 > 47 goto 1f;")
U64_CHECKED(jmp32_jgt_47_on_u64, "if w1 > 47 goto 1f;")
U32_CHECKED(jmp32_jgt_48_on_u32, "if w1 > 48 goto 1f;")
U32_CHECKED(jmp32_jge_48, "if w1 >= 48 goto 1f;")
U32_CHECKED(jmp32_jlt_taken_side, "if w1 < 48 goto 2f; goto 1f; 2:")
U32_CHECKED(jmp32_jsgt_only_upper, "if w1 s> 47 goto 1f;")
U32_CHECKED(jmp32_jsgt_and_jslt_0, "if w1 s> 47 goto 1f; if w1 s< 0 goto 1f;")
U64_CHECKED(jmp32_signed_on_u64, "if w1 s> 47 goto 1f; if w1 s< 0 goto 1f;")
U64_CHECKED(jmp32_then_upper_zero, "if w1 > 47 goto 1f; r2 = r1; r2 >>= 32; if r2 != 0 goto 1f;")
U64_CHECKED(jmp64_after_jmp32, "if w1 > 47 goto 1f; if r1 > 47 goto 1f;")
/* equality */
U64_CHECKED(jeq_const_taken, "if r1 == 40 goto 2f; goto 1f; 2:")
U64_CHECKED(jeq_const_over, "if r1 == 48 goto 2f; goto 1f; 2:")
U64_CHECKED(jne_const_fallthrough, "if r1 != 40 goto 1f;")
U64_CHECKED(jne_taken_side_unbounded, "if r1 != 40 goto 2f; goto 1f; 2:")
U32_CHECKED(jmp32_jeq_const, "if w1 == 7 goto 2f; goto 1f; 2:")
U64_CHECKED(jmp32_jeq_on_u64, "if w1 == 7 goto 2f; goto 1f; 2:")
U64_CHECKED(jne_narrows_range_end, "if r1 > 48 goto 1f; if r1 == 48 goto 1f;")
U64_CHECKED(jne_narrows_range_start, "if r1 > 48 goto 1f; if r1 != 48 goto 2f; goto 1f; 2: r1 -= 1;")
/* bit tests */
U64_CHECKED(jset_high_bits_clear, "if r1 & -32 goto 1f;")
U64_CHECKED(jset_high_bits_wrong_mask, "if r1 & -64 goto 1f;")
U32_CHECKED(jmp32_jset, "if w1 & -32 goto 1f;")
U64_CHECKED(jset_taken_side, "if r1 & 16 goto 2f; goto 1f; 2:")
/* against registers */
U64_CHECKED(jgt_reg_const, "r2 = 47; if r1 > r2 goto 1f;")
U64_CHECKED(jgt_reg_const_48, "r2 = 48; if r1 > r2 goto 1f;")
U64_CHECKED(jlt_reg_reversed, "r2 = 48; if r2 <= r1 goto 1f;")
U64_CHECKED(jgt_reg_bounded, "r2 = r1; r2 &= 31; if r1 > r2 goto 1f;")
U64_CHECKED(jgt_reg_unknown, "r2 = *(u64 *)(r6 + 8); if r1 > r2 goto 1f;")
U64_CHECKED(jsgt_reg_const, "r2 = 47; if r1 s> r2 goto 1f; r2 = 0; if r1 s< r2 goto 1f;")
/* copies share an id: a bound learnt on one holds for the other */
U64_CHECKED(copy_bounded_after, "r3 = r1; if r3 > 47 goto 1f;")
U64_CHECKED(copy_bounded_before_change, "r3 = r1; r3 += 0; if r3 > 47 goto 1f;")
U64_CHECKED(copy_with_offset, "r3 = r1; r3 += 1; if r3 > 48 goto 1f;")
U64_CHECKED(copy_changed_breaks_link, "r3 = r1; r3 *= 1; if r3 > 47 goto 1f;")
U64_CHECKED(copy_via_stack, "*(u64 *)(r10 - 16) = r1; r3 = *(u64 *)(r10 - 16); if r3 > 47 goto 1f;")
U64_CHECKED(copy_32bit_not_linked, "w3 = w1; if r3 > 47 goto 1f;")
U64_CHECKED(copy_overwritten, "r3 = r1; r1 = *(u64 *)(r6 + 8); if r3 > 47 goto 1f;")
