/* Registers: which may be read where. r1 holds the context at entry and r10 the frame pointer;
 * the others start uninitialised; a helper call clobbers r1-r5 and sets r0; subprograms see
 * their caller's r1-r5 as arguments, and fresh r6-r9. */
#include "corpus.h"

/* r0 is never set */
ASM_CASE("socket", r0_never_set, "exit;")
/* r0 set on one path only */
ASM_CASE("socket", r0_set_on_one_path, "r1 = *(u32 *)(r1 + 0); if r1 > 10 goto 1f; r0 = 0; 1: exit;")
/* r0 set on both paths */
ASM_CASE("socket", r0_set_on_both_paths, "r1 = *(u32 *)(r1 + 0); r0 = 1; if r1 > 10 goto 1f; r0 = 0; 1: exit;")
/* r1 is the context at entry */
ASM_CASE("socket", r1_read_at_entry, "r0 = r1; r0 = 0; exit;")
/* r2 is not set at entry */
ASM_CASE("socket", r2_read_at_entry, "r0 = r2; exit;")
/* r5 is not set at entry */
ASM_CASE("socket", r5_read_at_entry, "r0 = 0; r0 += r5; exit;")
/* r9 is not set at entry */
ASM_CASE("socket", r9_read_at_entry, "r0 = 0; if r9 > 0 goto 1f; 1: exit;")
/* r10 may be read */
ASM_CASE("socket", r10_read, "r1 = r10; r1 += -8; r0 = 0; exit;")
/* the source of a store must be set */
ASM_CASE("socket", store_uninit_source, "*(u64 *)(r10 - 8) = r3; r0 = 0; exit;")
/* the base of a load must be set */
ASM_CASE("socket", load_uninit_base, "r0 = *(u64 *)(r4 + 0); exit;")
/* a 32-bit move from an unset register */
ASM_CASE("socket", mov32_uninit_source, "w0 = w7; exit;")
/* an ALU op reads its destination */
ASM_CASE("socket", alu_reads_destination, "r0 = 0; r3 += 1; r0 = r3; exit;")
/* a mov does not read its destination */
ASM_CASE("socket", mov_does_not_read_destination, "r3 = 2; r0 = r3; exit;")
/* a helper call clobbers r1 */
ASM_CASE("socket", call_clobbers_r1, "call %[bpf_ktime_get_ns]; r0 = r1; exit;")
/* a helper call clobbers r5 */
ASM_CASE("socket", call_clobbers_r5, "r5 = 1; call %[bpf_ktime_get_ns]; r0 = r5; exit;")
/* a helper call keeps r6-r9 */
ASM_CASE("socket", call_keeps_r6_r9, "r6 = 1; r7 = 2; r8 = 3; r9 = 4; call %[bpf_ktime_get_ns];"
	 "r0 = r6; r0 += r7; r0 += r8; r0 += r9; exit;")
/* a helper's r0 is a scalar */
ASM_CASE("socket", call_sets_r0, "call %[bpf_ktime_get_ns]; r0 &= 0; r0 += 6; exit;")
/* a helper argument register must be set */
ASM_CASE("socket", helper_arg_uninit, "r1 = %[array] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* the ctx survives in r6 across a call */
ASM_CASE("socket", ctx_saved_in_r6, "r6 = r1; call %[bpf_ktime_get_ns]; r0 = *(u32 *)(r6 + 0); r0 = 8; exit;")

SUBPROG(returns_arg1)
{
	asm volatile ("r0 = r1; exit;" ::: __clobber_all);
}
SUBPROG(returns_arg2)
{
	asm volatile ("r0 = r2; exit;" ::: __clobber_all);
}
SUBPROG(returns_r6)
{
	asm volatile ("r0 = r6; exit;" ::: __clobber_all);
}
SUBPROG(returns_nothing)
{
	asm volatile ("exit;" ::: __clobber_all);
}
SUBPROG(sets_r6)
{
	asm volatile ("r6 = 100; r0 = 1; exit;" ::: __clobber_all);
}

/* a subprogram reads the argument its caller set */
ASM_CASE("socket", subprog_reads_set_arg, "r1 = 9; call returns_arg1; exit;")
/* a subprogram reads r2, which its caller never set */
ASM_CASE("socket", subprog_reads_unset_arg, "r1 = 9; call returns_arg2; exit;")
/* the caller's r2 is the subprogram's second argument */
ASM_CASE("socket", subprog_reads_second_arg, "r2 = 11; call returns_arg2; exit;")
/* a subprogram's r6 starts unset, whatever its caller's r6 */
ASM_CASE("socket", subprog_reads_own_r6, "r6 = 1; call returns_r6; exit;")
/* a subprogram that returns without setting r0 */
ASM_CASE("socket", subprog_returns_unset_r0, "call returns_nothing; r0 = 0; exit;")
/* a subprogram's writes to r6 do not reach its caller's r6 */
ASM_CASE("socket", caller_r6_survives_subprog, "r6 = 12; call sets_r6; r0 = r6; exit;")
/* a subprogram call clobbers the caller's r1 */
ASM_CASE("socket", subprog_clobbers_r1, "r1 = 3; call returns_arg1; r0 = r1; exit;")
/* the context passed on to a subprogram is still a context there */
SUBPROG(reads_ctx_len)
{
	asm volatile ("r0 = *(u32 *)(r1 + 0); exit;" ::: __clobber_all);
}
ASM_CASE("socket", subprog_gets_ctx, "call reads_ctx_len; r0 = 13; exit;")
