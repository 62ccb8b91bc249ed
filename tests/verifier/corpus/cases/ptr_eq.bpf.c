/* Null checks and pointer equality: a maybe-NULL pointer is checked against the immediate 0
 * (every copy sharing its id learns the result); a pointer found equal to one known not to be
 * NULL is not NULL either on that side of the jump, but only that register learns it; a
 * register that happens to hold 0 is no null check. */
#include "corpus.h"

/* r6 = hash lookup of key 0, checked; r7 = another lookup, unchecked */
#define TWO_LOOKUPS                                                                               \
	"r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash] ll; call %[bpf_map_lookup_elem];" \
	"if r0 == 0 goto 9f; r6 = r0;"                                                            \
	"r2 = r10; r2 += -4; r1 = %[hash] ll; call %[bpf_map_lookup_elem]; r7 = r0;"
#define OUT "9: r0 = 0; exit;"

/* equal to a checked pointer: the unchecked one may be read on the equal side (jeq) */
ASM_CASE("socket", jeq_infers_not_null, TWO_LOOKUPS "if r6 == r7 goto 1f; r0 = 0; exit; 1: r0 = *(u64 *)(r7 + 0); exit;" OUT)
/* the same with jne: the fall-through side is the equal one */
ASM_CASE("socket", jne_infers_not_null, TWO_LOOKUPS "if r7 != r6 goto 9f; r0 = *(u64 *)(r7 + 0); exit;" OUT)
/* the unequal side learns nothing */
ASM_CASE("socket", jne_unequal_side_still_maybe_null, TWO_LOOKUPS "if r7 == r6 goto 9f; r0 = *(u64 *)(r7 + 0); exit;" OUT)
/* a copy made before the comparison still needs its own check */
ASM_CASE("socket", jeq_copy_not_inferred, TWO_LOOKUPS "r8 = r7; if r6 == r7 goto 1f; r0 = 0; exit; 1: r0 = *(u64 *)(r8 + 0); exit;" OUT)
/* a 32-bit comparison proves nothing about pointers */
ASM_CASE("socket", jeq32_not_inferred, TWO_LOOKUPS "if w6 == w7 goto 1f; r0 = 0; exit; 1: r0 = *(u64 *)(r7 + 0); exit;" OUT)
/* comparing with a register holding 0 is not a null check */
ASM_CASE("socket", compare_with_zero_register, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash] ll;"
	 "call %[bpf_map_lookup_elem]; r1 = 0; if r0 == r1 goto 9f; r0 = *(u64 *)(r0 + 0); exit;" OUT)
/* the immediate 0 is */
ASM_CASE("socket", compare_with_zero_immediate, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash] ll;"
	 "call %[bpf_map_lookup_elem]; if r0 == 0 goto 9f; r0 = *(u64 *)(r0 + 0); exit;" OUT)
/* a null check of a copy covers the original, which shares its id */
ASM_CASE("socket", null_check_of_copy_covers_original, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4;"
	 "r1 = %[hash] ll; call %[bpf_map_lookup_elem]; r6 = r0; if r6 == 0 goto 9f; r0 = *(u64 *)(r0 + 0); exit;" OUT)
/* two maybe-NULL pointers compared: neither is known */
ASM_CASE("socket", both_maybe_null, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash] ll;"
	 "call %[bpf_map_lookup_elem]; r6 = r0; r2 = r10; r2 += -4; r1 = %[hash] ll; call %[bpf_map_lookup_elem];"
	 "if r6 != r0 goto 9f; r0 = *(u64 *)(r0 + 0); exit;" OUT)
