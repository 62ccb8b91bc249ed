/* Dead branches: code the verifier proves no path reaches is not judged, whatever it holds;
 * each dead case has a live twin that the kernel refuses. The dead arm reads the unset r2. */
#include "corpus.h"

#define BAD "r0 = r2; exit;"

/* a constant compared with a constant */
ASM_CASE("socket", const_compare_dead, "r1 = 5; if r1 > 10 goto 1f; r0 = 0; exit; 1:" BAD)
ASM_CASE("socket", const_compare_live, "r1 = 15; if r1 > 10 goto 1f; r0 = 0; exit; 1:" BAD)
/* a masked value compared past its mask */
ASM_CASE("socket", masked_above_mask_dead, "r1 = *(u32 *)(r1 + 0); r1 &= 7; if r1 > 7 goto 1f; r0 = 0; exit; 1:" BAD)
ASM_CASE("socket", masked_above_mask_live, "r1 = *(u32 *)(r1 + 0); r1 &= 7; if r1 > 6 goto 1f; r0 = 0; exit; 1:" BAD)
/* a masked value is never negative */
ASM_CASE("socket", masked_negative_dead, "r1 = *(u32 *)(r1 + 0); r1 &= 7; if r1 s< 0 goto 1f; r0 = 0; exit; 1:" BAD)
/* a loaded u32 is never negative as a 64-bit value */
ASM_CASE("socket", u32_load_negative_dead, "r1 = *(u32 *)(r1 + 0); if r1 s< 0 goto 1f; r0 = 0; exit; 1:" BAD)
/* ...but may be as a 32-bit value */
ASM_CASE("socket", u32_load_negative32_live, "r1 = *(u32 *)(r1 + 0); if w1 s< 0 goto 1f; r0 = 0; exit; 1:" BAD)
/* JMP32 on a masked value */
ASM_CASE("socket", jmp32_masked_dead, "r1 = *(u32 *)(r1 + 0); w1 &= 15; if w1 > 15 goto 1f; r0 = 0; exit; 1:" BAD)
/* a narrow load's upper bits are zero */
ASM_CASE("socket", byte_load_above_255_dead, "r1 = *(u8 *)(r1 + 0); if r1 > 255 goto 1f; r0 = 0; exit; 1:" BAD)
ASM_CASE("socket", byte_load_above_254_live, "r1 = *(u8 *)(r1 + 0); if r1 > 254 goto 1f; r0 = 0; exit; 1:" BAD)
/* jset on bits the tnum knows are clear */
ASM_CASE("socket", jset_known_clear_dead, "r1 = *(u32 *)(r1 + 0); r1 &= 0xf0; if r1 & 0x0f goto 1f; r0 = 0; exit; 1:" BAD)
ASM_CASE("socket", jset_unknown_bit_live, "r1 = *(u32 *)(r1 + 0); r1 &= 0xf0; if r1 & 0x10 goto 1f; r0 = 0; exit; 1:" BAD)
/* equality with a value outside the range */
ASM_CASE("socket", jeq_outside_range_dead, "r1 = *(u8 *)(r1 + 0); if r1 == 256 goto 1f; r0 = 0; exit; 1:" BAD)
/* a null check of the frame pointer is still judged on both sides */
ASM_CASE("socket", fp_null_check_judged, "r1 = r10; if r1 == 0 goto 1f; r0 = 0; exit; 1:" BAD)
/* a null check of the context is still judged on both sides */
ASM_CASE("socket", ctx_null_check_judged, "if r1 == 0 goto 1f; r0 = 0; exit; 1:" BAD)
/* an array lookup with a constant key below max_entries is never null */
ASM_CASE("socket", array_const_key_null_dead, LOOKUP(array) "if r0 == 0 goto 1f; r0 = 0; exit; 1:" BAD)
/* with the key 3 stored from a register, the null branch is still judged */
ASM_CASE("socket", array_stored_key_null_judged, "r1 = 3; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[array] ll;"
	 "call %[bpf_map_lookup_elem]; if r0 == 0 goto 1f; r0 = 0; exit; 1:" BAD)
/* an array lookup with a key past max_entries may be null */
ASM_CASE("socket", array_key_past_end_null_live, "r1 = 4; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[array] ll;"
	 "call %[bpf_map_lookup_elem]; if r0 == 0 goto 1f; r0 = 0; exit; 1:" BAD)
/* a hash lookup may always be null */
ASM_CASE("socket", hash_lookup_null_live, LOOKUP(hash) "if r0 == 0 goto 1f; r0 = 0; exit; 1:" BAD)
/* two constants in registers */
ASM_CASE("socket", reg_reg_consts_dead, "r1 = 3; r3 = 4; if r1 > r3 goto 1f; r0 = 0; exit; 1:" BAD)
/* a branch on an unknown value is live */
ASM_CASE("socket", unknown_branch_live, "r1 = *(u32 *)(r1 + 0); if r1 == 3 goto 1f; r0 = 0; exit; 1:" BAD)
/* bounds from an earlier branch make a later one dead */
ASM_CASE("socket", earlier_bound_dead, "r1 = *(u32 *)(r1 + 0); if r1 > 10 goto 2f; if r1 > 20 goto 1f; 2: r0 = 0; exit; 1:" BAD)
ASM_CASE("socket", earlier_bound_live, "r1 = *(u32 *)(r1 + 0); if r1 > 30 goto 2f; if r1 > 20 goto 1f; 2: r0 = 0; exit; 1:" BAD)
/* the dead arm holds an unknown helper call */
ASM_CASE("socket", dead_unknown_helper, "r1 = 1; if r1 == 2 goto 1f; r0 = 0; exit; 1: call 999; exit;")
/* the dead arm holds an out-of-bounds stack access */
ASM_CASE("socket", dead_bad_stack_access, "r1 = 1; if r1 == 2 goto 1f; r0 = 0; exit; 1: r0 = *(u64 *)(r10 + 8); exit;")
ASM_CASE("socket", live_bad_stack_access, "r1 = 2; if r1 == 2 goto 1f; r0 = 0; exit; 1: r0 = *(u64 *)(r10 + 8); exit;")
