/* A 32-bit register copy (w3 = w2) links the two registers, as a 64-bit copy does, when the
 * source has no bits above the low 32: a bound learnt of one then holds for the other. When the
 * source may have higher bits the copy is a new, unlinked value. */
#include "corpus.h"

/* r6 = a checked array value (48 bytes) */
#define VALUE "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[array] ll; call %[bpf_map_lookup_elem];" \
	"if r0 == 0 goto 9f; r6 = r0;"
#define OUT "9: r0 = 0; exit;"

/* a helper's result is 64 bits wide, even bpf_get_prandom_u32's: w3 = w2 does not link */
ASM_CASE("socket", mov32_of_helper_result, VALUE "call %[bpf_get_prandom_u32]; r2 = r0; w3 = w2; if w2 > 40 goto 9f;"
	 "r6 += r3; r0 = *(u8 *)(r6 + 0); exit;" OUT)
/* a bound learnt of the copy of a 32-bit load holds for the source */
ASM_CASE("socket", mov32_bound_on_copy, VALUE "call %[bpf_ktime_get_ns]; *(u64 *)(r10 - 16) = r0; r2 = *(u32 *)(r10 - 16);"
	 "w3 = w2; if r3 > 40 goto 9f; r6 += r2; r0 = *(u8 *)(r6 + 0); exit;" OUT)
/* a source that may be wider than 32 bits: the copy is not linked */
ASM_CASE("socket", mov32_of_u64_not_linked, VALUE "call %[bpf_ktime_get_ns]; r2 = r0; w3 = w2; if r2 > 40 goto 9f;"
	 "r6 += r3; r0 = *(u8 *)(r6 + 0); exit;" OUT)
/* a 32-bit load from the stack of a spilled 64-bit value has no high bits */
ASM_CASE("socket", mov32_after_u32_fill, VALUE "call %[bpf_ktime_get_ns]; *(u64 *)(r10 - 16) = r0; r2 = *(u32 *)(r10 - 16);"
	 "w3 = w2; if w2 > 40 goto 9f; r6 += r3; r0 = *(u8 *)(r6 + 0); exit;" OUT)
/* the 64-bit copy links as always */
ASM_CASE("socket", mov64_links, VALUE "call %[bpf_ktime_get_ns]; r2 = r0; r3 = r2; if r2 > 40 goto 9f;"
	 "r6 += r3; r0 = *(u8 *)(r6 + 0); exit;" OUT)
