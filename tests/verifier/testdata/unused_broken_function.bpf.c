/* verdict: accepted
 *
 * A .text function no program calls is never loaded (libbpf appends only the functions a
 * program uses), so instructions the kernel would refuse there do not fail the object: an
 * unknown opcode, and a write to r10.
 */
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int never_called(int x)
{
	asm volatile(".8byte 0x00000000000000ff");
	asm volatile(".8byte 0x0000000100000ab7");
	return x + 1;
}

SEC("tc")
int prog(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
