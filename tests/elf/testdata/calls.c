/* Subprograms: nested static calls, global and hidden global functions in .text, one shared
 * by two programs, and a callback whose address a program takes. */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u64 total;

static __noinline int leaf(int x)
{
	total += x;
	return x + 1;
}

static __noinline int middle(int x)
{
	return leaf(x) * 2;
}

__noinline int global_sub(int x)
{
	return middle(x) + leaf(x + 1);
}

__attribute__((visibility("hidden"))) __noinline int hidden_sub(int x)
{
	return x - 1;
}

static int loop_cb(__u32 index, void *ctx)
{
	*(long *)ctx += leaf(index);
	return 0;
}

SEC("xdp")
int first(void *ctx)
{
	return global_sub(1) + hidden_sub(2);
}

SEC("tc")
int second(void *ctx)
{
	long sum = 0;

	bpf_loop(4, loop_cb, &sum, 0);
	return middle(2) + sum;
}
