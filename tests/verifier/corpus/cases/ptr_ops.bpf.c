/* Operations on pointers the kernel refuses or allows, and the signed division forms: atomics
 * and immediate stores through the context and other pointers, 32-bit arithmetic, byte swaps,
 * negation and division of pointers, sdiv/smod by constants and by zero. */
#include "corpus.h"

/* an atomic add into the context */
ASM_CASE("tc", atomic_add_ctx, "r2 = 1; lock *(u32 *)(r1 + 8) += r2; r0 = 0; exit;")
/* an atomic add into the stack */
ASM_CASE("socket", atomic_add_stack, "r2 = 0; *(u64 *)(r10 - 8) = r2; r2 = 1; lock *(u64 *)(r10 - 8) += r2; r0 = *(u64 *)(r10 - 8); exit;")
/* an atomic add of a pointer into the stack */
ASM_CASE("socket", atomic_add_pointer_value, "r2 = 0; *(u64 *)(r10 - 8) = r2; lock *(u64 *)(r10 - 8) += r10; r0 = 0; exit;")
/* an atomic exchange into the packet */
ASM_CASE("tc", atomic_xchg_packet, "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); r4 = r2; r4 += 8; if r4 > r3 goto 1f;"
	 "r5 = 0; r5 = xchg_64(r2 + 0, r5); 1: r0 = 0; exit;")
/* a cmpxchg on the stack, comparing with r0 */
ASM_CASE("socket", cmpxchg_stack, "r2 = 5; *(u64 *)(r10 - 8) = r2; r0 = 5; r3 = 7; r0 = cmpxchg_64(r10 - 8, r0, r3); r0 = *(u64 *)(r10 - 8); exit;")
/* a cmpxchg with r0 never set */
ASM_CASE("socket", cmpxchg_r0_unset, "r2 = 5; *(u64 *)(r10 - 8) = r2; r3 = 7; r0 = cmpxchg_64(r10 - 8, r0, r3); r0 = 0; exit;")
/* an immediate store into the context */
ASM_CASE("tc", st_imm_ctx_mark, "*(u32 *)(r1 + 8) = 1; r0 = 0; exit;")
/* an immediate store into a read-only context field */
ASM_CASE("tc", st_imm_ctx_len, "*(u32 *)(r1 + 0) = 1; r0 = 0; exit;")
/* a register store into the context's mark */
ASM_CASE("tc", stx_ctx_mark, "r2 = 1; *(u32 *)(r1 + 8) = r2; r0 = 0; exit;")
/* an immediate store into a socket filter's context */
ASM_CASE("socket", st_imm_ctx_socket, "*(u32 *)(r1 + 8) = 1; r0 = 0; exit;")
/* 32-bit arithmetic on the context pointer */
ASM_CASE("socket", ptr_add32_ctx, "w1 += 4; r0 = 0; exit;")
/* 32-bit arithmetic on the stack pointer */
ASM_CASE("socket", ptr_add32_stack, "r1 = r10; w1 += -8; r0 = 0; exit;")
/* a 32-bit move of a pointer makes a scalar, usable as one */
ASM_CASE("socket", ptr_mov32_scalar, "w0 = w10; r0 &= 1; exit;")
/* a 32-bit move of a pointer then used as memory */
ASM_CASE("socket", ptr_mov32_deref, "w2 = w10; r0 = *(u64 *)(r2 - 8); exit;")
/* a byte swap of a pointer */
ASM_CASE("socket", bswap_pointer, "r2 = r10; r2 = be64 r2; r0 = 0; exit;")
/* a byte swap of a pointer, then read through */
ASM_CASE("socket", bswap_pointer_deref, "r2 = r10; r2 = le64 r2; r0 = *(u64 *)(r2 - 8); exit;")
/* negating a pointer */
ASM_CASE("socket", neg_pointer, "r2 = r10; r2 = -r2; r0 = 0; exit;")
/* a pointer divided */
ASM_CASE("socket", div_pointer, "r2 = r10; r2 /= 2; r0 = 0; exit;")
/* a pointer taken modulo */
ASM_CASE("socket", mod_pointer, "r2 = r10; r2 %%= 2; r0 = 0; exit;")
/* a pointer shifted */
ASM_CASE("socket", lsh_pointer, "r2 = r10; r2 <<= 1; r0 = 0; exit;")
/* a pointer multiplied */
ASM_CASE("socket", mul_pointer, "r2 = r10; r2 *= 1; r0 = 0; exit;")
/* a sign-extending move of a pointer */
ASM_CASE("socket", movsx_pointer, "r2 = (s32)r10; r0 = 0; exit;")
/* signed division of constants */
ASM_CASE("socket", sdiv_const, "r0 = -7; r0 s/= 2; exit;")
/* signed modulo of constants */
ASM_CASE("socket", smod_const, "r0 = -7; r0 s%%= 2; exit;")
/* 32-bit signed division */
ASM_CASE("socket", sdiv32_const, "w0 = -9; w0 s/= 4; exit;")
/* signed division by a zero immediate */
ASM_CASE("socket", sdiv_by_zero_imm, "r0 = 7; r0 s/= 0; exit;")
/* signed modulo by a zero register: the result is the dividend */
ASM_CASE("socket", smod_by_zero_reg, "r0 = 7; r1 = 0; r0 s%%= r1; exit;")
/* signed division by a zero register: the result is 0 */
ASM_CASE("socket", sdiv_by_zero_reg, "r0 = 7; r1 = 0; r0 s/= r1; exit;")
/* S64_MIN / -1 */
ASM_CASE("socket", sdiv_min_by_minus_one, "r0 = 0x8000000000000000 ll; r1 = -1; r0 s/= r1; r0 >>= 63; exit;")
/* the result of a signed division used as a map value offset: its range is not tracked */
ASM_CASE("socket", sdiv_result_as_offset, LOOKUP(array) "if r0 == 0 goto 1f; r1 = 40; r1 s/= 2; r0 += r1; r0 = *(u8 *)(r0 + 0); 1: r0 = 0; exit;")
/* a signed division with an offset field other than 0 or 1 */
ASM_CASE("socket", sdiv_bad_offset, "r0 = 7;" RAW(0x37, 0, 0, 2, 2) "exit;")
