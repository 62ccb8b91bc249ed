// fentry and fexit programs (BPF trampolines) on the kernel's test functions: record each
// call's arguments on entry and its return value on exit, in global variables.
//
// The context of a tracing program is the function's arguments as an array of u64; an fexit
// program finds the return value after the arguments. test_run of any fentry/fexit program
// calls the kernel's bpf_fentry_test1..7 (bpf_fentry_test1(1) returns 2, bpf_fentry_test3(4, 5,
// 6) returns 15...), so every attached program fires; rt.trigger() calls one of them with
// arguments of your choosing.
#include <bpf/bpf_helpers.h>

// int bpf_fentry_test1(int a) { return a + 1; }
__u64 entries;
__u64 exits;
int entry_a;  // a, as seen on entry
int exit_a;   // a, as seen on exit
int exit_ret; // what the function returned

// int bpf_fentry_test3(char a, int b, __u64 c) { return a + b + c; }
__u64 test3_sum; // a + b + c, computed from the arguments

SEC("fentry/bpf_fentry_test1")
int on_test1_entry(__u64 *ctx)
{
	entries++;
	entry_a = (int)ctx[0];
	return 0;
}

SEC("fexit/bpf_fentry_test1")
int on_test1_exit(__u64 *ctx)
{
	exits++;
	exit_a = (int)ctx[0];
	exit_ret = (int)ctx[1]; // the slot after the last argument
	return 0;
}

SEC("fentry/bpf_fentry_test3")
int on_test3_entry(__u64 *ctx)
{
	char a = (char)ctx[0];
	int b = (int)ctx[1];
	__u64 c = ctx[2];

	test3_sum = a + b + c;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
