/* Offsets into a 48-byte map value for the alu* and jmp* families: each macro makes a case
 * that computes an offset from an unknown value, then reads one byte of array[0] there. The
 * kernel accepts exactly when the bounds it derived keep the read inside [0, 48). */
#ifndef OFFSETS_H
#define OFFSETS_H
#include "corpus.h"

/* r1 = an unknown u32 (bpf_get_prandom_u32 truncated by a 32-bit move); <ops or checks>; read array[0] + r1 */
#define U32_OFFSET(name, ops)                                                                     \
	ASM_CASE("socket", name,                                                                  \
		 LOOKUP(array) "if r0 == 0 goto 1f; r6 = r0; call %[bpf_get_prandom_u32]; w1 = w0;" \
		 ops "r6 += r1; r0 = *(u8 *)(r6 + 0); exit; 1: r0 = 0; exit;")

/* r1 = an unknown u64 (the map value's first word); <ops or checks>; read array[0] + r1 */
#define U64_OFFSET(name, ops)                                                                     \
	ASM_CASE("socket", name,                                                                  \
		 LOOKUP(array) "if r0 == 0 goto 1f; r6 = r0; r1 = *(u64 *)(r6 + 0);"              \
		 ops "r6 += r1; r0 = *(u8 *)(r6 + 0); exit; 1: r0 = 0; exit;")

#endif
