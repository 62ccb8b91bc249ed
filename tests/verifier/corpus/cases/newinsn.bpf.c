/* The newer instructions: may_goto (0xe5, a loop exit the kernel counts), load-acquire and
 * store-release (atomic instructions with imm 0x100 and 0x110, written raw: clang-19 cannot
 * spell them). */
#include "corpus.h"

/* a loop whose only exit is may_goto is accepted */
ASM_CASE("kprobe", may_goto_only_exit, "r0 = 0; 1: may_goto 2f; r0 += 1; goto 1b; 2: r0 = 0; exit;")
/* a loop bounded both ways runs to its counter */
ASM_CASE("socket", may_goto_and_counter, "r0 = 0; 1: may_goto 2f; r0 += 1; if r0 < 6 goto 1b; 2: exit;")
/* may_goto +0 is a no-op */
ASM_CASE("socket", may_goto_zero_offset, "r0 = 4; may_goto +0; exit;")
/* may_goto straight line, both sides reach the exit */
ASM_CASE("socket", may_goto_straight, "r0 = 1; may_goto +1; r0 = 2; exit;")
/* may_goto in dead code */
ASM_CASE("socket", may_goto_dead, "r0 = 0; if r0 == 0 goto 1f; may_goto +0; 1: exit;")
/* may_goto out of range */
ASM_CASE("socket", may_goto_out_of_range, "r0 = 0; may_goto +3; exit;")
/* may_goto with a non-zero imm */
ASM_CASE("socket", may_goto_reserved_imm, "r0 = 0;" RAW(0xe5, 0, 0, 0, 1) "exit;")
/* may_goto with a non-zero register field */
ASM_CASE("socket", may_goto_reserved_reg, "r0 = 0;" RAW(0xe5, 1, 0, 0, 0) "exit;")
/* the JMP32 class has no may_goto */
ASM_CASE("socket", may_goto_jmp32_class, "r0 = 0;" RAW(0xe6, 0, 0, 0, 0) "exit;")
/* may_goto in a subprogram */
SUBPROG(loops_with_may_goto)
{
	asm volatile ("r0 = 0; 1: may_goto 2f; r0 += 2; if r0 < 10 goto 1b; 2: exit;" ::: __clobber_all);
}
ASM_CASE("socket", may_goto_in_subprog, "call loops_with_may_goto; exit;")
/* may_goto inside a bounded loop reads an uninitialised register on its exit path */
ASM_CASE("socket", may_goto_exit_path_checked, "r0 = 0; 1: may_goto 2f; r0 += 1; if r0 < 6 goto 1b; exit; 2: r0 = r3; exit;")

/* load-acquire, 64 bits, from the stack */
ASM_CASE("socket", load_acquire_u64_stack, "r1 = 21; *(u64 *)(r10 - 8) = r1;" RAW(0xdb, 0, 10, -8, 0x100) "exit;")
/* load-acquire, 32 bits */
ASM_CASE("socket", load_acquire_u32_stack, "r1 = 22; *(u64 *)(r10 - 8) = r1;" RAW(0xc3, 0, 10, -8, 0x100) "exit;")
/* load-acquire, 16 bits */
ASM_CASE("socket", load_acquire_u16_stack, "r1 = 23; *(u64 *)(r10 - 8) = r1;" RAW(0xcb, 0, 10, -8, 0x100) "exit;")
/* load-acquire, 8 bits */
ASM_CASE("socket", load_acquire_u8_stack, "r1 = 24; *(u64 *)(r10 - 8) = r1;" RAW(0xd3, 0, 10, -8, 0x100) "exit;")
/* load-acquire from uninitialised stack (root may read it; the value is not returned) */
ASM_CASE("socket", load_acquire_uninit_stack, RAW(0xdb, 0, 10, -8, 0x100) "r0 = 0; exit;")
/* load-acquire from a map value */
ASM_CASE("socket", load_acquire_map_value, LOOKUP(array) "if r0 == 0 goto 1f; r1 = r0;" RAW(0xdb, 0, 1, 8, 0x100) "exit; 1: r0 = 0; exit;")
/* load-acquire past the end of a map value */
ASM_CASE("socket", load_acquire_map_value_oob, LOOKUP(array) "if r0 == 0 goto 1f; r1 = r0;" RAW(0xdb, 0, 1, 48, 0x100) "exit; 1: r0 = 0; exit;")
/* load-acquire from the context */
ASM_CASE("socket", load_acquire_ctx, RAW(0xc3, 0, 1, 0, 0x100) "r0 = 0; exit;")
/* load-acquire from a scalar */
ASM_CASE("socket", load_acquire_scalar, "r1 = 0;" RAW(0xdb, 0, 1, 0, 0x100) "exit;")
/* load-acquire into r10 */
ASM_CASE("socket", load_acquire_into_r10, "r1 = 0; *(u64 *)(r10 - 8) = r1;" RAW(0xdb, 10, 10, -8, 0x100) "r0 = 0; exit;")
/* an atomic with an unknown imm */
ASM_CASE("socket", atomic_unknown_imm, "r1 = 0; *(u64 *)(r10 - 8) = r1;" RAW(0xdb, 0, 10, -8, 0x101) "exit;")
/* store-release, 64 bits, then a plain load */
ASM_CASE("socket", store_release_u64_stack, "r1 = 31;" RAW(0xdb, 10, 1, -8, 0x110) "r0 = *(u64 *)(r10 - 8); exit;")
/* store-release, 32 bits, then a load-acquire */
ASM_CASE("socket", store_release_then_load_acquire, "r1 = 32;" RAW(0xc3, 10, 1, -8, 0x110) RAW(0xc3, 0, 10, -8, 0x100) "exit;")
/* store-release of an uninitialised register */
ASM_CASE("socket", store_release_uninit_src, RAW(0xdb, 10, 3, -8, 0x110) "r0 = 0; exit;")
/* store-release into a map value */
ASM_CASE("socket", store_release_map_value, LOOKUP(array) "if r0 == 0 goto 1f; r1 = 33;" RAW(0xdb, 0, 1, 0, 0x110) "r0 = 0; exit; 1: r0 = 0; exit;")
/* store-release into the context */
ASM_CASE("socket", store_release_ctx, "r2 = 0;" RAW(0xc3, 1, 2, 0, 0x110) "r0 = 0; exit;")
/* store-release out of the stack */
ASM_CASE("socket", store_release_stack_oob, "r1 = 0;" RAW(0xdb, 10, 1, 8, 0x110) "r0 = 0; exit;")

/* addr_space_cast (0xbf with off 1) needs an arena map, which this kernel will not create for
 * the recorder (EPERM): only the programs without one are here. */
/* a cast in a program without an arena */
ASM_CASE("syscall", cast_without_arena, "r1 = 0; r1 = addr_space_cast(r1, 0, 1); r0 = 0; exit;")
/* a cast back to the kernel's address space without an arena */
ASM_CASE("syscall", cast_from_arena_without_arena, "r1 = 0; r1 = addr_space_cast(r1, 1, 0); r0 = 0; exit;")
/* a cast between unknown address spaces */
ASM_CASE("syscall", cast_bad_spaces, "r1 = 0; r1 = addr_space_cast(r1, 2, 1); r0 = 0; exit;")
/* a cast of an unset register */
ASM_CASE("syscall", cast_uninit_source, "r2 = addr_space_cast(r3, 0, 1); r0 = 0; exit;")
/* a cast in dead code */
ASM_CASE("syscall", cast_dead, "r0 = 0; if r0 == 0 goto 1f; r1 = addr_space_cast(r1, 0, 1); 1: exit;")
