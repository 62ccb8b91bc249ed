/* ALU: scalar bounds and tnums carried through arithmetic. Each case computes an offset from
 * an unknown value with one or two operations, adds it to a pointer to a 48-byte map value and
 * reads one byte there: the kernel accepts exactly when the bounds it derived keep the read
 * inside [0, 48). */
#include "corpus.h"

/* r1 = an unknown u32 (bpf_get_prandom_u32 truncated by a 32-bit move); <ops>; read array[0] + r1 */
#define U32_OFFSET(name, ops)                                                                     \
	ASM_CASE("socket", name,                                                                  \
		 LOOKUP(array) "if r0 == 0 goto 1f; r6 = r0; call %[bpf_get_prandom_u32]; w1 = w0;" \
		 ops "r6 += r1; r0 = *(u8 *)(r6 + 0); exit; 1: r0 = 0; exit;")

/* r1 = an unknown u64 (the map value's first word); <ops>; read array[0] + r1 */
#define U64_OFFSET(name, ops)                                                                     \
	ASM_CASE("socket", name,                                                                  \
		 LOOKUP(array) "if r0 == 0 goto 1f; r6 = r0; r1 = *(u64 *)(r6 + 0);"              \
		 ops "r6 += r1; r0 = *(u8 *)(r6 + 0); exit; 1: r0 = 0; exit;")

U32_OFFSET(unbounded_u32, "")
U64_OFFSET(unbounded_u64, "")
U32_OFFSET(and_15, "r1 &= 15;")
U32_OFFSET(and_47, "r1 &= 47;")
U32_OFFSET(and_63, "r1 &= 63;")
U64_OFFSET(and_15_u64, "r1 &= 15;")
U64_OFFSET(and_neg_mask_u64, "r1 &= -16;")
U32_OFFSET(tnum_and_0x28, "r1 &= 0x28;")
U32_OFFSET(tnum_and_0x30, "r1 &= 0x30;")
U32_OFFSET(const_40_add_7, "r1 = 40; r1 += 7;")
U32_OFFSET(const_40_add_8, "r1 = 40; r1 += 8;")
U32_OFFSET(const_mul_sub, "r1 = 9; r1 *= 5; r1 -= 2;")
U32_OFFSET(const_negative, "r1 = 3; r1 -= 4;")
U32_OFFSET(add_bounded_16, "r1 &= 31; r1 += 16;")
U32_OFFSET(add_bounded_17, "r1 &= 31; r1 += 17;")
U32_OFFSET(add_two_bounded, "r1 &= 15; r2 = r1; r2 &= 31; r1 += r2;")
U32_OFFSET(add_two_bounded_over, "r1 &= 31; r2 = r1; r2 &= 31; r1 += r2;")
U32_OFFSET(sub_may_go_negative, "r1 &= 31; r1 -= 8;")
U32_OFFSET(sub_from_const, "r1 &= 31; r2 = 40; r2 -= r1; r1 = r2;")
U32_OFFSET(sub_from_const_negative, "r1 &= 63; r2 = 40; r2 -= r1; r1 = r2;")
U32_OFFSET(mul_bounded, "r1 &= 7; r1 *= 6;")
U32_OFFSET(mul_bounded_over, "r1 &= 7; r1 *= 7;")
U32_OFFSET(mul_unbounded, "r1 *= 0;")
U32_OFFSET(lsh_bounded, "r1 &= 7; r1 <<= 2;")
U32_OFFSET(lsh_bounded_over, "r1 &= 15; r1 <<= 2;")
U32_OFFSET(rsh_27, "r1 >>= 27;")
U32_OFFSET(rsh_26, "r1 >>= 26;")
U64_OFFSET(rsh_u64_59, "r1 >>= 59;")
U64_OFFSET(rsh_u64_58, "r1 >>= 58;")
U64_OFFSET(arsh_u64_59, "r1 s>>= 59;")
U64_OFFSET(arsh_after_rsh, "r1 >>= 1; r1 s>>= 58;")
U32_OFFSET(or_into_range, "r1 &= 15; r1 |= 32;")
U32_OFFSET(or_out_of_range, "r1 &= 15; r1 |= 48;")
U32_OFFSET(xor_into_range, "r1 &= 15; r1 ^= 32;")
U32_OFFSET(xor_out_of_range, "r1 &= 31; r1 ^= 32;")
U32_OFFSET(neg_of_bounded, "r1 &= 15; r1 = -r1;")
U32_OFFSET(neg_twice, "r1 &= 15; r1 = -r1; r1 = -r1;")
U32_OFFSET(div_bounded, "r1 &= 255; r1 /= 8;")
U32_OFFSET(div_by_const_one, "r1 &= 31; r1 /= 1;")
U32_OFFSET(mod_48, "r1 %%= 48;")
U32_OFFSET(mod_after_and, "r1 &= 31; r1 %%= 100;")
U32_OFFSET(alu32_and, "w1 &= 15;")
U32_OFFSET(alu32_add_in_range, "w1 &= 7; w1 += 40;")
U32_OFFSET(alu32_add_over, "w1 &= 7; w1 += 41;")
U32_OFFSET(alu32_sub_wraps, "w1 &= 7; w1 -= 8;")
U64_OFFSET(alu32_mov_zero_extends, "w1 = w1; r1 >>= 27;")
U64_OFFSET(alu32_mov_keeps_low_bits, "w1 = w1;")
U32_OFFSET(alu32_mul_in_range, "w1 &= 3; w1 *= 15;")
U32_OFFSET(alu32_lsh_overflows, "w1 &= 15; w1 <<= 28; w1 >>= 28;")
U32_OFFSET(alu32_arsh, "w1 &= 0x7f; w1 s>>= 2;")
U32_OFFSET(alu32_neg, "w1 &= 7; w1 = -w1;")
U32_OFFSET(movsx8_small, "r1 &= 0x1f; r1 = (s8)r1;")
U32_OFFSET(movsx8_sign_bit, "r1 &= 0xff; r1 = (s8)r1;")
U32_OFFSET(movsx16_small, "r1 &= 0x1f; r1 = (s16)r1;")
U32_OFFSET(movsx32_64, "r1 &= 0x1f; r1 = (s32)r1;")
U32_OFFSET(be16_of_small, "r1 &= 15; r1 = be16 r1;")
U32_OFFSET(le16_of_small, "r1 &= 15; r1 = le16 r1;")
U32_OFFSET(le32_truncates, "r1 = le32 r1; r1 &= 31;")
U32_OFFSET(bswap16_of_small, "r1 &= 15; r1 = bswap16 r1;")
U32_OFFSET(and_then_add_reg_const, "r1 &= 15; r2 = 16; r1 += r2;")
U32_OFFSET(reg_and_reg_bounded, "r2 = 31; r1 &= r2;")
U32_OFFSET(reg_and_unknown, "r2 = r1; r1 &= r2;")
