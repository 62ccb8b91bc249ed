/* Structure: control flow the kernel checks before it interprets anything (check_cfg,
 * check_subprogs): jumps out of range or into an lddw, unreachable code, the last instruction,
 * subprogram calls, call depth, combined stack depth, callx, reserved fields. */
#include "corpus.h"

/* the smallest program */
SEC("socket") __naked int exit_zero(void)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}

/* the program falls off its end: its last instruction is not exit or ja */
SEC("socket") __naked int falls_off_end(void)
{
	asm volatile ("r0 = 0;" ::: __clobber_all);
}

/* a conditional jump as the last instruction still falls off when not taken */
SEC("socket") __naked int last_insn_cond_jump(void)
{
	asm volatile ("r0 = 0; exit; if r0 == 0 goto -2;" ::: __clobber_all);
}

/* a ja back to the exit as the last instruction is allowed */
SEC("socket") __naked int last_insn_ja(void)
{
	asm volatile ("r0 = 3; goto +1; exit; goto -2;" ::: __clobber_all);
}

/* a forward jump past the end */
SEC("socket") __naked int jump_past_end(void)
{
	asm volatile ("r0 = 0; if r0 == 0 goto +5; exit;" ::: __clobber_all);
}

/* a backward jump before the first instruction */
SEC("socket") __naked int jump_before_start(void)
{
	asm volatile ("r0 = 0; goto -3; exit;" ::: __clobber_all);
}

/* a jump to the last instruction is in range */
SEC("socket") __naked int jump_to_last(void)
{
	asm volatile ("r0 = 7; if r0 == 7 goto +1; r0 = 1; exit;" ::: __clobber_all);
}

/* a jump into the second half of an lddw */
SEC("socket") __naked int jump_into_lddw(void)
{
	asm volatile ("r0 = 0; if r0 == 0 goto +1; r1 = 0x100000000 ll; exit;" ::: __clobber_all);
}

/* a jump over a whole lddw */
SEC("socket") __naked int jump_over_lddw(void)
{
	asm volatile ("r0 = 2; if r0 == 2 goto +2; r0 = 0x100000000 ll; exit;" ::: __clobber_all);
}

/* code after the exit that nothing jumps to */
SEC("socket") __naked int unreachable_tail(void)
{
	asm volatile ("r0 = 0; exit; r0 = 1; exit;" ::: __clobber_all);
}

/* code skipped by an unconditional jump */
SEC("socket") __naked int unreachable_after_ja(void)
{
	asm volatile ("r0 = 0; goto +1; r0 = 1; exit;" ::: __clobber_all);
}

/* a jump to itself */
SEC("socket") __naked int self_loop(void)
{
	asm volatile ("r0 = 0; goto -1;" ::: __clobber_all);
}

SUBPROG(ret_five)
{
	asm volatile ("r0 = 5; exit;" ::: __clobber_all);
}

/* a call to a static subprogram */
SEC("socket") __naked int call_subprog(void)
{
	asm volatile ("call ret_five; exit;" ::: __clobber_all);
}

SUBPROG(jumps_out)
{
	asm volatile ("r0 = 1; goto -3; exit;" ::: __clobber_all);
}

/* a jump from a subprogram into its caller */
SEC("socket") __naked int jump_between_functions(void)
{
	asm volatile ("r0 = 0; call jumps_out; exit;" ::: __clobber_all);
}

/* callx: indirect calls are refused */
SEC("socket") __naked int callx_reg(void)
{
	asm volatile ("r1 = 0; callx r1; r0 = 0; exit;" ::: __clobber_all);
}

/* subprograms calling each other: depthN is frame N + 1 when main calls depth1 */
SUBPROG(depth9) { asm volatile ("r0 = 9; exit;" ::: __clobber_all); }
SUBPROG(depth8) { asm volatile ("call depth9; exit;" ::: __clobber_all); }
SUBPROG(depth7) { asm volatile ("call depth8; exit;" ::: __clobber_all); }
SUBPROG(depth6) { asm volatile ("call depth7; exit;" ::: __clobber_all); }
SUBPROG(depth5) { asm volatile ("call depth6; exit;" ::: __clobber_all); }
SUBPROG(depth4) { asm volatile ("call depth5; exit;" ::: __clobber_all); }
SUBPROG(depth3) { asm volatile ("call depth4; exit;" ::: __clobber_all); }
SUBPROG(depth2) { asm volatile ("call depth3; exit;" ::: __clobber_all); }
SUBPROG(depth1) { asm volatile ("call depth2; exit;" ::: __clobber_all); }

