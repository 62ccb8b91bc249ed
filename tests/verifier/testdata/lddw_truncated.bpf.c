/* verdict: last insn is not an exit or jmp
 *
 * A program whose last slot is the first half of a lddw: the kernel sees a program that does
 * not end in exit before it looks at the lddw.
 */
#include <bpf/bpf_helpers.h>

SEC("tc")
__attribute__((naked)) int prog(void)
{
	asm volatile("r0 = 0\n"
		     "exit\n"
		     ".8byte 0x0000000100000018" ::: "memory");
}

char LICENSE[] SEC("license") = "GPL";
