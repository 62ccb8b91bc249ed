/* Encoding: instructions whose bytes are wrong (unknown opcodes, reserved fields, bad
 * registers, broken lddw pairs), written as raw words. A loader that refuses to decode one of
 * them must still load the others: each is verified alone. */
#include "corpus.h"

/* an lddw cut short: its second half is missing */
SEC("socket") __naked int lddw_truncated(void)
{
	asm volatile ("r0 = 0; exit;" RAW(0x18, 0, 0, 0, 1) ::: __clobber_all);
}

/* the second half of an lddw must have a zero opcode */
SEC("socket") __naked int lddw_bad_second_half(void)
{
	asm volatile (RAW(0x18, 0, 0, 0, 1) RAW(0xb7, 0, 0, 0, 0) "exit;" ::: __clobber_all);
}

/* an unknown opcode */
SEC("socket") __naked int unknown_opcode(void)
{
	asm volatile (RAW(0xff, 0, 0, 0, 0) "r0 = 0; exit;" ::: __clobber_all);
}

/* exit with a non-zero reserved field */
SEC("socket") __naked int exit_reserved_fields(void)
{
	asm volatile ("r0 = 0;" RAW(0x95, 0, 0, 0, 1) ::: __clobber_all);
}

/* mov with a non-zero offset that is not a sign extension width */
SEC("socket") __naked int mov_reserved_offset(void)
{
	asm volatile (RAW(0xbf, 0, 1, 3, 0) "r0 = 0; exit;" ::: __clobber_all);
}

/* register number 11 does not exist */
SEC("socket") __naked int bad_register(void)
{
	asm volatile (RAW(0xb7, 11, 0, 0, 0) "r0 = 0; exit;" ::: __clobber_all);
}

/* writing r10 where the verifier proves no path goes is not judged */
SEC("socket") __naked int r10_write_in_dead_branch(void)
{
	asm volatile ("r0 = 0; if r0 == 0 goto +1; r10 = 0; exit;" ::: __clobber_all);
}

/* writing r10 on a live path */
SEC("socket") __naked int r10_write(void)
{
	asm volatile ("r10 = 0; r0 = 0; exit;" ::: __clobber_all);
}

/* a load with a non-zero imm */
SEC("socket") __naked int ldx_reserved_imm(void)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 8) = r1;" RAW(0x79, 0, 10, -8, 1) "exit;" ::: __clobber_all);
}

/* a register store with a non-zero imm */
SEC("socket") __naked int stx_reserved_imm(void)
{
	asm volatile ("r1 = 0;" RAW(0x7b, 10, 1, -8, 1) "r0 = 0; exit;" ::: __clobber_all);
}

/* an immediate store with a non-zero source register */
SEC("socket") __naked int st_reserved_src(void)
{
	asm volatile (RAW(0x7a, 10, 1, -8, 1) "r0 = 0; exit;" ::: __clobber_all);
}

/* a helper call with a non-zero destination register */
SEC("socket") __naked int call_reserved_dst(void)
{
	asm volatile (RAW(0x85, 1, 0, 0, 5) "r0 = 0; exit;" ::: __clobber_all);
}

/* a ja with a non-zero source register */
SEC("socket") __naked int ja_reserved_src(void)
{
	asm volatile ("r0 = 0;" RAW(0x05, 0, 1, 0, 0) "exit;" ::: __clobber_all);
}

/* an ALU operation that does not exist (op 0xe0) */
SEC("socket") __naked int alu_unknown_op(void)
{
	asm volatile ("r0 = 0;" RAW(0xe7, 0, 0, 0, 1) "exit;" ::: __clobber_all);
}

/* a byte swap of an unknown width */
SEC("socket") __naked int endian_bad_width(void)
{
	asm volatile ("r0 = 0;" RAW(0xd4, 0, 0, 0, 24) "exit;" ::: __clobber_all);
}

/* an lddw with an unknown pseudo source */
SEC("socket") __naked int lddw_unknown_pseudo(void)
{
	asm volatile (RAW(0x18, 0, 7, 0, 0) RAW(0x00, 0, 0, 0, 0) "r0 = 0; exit;" ::: __clobber_all);
}

/* an lddw of a map fd that does not exist */
SEC("socket") __naked int lddw_bad_map_fd(void)
{
	asm volatile (RAW(0x18, 1, 1, 0, 1000) RAW(0x00, 0, 0, 0, 0) "r0 = 0; exit;" ::: __clobber_all);
}

/* a signed division (cpu v4) */
SEC("socket") __naked int sdiv_by_const(void)
{
	asm volatile ("r0 = -12; r0 s/= 4; r0 = -r0; exit;" ::: __clobber_all);
}

/* a signed modulo by zero (defined: the dividend stays) */
SEC("socket") __naked int smod_by_zero(void)
{
	asm volatile ("r0 = 9; r1 = 0; r0 s%%= r1; exit;" ::: __clobber_all);
}

/* a division by a zero register (defined: zero) */
SEC("socket") __naked int div_by_zero_reg(void)
{
	asm volatile ("r0 = 9; r1 = 0; r0 /= r1; exit;" ::: __clobber_all);
}

/* a division by a zero immediate */
SEC("socket") __naked int div_by_zero_imm(void)
{
	asm volatile ("r0 = 9;" RAW(0x37, 0, 0, 0, 0) "exit;" ::: __clobber_all);
}

/* a 32-bit jump (gotol) with a 32-bit offset */
SEC("socket") __naked int gotol_forward(void)
{
	asm volatile ("r0 = 3; if r0 == 4 goto 1f; gotol +1; 1: r0 = 4; exit;" ::: __clobber_all);
}

/* a kfunc call to a BTF id that does not exist */
SEC("socket") __naked int kfunc_unknown_id(void)
{
	asm volatile (RAW(0x85, 0, 2, 0, 99999999) "r0 = 0; exit;" ::: __clobber_all);
}