/* main + 8 nested calls: 9 frames, one too many */
SEC("socket") __naked int frames_nine(void)
{
	asm volatile ("call depth2; exit;" ::: __clobber_all);
}

/* main + 7 nested calls: 8 frames, the most allowed */
SEC("socket") __naked int frames_eight(void)
{
	asm volatile ("call depth3; exit;" ::: __clobber_all);
}

SUBPROG(stack_304)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 304) = r1; r0 = 0; exit;" ::: __clobber_all);
}

/* 256 + 304 bytes of stack along one call chain */
SEC("socket") __naked int combined_stack_too_large(void)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 256) = r1; call stack_304; exit;" ::: __clobber_all);
}

/* 200 + 304 bytes of stack: 504 fits in 512 */
SEC("socket") __naked int combined_stack_fits(void)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 200) = r1; call stack_304; exit;" ::: __clobber_all);
}

/* one frame over 512 bytes */
SEC("socket") __naked int stack_offset_too_low(void)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 520) = r1; r0 = 0; exit;" ::: __clobber_all);
}

/* the lowest stack slot */
SEC("socket") __naked int stack_lowest_slot(void)
{
	asm volatile ("r1 = 4; *(u64 *)(r10 - 512) = r1; r0 = *(u64 *)(r10 - 512); exit;" ::: __clobber_all);
}

/* a subprogram nothing calls is not loaded, whatever it holds */
SUBPROG(never_called_reads_r2)
{
	asm volatile ("r0 = r2; exit;" ::: __clobber_all);
}
SEC("socket") __naked int unused_subprog_ignored(void)
{
	asm volatile ("r0 = 6; exit;" ::: __clobber_all);
}

/* a subprogram that calls itself */
SUBPROG(calls_itself)
{
	asm volatile ("call calls_itself; exit;" ::: __clobber_all);
}
SEC("socket") __naked int recursion(void)
{
	asm volatile ("call calls_itself; exit;" ::: __clobber_all);
}

/* two subprograms calling each other */
SUBPROG(ping);
SUBPROG(pong)
{
	asm volatile ("call ping; exit;" ::: __clobber_all);
}
SUBPROG(ping)
{
	asm volatile ("r0 = 1; call pong; exit;" ::: __clobber_all);
}
SEC("socket") __naked int mutual_recursion(void)
{
	asm volatile ("call ping; exit;" ::: __clobber_all);
}

/* a subprogram called twice from different places */
SEC("socket") __naked int subprog_called_twice(void)
{
	asm volatile ("call ret_five; r6 = r0; call ret_five; r0 += r6; exit;" ::: __clobber_all);
}

/* callx through a function pointer */
SEC("socket") __naked int callx_function_pointer(void)
{
	asm volatile ("r1 = ret_five ll; callx r1; exit;" ::: __clobber_all);
}

/* a function pointer loaded but never called */
SEC("socket") __naked int function_pointer_unused(void)
{
	asm volatile ("r1 = ret_five ll; r0 = 0; exit;" ::: __clobber_all);
}

/* a function pointer dereferenced */
SEC("socket") __naked int function_pointer_deref(void)
{
	asm volatile ("r1 = ret_five ll; r0 = *(u64 *)(r1 + 0); exit;" ::: __clobber_all);
}

/* a subprogram's own stack stays within 512 bytes alone */
SUBPROG(stack_512)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 512) = r1; r0 = 0; exit;" ::: __clobber_all);
}
SEC("socket") __naked int subprog_full_frame(void)
{
	asm volatile ("call stack_512; exit;" ::: __clobber_all);
}

/* the main frame's 8 bytes and a subprogram's 512 */
SEC("socket") __naked int main_and_full_subprog_frame(void)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 8) = r1; call stack_512; exit;" ::: __clobber_all);
}

/* a subprogram in a dead branch is not walked, but still loaded */
SEC("socket") __naked int subprog_call_in_dead_branch(void)
{
	asm volatile ("r0 = 0; if r0 == 0 goto 1f; call never_called_reads_r2; 1: exit;" ::: __clobber_all);
}
