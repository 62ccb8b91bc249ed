/* ALU32 and conversions: bounds through 32-bit arithmetic (which zero-extends), sign
 * extension (movsx) and byte swaps (offsets.h says how each case reads a map value at the
 * offset it computes). */
#include "offsets.h"

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
