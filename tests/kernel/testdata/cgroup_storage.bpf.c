// Cgroup storage in test runs: the kernel gives a program fresh zeroed storage for each test run
// (shared by its repeats), so counting runs in it counts the repeats of one test run only. The
// 16-byte key form and the per-CPU type; user space finds no value in either.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct counts {
	__u64 runs;
	__u64 bytes;
};

struct { __uint(type, BPF_MAP_TYPE_CGROUP_STORAGE); __type(key, struct bpf_cgroup_storage_key);
	 __type(value, struct counts); } shared SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE); __type(key, __u64); __type(value, __u32); } percpu SEC(".maps");

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1); __type(key, __u64); __type(value, struct counts); }
	other SEC(".maps");

__u64 last_runs, last_bytes, percpu_seen;

SEC("cgroup_skb/egress")
int count(struct __sk_buff *skb)
{
	struct counts *c = bpf_get_local_storage(&shared, 0);
	__u32 *n = bpf_get_local_storage(&percpu, 0);

	c->runs++;
	c->bytes += skb->len;
	*n += 1;
	last_runs = c->runs;
	last_bytes = c->bytes;
	percpu_seen = *n;
	return 1;
}

#ifdef CASE
/* what the kernel's verifier refuses of cgroup storage (one program per CASE) */
SEC("cgroup_skb/ingress")
int refused(struct __sk_buff *skb)
{
#if CASE == 1
	struct counts *c = bpf_get_local_storage(&shared, 1);  /* the helper cannot fail: no flags */

	return c->runs > 0;
#elif CASE == 2
	struct bpf_cgroup_storage_key key = {};  /* only bpf_get_local_storage reaches the values */

	return bpf_map_lookup_elem(&shared, &key) != 0;
#else
	return bpf_get_local_storage(&other, 0) != 0;  /* nor does it take another map */
#endif
}
#endif

char LICENSE[] SEC("license") = "GPL";
