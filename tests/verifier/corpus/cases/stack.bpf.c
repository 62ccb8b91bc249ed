/* The stack: offsets and alignment, uninitialised reads (which root may do), spills and fills
 * of scalars and pointers, partial overwrites, atomics. */
#include "corpus.h"

/* a store and a load at fp-8 */
ASM_CASE("socket", store_load_fp8, "r1 = 5; *(u64 *)(r10 - 8) = r1; r0 = *(u64 *)(r10 - 8); exit;")
/* a store at fp+0 is outside the stack */
ASM_CASE("socket", store_at_fp0, "r1 = 5; *(u64 *)(r10 + 0) = r1; r0 = 0; exit;")
/* a store straddling the top of the stack */
ASM_CASE("socket", store_straddles_top, "r1 = 5; *(u64 *)(r10 - 4) = r1; r0 = 0; exit;")
/* a load below the stack */
ASM_CASE("socket", load_below_stack, "r0 = *(u8 *)(r10 - 513); exit;")
/* a misaligned 8-byte store */
ASM_CASE("socket", misaligned_store, "r1 = 5; *(u64 *)(r10 - 12) = r1; r0 = 0; exit;")
/* a 4-byte store at a 4-byte boundary */
ASM_CASE("socket", aligned_u32_store, "r1 = 6; *(u32 *)(r10 - 12) = r1; r0 = *(u32 *)(r10 - 12); exit;")
/* a misaligned 2-byte load */
ASM_CASE("socket", misaligned_u16_load, "r1 = 0; *(u64 *)(r10 - 8) = r1; r0 = *(u16 *)(r10 - 7); exit;")
/* an immediate store */
ASM_CASE("socket", store_imm, "*(u32 *)(r10 - 4) = 7; r0 = *(u32 *)(r10 - 4); exit;")
/* reading a never-written slot (root may; the value is dropped) */
ASM_CASE("socket", uninit_read_dropped, "r0 = *(u64 *)(r10 - 16); r0 = 0; exit;")
/* reading past the written bytes of a slot */
ASM_CASE("socket", partly_written_read, "r1 = 1; *(u32 *)(r10 - 8) = r1; r0 = *(u64 *)(r10 - 8); r0 = 0; exit;")
/* an uninitialised slot as a pointer */
ASM_CASE("socket", uninit_slot_as_pointer, "r1 = *(u64 *)(r10 - 8); r0 = *(u64 *)(r1 + 0); exit;")
/* a spilled context is a context again when filled */
ASM_CASE("socket", spill_fill_ctx, "*(u64 *)(r10 - 8) = r1; r2 = *(u64 *)(r10 - 8); r0 = *(u32 *)(r2 + 0); r0 = 1; exit;")
/* a spilled pointer filled by a 4-byte load is a scalar */
ASM_CASE("socket", spill_ctx_fill_u32, "*(u64 *)(r10 - 8) = r1; r2 = *(u32 *)(r10 - 8); r0 = *(u32 *)(r2 + 0); exit;")
/* one byte written over a spilled pointer spoils it */
ASM_CASE("socket", spill_ctx_byte_overwritten, "*(u64 *)(r10 - 8) = r1; r3 = 0; *(u8 *)(r10 - 6) = r3; r2 = *(u64 *)(r10 - 8);"
	 "r0 = *(u32 *)(r2 + 0); exit;")
/* a spilled map value pointer keeps its null check */
ASM_CASE("socket", spill_map_value_after_check, LOOKUP(hash) "if r0 == 0 goto 1f; *(u64 *)(r10 - 16) = r0; r1 = *(u64 *)(r10 - 16);"
	 "r0 = *(u64 *)(r1 + 0); exit; 1: r0 = 0; exit;")
/* a map value pointer spilled before its null check is checked through a copy */
ASM_CASE("socket", spill_map_value_before_check, LOOKUP(hash) "*(u64 *)(r10 - 16) = r0; if r0 == 0 goto 1f;"
	 "r1 = *(u64 *)(r10 - 16); r0 = *(u64 *)(r1 + 0); exit; 1: r0 = 0; exit;")
/* a spilled map value-or-null filled and used unchecked */
ASM_CASE("socket", spill_map_value_unchecked, LOOKUP(hash) "*(u64 *)(r10 - 16) = r0; r1 = *(u64 *)(r10 - 16);"
	 "r0 = *(u64 *)(r1 + 0); exit;")
