/* The stack through pointers: variable offsets (root may read and write within bounds),
 * pointers to the caller's stack passed to subprograms, and the frame pointer's copies. */
#include "corpus.h"

/* r1 = fp - 16 + (unknown & 7) */
#define VAR_FP "call %[bpf_get_prandom_u32]; r0 &= 7; r1 = r10; r1 += -16; r1 += r0;"

/* a variable-offset byte store inside the stack */
ASM_CASE("socket", var_store_bounded, VAR_FP "r2 = 1; *(u8 *)(r1 + 0) = r2; r0 = 0; exit;")
/* a variable-offset byte load of written bytes */
ASM_CASE("socket", var_load_initialised, "r2 = 0; *(u64 *)(r10 - 16) = r2; *(u64 *)(r10 - 8) = r2;" VAR_FP "r0 = *(u8 *)(r1 + 0); exit;")
/* a variable-offset load of never-written bytes */
ASM_CASE("socket", var_load_uninit, VAR_FP "r0 = *(u8 *)(r1 + 0); r0 = 0; exit;")
/* a variable-offset byte store that may reach fp+0 */
ASM_CASE("socket", var_store_past_top, VAR_FP "r2 = 1; *(u8 *)(r1 + 9) = r2; r0 = 0; exit;")
/* a variable-offset byte store that ends at fp-1 */
ASM_CASE("socket", var_store_up_to_top, VAR_FP "r2 = 1; *(u8 *)(r1 + 8) = r2; r0 = 0; exit;")
/* an unbounded variable-offset store */
ASM_CASE("socket", var_store_unbounded, "call %[bpf_get_prandom_u32]; r1 = r10; r1 += r0; r2 = 1; *(u8 *)(r1 - 8) = r2; r0 = 0; exit;")
/* a variable offset from a negative range */
ASM_CASE("socket", var_store_negative_range, "call %[bpf_get_prandom_u32]; r0 &= 15; r1 = r10; r1 -= r0; r2 = 1; *(u8 *)(r1 - 1) = r2; r0 = 0; exit;")
/* a variable-offset 8-byte store that may be misaligned */
ASM_CASE("socket", var_store_u64_maybe_misaligned, VAR_FP "r2 = 1; *(u64 *)(r1 - 8) = r2; r0 = 0; exit;")
/* a constant pointer below the stack */
ASM_CASE("socket", fp_copy_below_stack, "r1 = r10; r1 += -520; r2 = 0; *(u8 *)(r1 + 0) = r2; r0 = 0; exit;")
/* a copy of fp moved back into range by the access offset */
ASM_CASE("socket", fp_copy_offset_back_in_range, "r1 = r10; r1 += -520; r2 = 3; *(u8 *)(r1 + 16) = r2; r0 = *(u8 *)(r10 - 504); exit;")
/* a copy of fp above the frame */
ASM_CASE("socket", fp_copy_above_frame, "r1 = r10; r1 += 8; r0 = *(u64 *)(r1 - 8); exit;")

SUBPROG(write_through_r1)
{
	asm volatile ("r2 = 41; *(u64 *)(r1 + 0) = r2; r0 = 0; exit;" ::: __clobber_all);
}
SUBPROG(read_through_r1)
{
	asm volatile ("r0 = *(u64 *)(r1 + 0); exit;" ::: __clobber_all);
}
SUBPROG(returns_own_stack)
{
	asm volatile ("r0 = r10; r0 += -8; exit;" ::: __clobber_all);
}
SUBPROG(write_below_caller_slot)
{
	asm volatile ("r2 = 1; *(u64 *)(r1 - 512) = r2; r0 = 0; exit;" ::: __clobber_all);
}

/* a subprogram writes its caller's stack */
ASM_CASE("socket", subprog_writes_caller_stack, "r1 = r10; r1 += -8; call write_through_r1; r0 = *(u64 *)(r10 - 8); exit;")
/* a subprogram reads its caller's initialised stack */
ASM_CASE("socket", subprog_reads_caller_stack, "r1 = 42; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; call read_through_r1; exit;")
/* a subprogram writes past its caller's frame */
ASM_CASE("socket", subprog_writes_out_of_caller_frame, "r1 = r10; r1 += -8; call write_below_caller_slot; r0 = 0; exit;")
/* a subprogram returns a pointer to its own stack */
ASM_CASE("socket", subprog_returns_stack_pointer, "call returns_own_stack; r0 = 0; exit;")
/* a subprogram's returned stack pointer used */
ASM_CASE("socket", subprog_returned_stack_pointer_used, "call returns_own_stack; r0 = *(u64 *)(r0 + 0); exit;")
