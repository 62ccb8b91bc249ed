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