/* a spilled constant keeps its value */
ASM_CASE("socket", spill_const_keeps_value, LOOKUP(array) "if r0 == 0 goto 1f; r1 = 40; *(u64 *)(r10 - 16) = r1;"
	 "r2 = *(u64 *)(r10 - 16); r0 += r2; r0 = *(u8 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* a spilled constant filled as 4 bytes */
ASM_CASE("socket", spill_const_fill_u32, LOOKUP(array) "if r0 == 0 goto 1f; r1 = 40; *(u64 *)(r10 - 16) = r1;"
	 "r2 = *(u32 *)(r10 - 16); r0 += r2; r0 = *(u8 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* a constant spilled as 4 bytes keeps its value */
ASM_CASE("socket", spill32_const_keeps_value, LOOKUP(array) "if r0 == 0 goto 1f; r1 = 40; *(u32 *)(r10 - 16) = r1;"
	 "r2 = *(u32 *)(r10 - 16); r0 += r2; r0 = *(u8 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* a constant stored byte by byte is not a constant when read as a word */
ASM_CASE("socket", bytes_are_not_a_constant, LOOKUP(array) "if r0 == 0 goto 1f; *(u64 *)(r10 - 16) = 0; *(u8 *)(r10 - 16) = 40;"
	 "r2 = *(u64 *)(r10 - 16); r0 += r2; r0 = *(u8 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* zeroed stack reads back as zero */
ASM_CASE("socket", zeroed_slot_is_zero, LOOKUP(array) "if r0 == 0 goto 1f; r1 = 0; *(u64 *)(r10 - 16) = r1;"
	 "r2 = *(u64 *)(r10 - 16); r0 += r2; r0 = *(u8 *)(r0 + 47); exit; 1: r0 = 0; exit;")
/* an atomic add on an initialised slot */
ASM_CASE("socket", atomic_add_stack, "r1 = 5; *(u64 *)(r10 - 8) = r1; r2 = 3; lock *(u64 *)(r10 - 8) += r2; r0 = *(u64 *)(r10 - 8); exit;")
/* atomic fetch-add returns the old value */
ASM_CASE("socket", atomic_fetch_add_stack, "r1 = 5; *(u64 *)(r10 - 8) = r1; r2 = 3; r2 = atomic_fetch_add((u64 *)(r10 - 8), r2); r0 = r2; exit;")
/* atomic compare-and-exchange uses r0 */
ASM_CASE("socket", cmpxchg_stack, "r1 = 5; *(u64 *)(r10 - 8) = r1; r0 = 5; r2 = 9; r0 = cmpxchg_64(r10 - 8, r0, r2); r0 = *(u64 *)(r10 - 8); exit;")
/* compare-and-exchange reads an unset r0 */
ASM_CASE("socket", cmpxchg_uninit_r0, "r1 = 5; *(u64 *)(r10 - 8) = r1; r2 = 9; r0 = cmpxchg_64(r10 - 8, r0, r2); r0 = 0; exit;")
/* atomic exchange */
ASM_CASE("socket", xchg_stack, "r1 = 5; *(u64 *)(r10 - 8) = r1; r2 = 9; r2 = xchg_64(r10 - 8, r2); r0 = r2; exit;")
/* an atomic add on a never-written slot */
ASM_CASE("socket", atomic_add_uninit_stack, "r2 = 3; lock *(u64 *)(r10 - 8) += r2; r0 = 0; exit;")
/* an atomic add on a spilled pointer */
ASM_CASE("socket", atomic_add_spilled_pointer, "*(u64 *)(r10 - 8) = r1; r2 = 3; lock *(u64 *)(r10 - 8) += r2; r0 = 0; exit;")
/* an atomic add on the context */
ASM_CASE("socket", atomic_add_ctx, "r2 = 3; lock *(u32 *)(r1 + 0) += r2; r0 = 0; exit;")
/* a 32-bit atomic and */
ASM_CASE("socket", atomic_and32_stack, "r1 = 7; *(u32 *)(r10 - 4) = r1; w2 = 5; lock *(u32 *)(r10 - 4) &= w2; r0 = *(u32 *)(r10 - 4); exit;")
