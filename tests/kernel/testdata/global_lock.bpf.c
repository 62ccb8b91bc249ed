/* A spin lock in .bss beside an ordinary (non-hidden) global, which makes libbpf create the
 * section's map mmapable: the kernel cannot mmap a map holding a lock, but loading the object
 * never maps it, so it loads and runs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_spin_lock lock;
int counter;

SEC("tc")
int bump(struct __sk_buff *skb)
{
	int seen;

	bpf_spin_lock(&lock);
	seen = ++counter;
	bpf_spin_unlock(&lock);
	return seen;
}

char LICENSE[] SEC("license") = "GPL";
