/* Syscall programs that read and write their context (an argument struct). */
#include <bpf/bpf_helpers.h>

struct args {
	__u32 a;
	__u32 b;
	__u32 c;
};

__u64 got;

SEC("syscall")
int read_args(struct args *args)
{
	got = args->a + args->b;
	return args->c;
}

static __noinline int bump(struct args *args)
{
	return args->a + 1;
}

SEC("syscall")
int write_args(struct args *args)
{
	volatile struct args *keep = args; /* through the stack */

	keep->c = 0x77;
	args->a = bump(args);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
