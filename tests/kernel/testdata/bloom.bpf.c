// Bloom filters with a zero hash seed: the kernel's false positives are a function of the values
// pushed, the hash count and the bit array's size, so pybpf must answer "maybe" for exactly the
// same values never pushed. A 6-byte value hashes byte-wise (jhash), a 4-byte one word-wise
// (jhash2); a large filter exercises the bit-array sizing.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef BPF_F_ZERO_SEED
#define BPF_F_ZERO_SEED (1U << 6) /* a map creation flag of the UAPI header */
#endif

struct small_value {
	__u8 b[6];
};

struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 4); __uint(map_flags, BPF_F_ZERO_SEED);
	 __type(value, __u32); __uint(map_extra, 2); } words SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 8); __uint(map_flags, BPF_F_ZERO_SEED);
	 __type(value, struct small_value); } bytes6 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 100); __uint(map_flags, BPF_F_ZERO_SEED);
	 __type(value, __u64); __uint(map_extra, 3); } large SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 8); __type(value, __u32); } seeded SEC(".maps");

__u64 maybe_words, maybe_bytes, maybe_large;
long added_seen;

SEC("tc")
int fill(struct __sk_buff *skb)
{
	for (__u32 i = 0; i < 12; i++) {
		struct small_value s = {{(__u8)i, 1, 2, 3, 4, (__u8)(i * 3)}};
		__u64 wide = i * 0x9e3779b97f4a7c15ULL;
		__u32 word = i;  /* the counter itself must not be addressed: the verifier would lose it */

		bpf_map_push_elem(&words, &word, BPF_ANY);
		bpf_map_push_elem(&bytes6, &s, BPF_ANY);
		bpf_map_push_elem(&large, &wide, BPF_ANY);
		bpf_map_push_elem(&seeded, &word, BPF_ANY);
	}
	return 0;
}

SEC("tc")
int probe(struct __sk_buff *skb)
{
	for (__u32 i = 0; i < 64; i++) {
		__u32 v = 1000 + i;
		struct small_value s = {{(__u8)i, 9, 9, 9, 9, (__u8)(i + 100)}};
		__u64 wide = (i + 5000) * 0x9e3779b97f4a7c15ULL;

		if (bpf_map_peek_elem(&words, &v) == 0)
			maybe_words |= 1ULL << i;
		if (bpf_map_peek_elem(&bytes6, &s) == 0)
			maybe_bytes |= 1ULL << i;
		if (bpf_map_peek_elem(&large, &wide) == 0)
			maybe_large |= 1ULL << i;
	}
	for (__u32 i = 0; i < 12; i++) {  /* what was pushed is always "maybe", whatever the seed */
		__u32 word = i;

		if (bpf_map_peek_elem(&seeded, &word) == 0)
			added_seen++;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
