/* verdict: accepted
 *
 * A static function returning void leaves r0 unset at its exit: the kernel hands r0 back
 * unread, and only the main program's exit must have set it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) void mark(struct __sk_buff *skb)
{
	skb->mark = 7;
}

SEC("tc")
int prog(struct __sk_buff *skb)
{
	mark(skb);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
