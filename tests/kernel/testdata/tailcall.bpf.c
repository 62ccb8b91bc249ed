/* Tail calls through a program array: a hit, an empty slot, an index out of range, and a
 * chain that runs into the kernel's limit of 33 tail calls. */
#include <bpf/bpf_helpers.h>

struct __sk_buff;

__u64 hits[8];
__u32 chain;

int tail_a(struct __sk_buff *skb);
int tail_self(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int(struct __sk_buff *));
} jmp SEC(".maps") = {
	.values = {
		[0] = (void *)&tail_a,
		[3] = (void *)&tail_self,
	},
};

SEC("tc")
int tail_a(struct __sk_buff *skb)
{
	hits[0]++;
	return 10;
}

SEC("tc")
int tail_self(struct __sk_buff *skb)
{
	chain++;
	bpf_tail_call(skb, &jmp, 3);
	hits[1]++;
	return 20;
}

static __always_inline int jump(struct __sk_buff *skb, __u32 index, int slot)
{
	hits[slot]++;
	bpf_tail_call(skb, &jmp, index);
	hits[slot + 1]++; /* reached only when the tail call fails */
	return 1;
}

SEC("tc")
int call_hit(struct __sk_buff *skb)
{
	return jump(skb, 0, 2);
}

SEC("tc")
int call_empty(struct __sk_buff *skb)
{
	return jump(skb, 1, 4);
}

SEC("tc")
int call_out_of_range(struct __sk_buff *skb)
{
	return jump(skb, 7, 6);
}

SEC("tc")
int call_chain(struct __sk_buff *skb)
{
	chain = 0;
	bpf_tail_call(skb, &jmp, 3);
	return 30;
}

char LICENSE[] SEC("license") = "GPL";
