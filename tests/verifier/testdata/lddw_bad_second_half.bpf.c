/* verdict: invalid bpf_ld_imm64 insn
 *
 * A lddw whose second slot is an instruction of its own: the object still opens, and the
 * program is refused at load with the kernel's message.
 */
#include <bpf/bpf_helpers.h>

SEC("tc")
__attribute__((naked)) int prog(void)
{
	asm volatile(".8byte 0x0000000100000018\n" /* r0 = 1 ll, first slot */
		     ".8byte 0x00000000000000b7\n" /* r0 = 0 */
		     "exit" ::: "memory");
}

char LICENSE[] SEC("license") = "GPL";
