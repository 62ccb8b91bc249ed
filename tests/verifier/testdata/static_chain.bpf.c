/* verdict: the call stack of 9 frames is too deep
 *
 * Nine frames of static functions, each calling the next: the interpreter refuses the call
 * that would push the ninth.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int f8(int x)
{
	return x + 8;
}

static __attribute__((noinline)) int f7(int x)
{
	return f8(x) + 7;
}

static __attribute__((noinline)) int f6(int x)
{
	return f7(x) + 6;
}

static __attribute__((noinline)) int f5(int x)
{
	return f6(x) + 5;
}

static __attribute__((noinline)) int f4(int x)
{
	return f5(x) + 4;
}

static __attribute__((noinline)) int f3(int x)
{
	return f4(x) + 3;
}

static __attribute__((noinline)) int f2(int x)
{
	return f3(x) + 2;
}

static __attribute__((noinline)) int f1(int x)
{
	return f2(x) + 1;
}

SEC("tc")
int prog(struct __sk_buff *skb)
{
	return f1(skb->len);
}

char LICENSE[] SEC("license") = "GPL";
