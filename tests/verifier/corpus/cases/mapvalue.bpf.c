/* Map values: the null check after a lookup (and the ids that carry it to copies), constant
 * and variable offsets against value_size, and the map pointer itself. */
#include "corpus.h"

#define CHECKED(body) LOOKUP(array) "if r0 == 0 goto 1f;" body "1: r0 = 0; exit;"

/* a hash lookup used without a null check */
ASM_CASE("socket", hash_value_unchecked, LOOKUP(hash) "r0 = *(u64 *)(r0 + 0); exit;")
/* a hash lookup used after a null check */
ASM_CASE("socket", hash_value_checked, LOOKUP(hash) "if r0 == 0 goto 1f; r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* the null check on a copy covers the original */
ASM_CASE("socket", null_check_on_copy, LOOKUP(hash) "r6 = r0; if r6 == 0 goto 1f; r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* a copy made after pointer arithmetic is a different pointer */
ASM_CASE("socket", null_check_on_offset_copy, LOOKUP(hash) "r6 = r0; r6 += 0; if r6 == 0 goto 1f; r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* a non-null check the wrong way round */
ASM_CASE("socket", null_check_inverted, LOOKUP(hash) "if r0 != 0 goto 1f; r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* a JMP32 null check */
ASM_CASE("socket", null_check_jmp32, LOOKUP(hash) "if w0 == 0 goto 1f; r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* arithmetic on a value that may be null */
ASM_CASE("socket", arith_on_or_null, LOOKUP(hash) "r0 += 8; if r0 == 0 goto 1f; r0 = 0; exit; 1: r0 = 0; exit;")
/* two lookups: checking one does not check the other */
ASM_CASE("socket", two_lookups_one_check, LOOKUP(hash) "r6 = r0;" LOOKUP(hash) "if r0 == 0 goto 1f; r0 = *(u64 *)(r6 + 0); exit; 1: r0 = 0; exit;")
/* the last byte of the value */
ASM_CASE("socket", read_last_byte, CHECKED("r0 = *(u8 *)(r0 + 47); exit;"))
/* one byte past the value */
ASM_CASE("socket", read_past_end, CHECKED("r0 = *(u8 *)(r0 + 48); exit;"))
/* a word straddling the end of the value */
ASM_CASE("socket", read_straddles_end, CHECKED("r0 = *(u64 *)(r0 + 44); exit;"))
/* a negative offset */
ASM_CASE("socket", read_negative_offset, CHECKED("r0 = *(u8 *)(r0 - 1); exit;"))
/* a write at the end of the value */
ASM_CASE("socket", write_last_word, CHECKED("r1 = 2; *(u64 *)(r0 + 40) = r1; r0 = 0; exit;"))
/* a write past the end */
ASM_CASE("socket", write_past_end, CHECKED("r1 = 2; *(u64 *)(r0 + 48) = r1; r0 = 0; exit;"))
/* a misaligned word read (root is not held to alignment) */
ASM_CASE("socket", read_misaligned_word, CHECKED("r0 = *(u64 *)(r0 + 3); r0 = 0; exit;"))
/* a constant offset added to the pointer, then read */
ASM_CASE("socket", pointer_plus_const, CHECKED("r0 += 40; r0 = *(u64 *)(r0 + 0); exit;"))
/* a constant offset added to the pointer, past the end */
ASM_CASE("socket", pointer_plus_const_past_end, CHECKED("r0 += 41; r0 = *(u64 *)(r0 + 0); exit;"))
/* pointer arithmetic back into range */
ASM_CASE("socket", pointer_out_and_back, CHECKED("r0 += 64; r0 += -24; r0 = *(u64 *)(r0 + 0); exit;"))
/* a huge constant added to the pointer */
ASM_CASE("socket", pointer_plus_huge_const, CHECKED("r1 = 0x20000000 ll; r0 += r1; r0 = *(u8 *)(r0 + 0); exit;"))
/* a value written and read back */
ASM_CASE("socket", write_then_read, CHECKED("r1 = 77; *(u64 *)(r0 + 8) = r1; r0 = *(u64 *)(r0 + 8); exit;"))
/* a pointer stored into a map value (root may) */
ASM_CASE("socket", store_pointer_into_value, CHECKED("*(u64 *)(r0 + 0) = r0; r0 = 0; exit;"))
/* an atomic add on a map value */
ASM_CASE("socket", atomic_add_value, CHECKED("r1 = 1; lock *(u64 *)(r0 + 0) += r1; r0 = 0; exit;"))
/* an atomic add past the end of a map value */
ASM_CASE("socket", atomic_add_past_end, CHECKED("r1 = 1; lock *(u64 *)(r0 + 48) += r1; r0 = 0; exit;"))
/* reading through the map pointer itself */
ASM_CASE("socket", read_map_pointer, "r1 = %[array] ll; r0 = *(u32 *)(r1 + 0); exit;")
/* writing through the map pointer */
ASM_CASE("socket", write_map_pointer, "r1 = %[array] ll; r2 = 0; *(u32 *)(r1 + 0) = r2; r0 = 0; exit;")
/* arithmetic on the map pointer */
ASM_CASE("socket", map_pointer_arith, "r1 = %[array] ll; r1 += 8; r0 = 0; exit;")
/* a lookup in a hash map, then an update through the pointer */
ASM_CASE("socket", hash_update_and_lookup, "r1 = 0; *(u32 *)(r10 - 4) = r1; r1 = 5; *(u64 *)(r10 - 16) = r1; r1 = %[hash] ll;"
	 "r2 = r10; r2 += -4; r3 = r10; r3 += -16; r4 = 0; call %[bpf_map_update_elem];" LOOKUP(hash)
	 "if r0 == 0 goto 1f; r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 99; exit;")
/* an atomic add into a map value at an offset its size does not divide */
ASM_CASE("socket", atomic_add_misaligned,
	 LOOKUP(array) "if r0 == 0 goto 1f; r1 = 1; lock *(u32 *)(r0 + 6) += r1; 1: r0 = 0; exit;")
/* a plain store there is fine: only atomics must be aligned */
ASM_CASE("socket", store_misaligned_plain,
	 LOOKUP(array) "if r0 == 0 goto 1f; r1 = 1; *(u32 *)(r0 + 6) = r1; 1: r0 = 0; exit;")
/* a 64-bit atomic at an offset of 4 */
ASM_CASE("socket", atomic_add64_at_4,
	 LOOKUP(array) "if r0 == 0 goto 1f; r1 = 1; lock *(u64 *)(r0 + 4) += r1; 1: r0 = 0; exit;")
/* a 32-bit atomic at an offset of 4 */
ASM_CASE("socket", atomic_add32_at_4,
	 LOOKUP(array) "if r0 == 0 goto 1f; r1 = 1; lock *(u32 *)(r0 + 4) += r1; 1: r0 = 0; exit;")
