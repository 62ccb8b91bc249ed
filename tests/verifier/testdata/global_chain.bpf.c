/* verdict: the call stack of 8 frames is too deep !
 *
 * Nine frames of global functions: each is verified on its own, so the interpreter never
 * holds them all; the stack-depth walk after it counts the chain (and says so with a "!").
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int f8(int x)
{
	return x + 8;
}

__attribute__((noinline)) int f7(int x)
{
	return f8(x) + 7;
}

__attribute__((noinline)) int f6(int x)
{
	return f7(x) + 6;
}

__attribute__((noinline)) int f5(int x)
{
	return f6(x) + 5;
}

__attribute__((noinline)) int f4(int x)
{
	return f5(x) + 4;
}

__attribute__((noinline)) int f3(int x)
{
	return f4(x) + 3;
}

__attribute__((noinline)) int f2(int x)
{
	return f3(x) + 2;
}

__attribute__((noinline)) int f1(int x)
{
	return f2(x) + 1;
}

SEC("tc")
int prog(struct __sk_buff *skb)
{
	return f1(skb->len);
}

char LICENSE[] SEC("license") = "GPL";
