// The largest values storage maps take: SIZE bytes in a task storage and in a cgroup storage
// (BPF_LOCAL_STORAGE_MAX_VALUE_SIZE for both), PCPU_SIZE bytes in a per-CPU cgroup storage.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct big { __u8 b[SIZE]; };
struct big_percpu { __u8 b[PCPU_SIZE]; };

struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int);
	 __type(value, struct big); } tasks SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_CGROUP_STORAGE); __type(key, __u64); __type(value, struct big); } cgroups SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE); __type(key, __u64); __type(value, struct big_percpu); }
	percpu SEC(".maps");

SEC("tc") int p(struct __sk_buff *skb) { return 0; }
char LICENSE[] SEC("license") = "GPL";
