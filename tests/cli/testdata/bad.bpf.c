/* A program the verifier refuses: it returns an uninitialized register. */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("syscall")
int good(void *ctx)
{
	return 0;
}

SEC("syscall")
int broken(void *ctx)
{
	asm volatile("exit");
	return 0;
}
