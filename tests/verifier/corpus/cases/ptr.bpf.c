/* Pointer arithmetic and comparisons, under the rules for a privileged loader (this kernel
 * has no unprivileged BPF to compare with): which operators a pointer allows, what mixing
 * pointers gives, and where pointers may go. */
#include "corpus.h"

/* pointer minus pointer of the same frame is a scalar */
ASM_CASE("socket", fp_minus_fp, "r1 = r10; r2 = r10; r2 += -8; r1 -= r2; r0 = r1; exit;")
/* pointer plus pointer */
ASM_CASE("socket", ptr_plus_ptr, "r2 = r10; r1 += r2; r0 = 0; exit;")
/* scalar minus pointer */
ASM_CASE("socket", scalar_minus_ptr, "r2 = 5; r2 -= r10; r0 = 0; exit;")
/* a pointer multiplied */
ASM_CASE("socket", ptr_mul, "r1 *= 2; r0 = 0; exit;")
/* a pointer masked */
ASM_CASE("socket", ptr_and, "r2 = r10; r2 &= -8; r0 = 0; exit;")
/* a pointer shifted */
ASM_CASE("socket", ptr_lsh, "r2 = r10; r2 <<= 1; r0 = 0; exit;")
/* a pointer negated */
ASM_CASE("socket", ptr_neg, "r2 = r10; r2 = -r2; r0 = 0; exit;")
/* 32-bit arithmetic on a pointer */
ASM_CASE("socket", ptr_add32, "r2 = r10; w2 += 8; r0 = 0; exit;")
/* a 32-bit move of a pointer makes a scalar */
ASM_CASE("socket", ptr_mov32, "w2 = w10; r2 = 0; r0 = r2; exit;")
/* a 32-bit move of a pointer, dereferenced */
ASM_CASE("socket", ptr_mov32_deref, "w2 = w10; r0 = *(u64 *)(r2 - 8); exit;")
/* a pointer ored with a scalar */
ASM_CASE("socket", ptr_or_scalar, "r2 = r10; r2 |= 1; r0 = 0; exit;")
/* a pointer compared with another type of pointer */
ASM_CASE("socket", ptr_compare_ptr, "r2 = r10; if r1 > r2 goto 1f; r0 = 0; exit; 1: r0 = 0; exit;")
/* a pointer compared with a scalar */
ASM_CASE("socket", ptr_compare_scalar, "if r1 == 5 goto 1f; r0 = 0; exit; 1: r0 = 0; exit;")
/* a pointer returned from a kprobe (not run: the value is an address) */
ASM_CASE("kprobe", ptr_returned, "r0 = r10; exit;")
/* the frame pointer stored on the stack and read back as a scalar word */
ASM_CASE("socket", ptr_spilled_read_narrow, "*(u64 *)(r10 - 8) = r10; r0 = *(u32 *)(r10 - 8); r0 = 0; exit;")
/* the frame pointer stored into a map value */
ASM_CASE("socket", fp_stored_into_map, LOOKUP(array) "if r0 == 0 goto 1f; *(u64 *)(r0 + 0) = r10; 1: r0 = 0; exit;")
/* the context stored into a map value */
ASM_CASE("socket", ctx_stored_into_map, "r6 = r1;" LOOKUP(array) "if r0 == 0 goto 1f; *(u64 *)(r0 + 0) = r6; 1: r0 = 0; exit;")
/* a huge constant added to the frame pointer */
ASM_CASE("socket", fp_plus_huge, "r2 = r10; r3 = 0x20000000 ll; r2 += r3; r0 = 0; exit;")
/* a constant below -512 added to the frame pointer, never used */
ASM_CASE("socket", fp_far_below_unused, "r2 = r10; r2 += -4096; r0 = 0; exit;")
/* a map value pointer minus a constant, then plus it back */
ASM_CASE("socket", map_value_minus_plus, LOOKUP(array) "if r0 == 0 goto 1f; r0 += -16; r0 += 16; r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* two map value pointers subtracted */
ASM_CASE("socket", map_value_minus_map_value, LOOKUP(array) "if r0 == 0 goto 1f; r1 = r0; r1 += 16; r1 -= r0; r0 = r1; exit; 1: r0 = 0; exit;")
/* a context pointer plus a constant, unused */
ASM_CASE("socket", ctx_plus_const_unused, "r1 += 4; r0 = 0; exit;")
/* a scalar dereferenced */
ASM_CASE("socket", scalar_deref, "r2 = 4096; r0 = *(u64 *)(r2 + 0); exit;")
/* the null pointer dereferenced */
ASM_CASE("socket", null_deref, "r2 = 0; r0 = *(u64 *)(r2 + 0); exit;")
/* a pointer subtracted from itself is zero */
ASM_CASE("socket", ptr_minus_itself, "r2 = r1; r2 -= r1; r0 = r2; exit;")
/* a map pointer compared with null */
ASM_CASE("socket", map_ptr_null_compare, "r1 = %[array] ll; if r1 == 0 goto 1f; r0 = 0; exit; 1: r0 = 1; exit;")
/* one load reached with the context on one path and the stack on the other */
ASM_CASE("socket", one_load_ctx_or_stack,
	 "r6 = r1; r3 = 0; *(u64 *)(r10 - 8) = r3; call %[bpf_get_prandom_u32]; r2 = r6; if r0 == 0 goto 1f;"
	 "r2 = r10; r2 += -8; 1: r0 = *(u32 *)(r2 + 0); r0 = 0; exit;")
/* one store reached with the context on one path and the stack on the other */
ASM_CASE("tc", one_store_ctx_or_stack,
	 "r6 = r1; *(u64 *)(r10 - 8) = r6; call %[bpf_get_prandom_u32]; r2 = r6; if r0 == 0 goto 1f;"
	 "r2 = r10; r2 += -56; 1: r3 = 0; *(u32 *)(r2 + 48) = r3; r0 = 0; exit;")
/* one load reached with the stack on one path and a map value on the other is fine */
ASM_CASE("socket", one_load_stack_or_map_value,
	 LOOKUP(array) "if r0 == 0 goto 2f; r6 = r0; r3 = 0; *(u64 *)(r10 - 16) = r3; call %[bpf_get_prandom_u32];"
	 "r2 = r6; if r0 == 0 goto 1f; r2 = r10; r2 += -16; 1: r0 = *(u32 *)(r2 + 0); 2: r0 = 0; exit;")
/* a store through an array map's pointer */
ASM_CASE("socket", store_through_array_map_ptr,
	 "r1 = %[array] ll; r2 = 0; *(u64 *)(r1 + 0) = r2; r0 = 0; exit;")
/* a read before a hash map's structure */
ASM_CASE("socket", read_before_hash_map_ptr,
	 "r1 = %[hash] ll; r0 = *(u64 *)(r1 - 8); r0 = 0; exit;")
