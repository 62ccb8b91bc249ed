/* Maps of maps from a program, bpf_probe_read_kernel's errors, bpf_trace_printk's results. */
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner in_a SEC(".maps"), in_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [0] = &in_a, [2] = &in_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
	.values = { [1] = &in_b },
};

long res[32];

static __always_inline void through(__u32 k, int slot)
{
	__u32 ik = 5;
	__u64 v = 50 + k, *p;
	void *inner = bpf_map_lookup_elem(&outer, &k);

	res[slot] = inner != 0;
	if (!inner)
		return;
	res[slot + 1] = bpf_map_update_elem(inner, &ik, &v, BPF_NOEXIST);
	p = bpf_map_lookup_elem(inner, &ik);
	res[slot + 2] = p ? *p : -1;
}

SEC("syscall")
int through_outer(void *ctx)
{
	__u32 k, ik = 5;
	void *inner;

	through(0, 0);
	through(1, 3);
	through(2, 6);
	k = 1;
	inner = bpf_map_lookup_elem(&outer_hash, &k);
	res[9] = inner != 0;
	if (inner)
		res[10] = bpf_map_delete_elem(inner, &ik);
	k = 3;
	res[11] = bpf_map_lookup_elem(&outer_hash, &k) != 0;
	return 0;
}

SEC("syscall")
int probe_read(void *ctx)
{
	__u64 src = 0x1122334455667788ULL, dst = 0xaaaa;
	int i = 16;

	res[i++] = bpf_probe_read_kernel(&dst, sizeof(dst), &src);
	res[i++] = dst;
	dst = 0xaaaa;
	res[i++] = bpf_probe_read_kernel(&dst, sizeof(dst), 0);
	res[i++] = dst;
	dst = 0xaaaa;
	res[i++] = bpf_probe_read_kernel(&dst, sizeof(dst), (void *)4096);
	res[i++] = dst;
	res[i++] = bpf_probe_read_kernel(&dst, 0, 0);
	return 0;
}

SEC("syscall")
int printk(void *ctx)
{
	char s[] = "str";
	int i = 24;

	res[i++] = bpf_printk("pybpf kernel oracle %d %s", 42, s);
	res[i++] = bpf_printk("pybpf kernel oracle %llx %pI4", 255, s);
	res[i++] = bpf_printk("pybpf kernel oracle %k");          /* -EINVAL at run time */
	res[i++] = bpf_printk("pybpf kernel oracle %d %d %d %d", 1, 2, 3);
	res[i++] = bpf_printk("pybpf kernel oracle %s", 0);       /* unreadable: nothing */
	{
		char no_nul[4] = { 'a', 'b', 'c', 'd' };
		res[i++] = bpf_trace_printk(no_nul, sizeof(no_nul));  /* no NUL: -EINVAL */
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
