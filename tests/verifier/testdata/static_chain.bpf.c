/* verdict: the call stack of 9 frames is too deep
 *
 * Nine frames of static functions, each calling the next: the interpreter refuses the call
 * that would push the ninth.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef LINKAGE
#define LINKAGE static
#endif

/* f<n> calls f<next>: one frame more */
#define LINK(n, next) \
	LINKAGE __attribute__((noinline)) int f##n(int x) { return f##next(x) + n; }

LINKAGE __attribute__((noinline)) int f8(int x)
{
	return x + 8;
}

LINK(7, 8)
LINK(6, 7)
LINK(5, 6)
LINK(4, 5)
LINK(3, 4)
LINK(2, 3)
LINK(1, 2)

SEC("tc")
int prog(struct __sk_buff *skb)
{
	return f1(skb->len);
}

char LICENSE[] SEC("license") = "GPL";
