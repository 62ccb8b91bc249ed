/* What the 32-bit ranges learn from the others and from sign extension: an unsigned bound
 * that cuts off the negative half of a signed 32-bit range, a signed 64-bit range around zero
 * that gives the low half the same range, movsx of a byte or half-word range that keeps or
 * loses its sign; and how register ranges print in a state line. A branch the ranges prove
 * dead reads r9, which is never written: "R9 !read_ok" when the branch is live. */
#include "corpus.h"

/* u32 <= 0x80000010 and s32 >= -8: only the non-negative half is left, so below 20 both ways */
ASM_CASE("socket", u32_cuts_negative_half,
	 "call %[bpf_get_prandom_u32]; if w0 > 0x80000010 goto 1f; if w0 s< -8 goto 1f;"
	 "if w0 s> 20 goto 1f; if w0 <= 20 goto 1f; r0 = r9; 1: r0 = 0; exit;")
/* without the unsigned bound the negative half stays */
ASM_CASE("socket", s32_keeps_negative_half,
	 "call %[bpf_get_prandom_u32]; if w0 s< -8 goto 1f;"
	 "if w0 s> 20 goto 1f; if w0 <= 20 goto 1f; r0 = r9; 1: r0 = 0; exit;")
/* u32 >= 0x7ffffff0 and s32 <= 40: only the negative half is left */
ASM_CASE("socket", u32_cuts_positive_half,
	 "call %[bpf_get_prandom_u32]; if w0 < 0x7ffffff0 goto 1f; if w0 s> 40 goto 1f;"
	 "if w0 s< 0 goto 1f; r0 = r9; 1: r0 = 0; exit;")
/* s64 in [-10, 10]: the low half is in [-10, 10] too */
ASM_CASE("socket", s64_around_zero_narrows_s32,
	 "call %[bpf_get_prandom_u32]; r0 <<= 32; r0 s>>= 32; if r0 s> 10 goto 1f; if r0 s< -10 goto 1f;"
	 "if w0 s> 10 goto 2f; if w0 s< -10 goto 2f; goto 1f; 2: r0 = r9; 1: r0 = 0; exit;")
/* ... but not narrower */
ASM_CASE("socket", s64_around_zero_edge_live,
	 "call %[bpf_get_prandom_u32]; r0 <<= 32; r0 s>>= 32; if r0 s> 10 goto 1f; if r0 s< -10 goto 1f;"
	 "if w0 s> 9 goto 2f; goto 1f; 2: r0 = r9; 1: r0 = 0; exit;")
/* w = (s8)w of a byte in [0x80, 0x8f]: all negative, [-128, -113] */
ASM_CASE("socket", movsx32_byte_all_negative,
	 "call %[bpf_get_prandom_u32]; r3 = r0; r3 &= 0xf; r3 |= 0x80; w7 = (s8)w3;"
	 "if w7 s> -113 goto 2f; if w7 s< -128 goto 2f; r0 = 0; exit; 2: r0 = r9; exit;")
/* a byte in [0x70, 0x8f] crosses the sign: anything in [-128, 127] */
ASM_CASE("socket", movsx32_byte_crosses_sign,
	 "call %[bpf_get_prandom_u32]; r3 = r0; r3 &= 0x1f; r3 += 0x70; w7 = (s8)w3;"
	 "if w7 s> -113 goto 2f; r0 = 0; exit; 2: r0 = r9; exit;")
/* r = (s16)r of [0, 0x7fff]: stays non-negative */
ASM_CASE("socket", movsx64_half_non_negative,
	 "call %[bpf_get_prandom_u32]; r3 = r0; r3 &= 0x7fff; r7 = (s16)r3;"
	 "if r7 s< 0 goto 2f; r0 = 0; exit; 2: r0 = r9; exit;")
/* r = (s16)r of [0, 0xffff]: may be negative */
ASM_CASE("socket", movsx64_half_may_be_negative,
	 "call %[bpf_get_prandom_u32]; r3 = r0; r3 &= 0xffff; r7 = (s16)r3;"
	 "if r7 s< 0 goto 2f; r0 = 0; exit; 2: r0 = r9; exit;")
/* r = (s32)r of a constant with the sign bit set */
ASM_CASE("socket", movsx64_word_constant,
	 "r3 = 0x80000001 ll; r7 = (s32)r3; if r7 s< 0 goto 1f; r0 = r9; 1: r0 = 0; exit;")
/* a loop that never changes its state, holding ranges that print in the grouped form (a
 * non-negative one, and a negative one whose 32-bit halves print in hex) */
ASM_CASE("socket", state_line_grouped_ranges,
	 "call %[bpf_get_prandom_u32]; r6 = r0; r6 &= 0x3ff0; r7 = r0; r7 &= 0x7ff0; r7 -= 0x5000;"
	 "r0 = 0; 1: goto 1b;")
