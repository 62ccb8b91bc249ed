/* One map definition per CASE (built with -DCASE=n), most of which the kernel refuses to
 * create (libbpf creates every map of an object, used or not). */
#include <bpf/bpf_helpers.h>

struct tval {
	__u64 a;
	struct bpf_timer t;
};

struct lval {
	__u32 a;
	struct bpf_spin_lock lock;
};

struct big { char b[40000]; };

struct {
#if CASE == 1
	__uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 0); __type(key, __u32); __type(value, __u64);
#elif CASE == 2
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct tval);
#elif CASE == 3
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 1); __type(key, __u32); __type(value, struct tval);
#elif CASE == 4
	__uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 1); __type(key, __u32); __type(value, struct lval);
#elif CASE == 5
	__uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 5000);
#elif CASE == 6
	__uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 4); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, __u32); __type(value, __u64);
#elif CASE == 7
	__uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, __u32); __type(value, __u64);
#elif CASE == 8
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct big);
#elif CASE == 9
	__uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 0); __type(value, __u32);
#elif CASE == 10
	__uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 0); __type(key, __u32); __type(value, __u64);
#elif CASE == 11
	__uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 2); __type(key, __u64); __type(value, __u64);
#elif CASE == 12
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct lval);
#elif CASE == 13
	__uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 2); __type(key, __u32); __type(value, struct lval);
#elif CASE == 14
	__uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 2); __uint(map_flags, 0x400 | 0x8); __type(key, __u32); __type(value, __u64);
#elif CASE == 15
	__uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 2); __uint(map_flags, 0x400); __type(key, __u32); __type(value, __u64);
#endif
} m SEC(".maps");

SEC("syscall")
int use(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
