/* verdict: accepted
 *
 * A packet parser in the shape of a real load balancer's, with a branch on each of 24 header
 * bytes. Each branch changes a flag word or a score that no check reads, so only precision
 * tracking lets the paths prune: treating every scalar as precise, a verifier walks 2**24
 * paths and stops at the 1,000,000-instruction limit. The kernel (6.18) processes 719
 * instructions.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} scores SEC(".maps");

#define BYTE(k)                                                        \
	do {                                                           \
		if (data + (k) + 1 > end)                              \
			goto out;                                      \
		__u8 b = *((__u8 *)data + (k));                        \
		if (b & 1)                                             \
			flags |= 1ULL << (k);                          \
		else                                                   \
			score += b;                                    \
	} while (0)

SEC("xdp")
int parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 flags = 0;
	__u32 score = 0;

	BYTE(0); BYTE(1); BYTE(2); BYTE(3); BYTE(4); BYTE(5); BYTE(6); BYTE(7);
	BYTE(8); BYTE(9); BYTE(10); BYTE(11); BYTE(12); BYTE(13); BYTE(14); BYTE(15);
	BYTE(16); BYTE(17); BYTE(18); BYTE(19); BYTE(20); BYTE(21); BYTE(22); BYTE(23);
out:;
	__u32 key = score & 63;
	__u64 *slot = bpf_map_lookup_elem(&scores, &key);
	if (slot)
		*slot += flags;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
