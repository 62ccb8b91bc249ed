// A user ring buffer drained by a tc program: the callback reads each sample through its dynptr,
// adds up the first 8 bytes and the sizes, and stops the drain at a sample starting with STOP.
// Every drain's return value lands in a global, so comparing .bss compares what was seen.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define STOP 0x5354u

struct { __uint(type, BPF_MAP_TYPE_USER_RINGBUF); __uint(max_entries, 4096); } samples SEC(".maps");

long drained[4];
__u64 sum, sizes, seen;
int flags;

static long take(struct bpf_dynptr *dynptr, void *ctx)
{
	__u64 head = 0;
	long rc = bpf_dynptr_read(&head, sizeof(head), dynptr, 0, 0);

	seen++;
	if (rc)  /* a sample shorter than 8 bytes: count its bytes one by one */
		for (__u32 i = 0; i < 8 && !bpf_dynptr_read(&head, 1, dynptr, i, 0); i++)
			sizes++;
	else
		sum += head;
	sizes += 1000;
	return (head & 0xffff) == STOP;
}

SEC("tc")
int drain(struct __sk_buff *skb)
{
	for (int i = 0; i < 4; i++)
		drained[i] = bpf_user_ringbuf_drain(&samples, take, 0, i == 3 ? flags : 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
