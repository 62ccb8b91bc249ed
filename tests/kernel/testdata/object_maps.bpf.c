/* One map of every type whose objects pybpf does not have (devices, sockets, cgroups, stacks,
 * storage), in two sizes where the kernel's charge depends on it: their memlock is compared. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct lpm_key { __u32 prefixlen; __u8 data[4]; };
struct { __uint(type, BPF_MAP_TYPE_LPM_TRIE); __uint(max_entries, 8); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, struct lpm_key); __type(value, __u32); } lpm SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_DEVMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } dev SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_DEVMAP); __uint(max_entries, 100); __type(key, __u32); __type(value, __u64); } dev8 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_DEVMAP_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } devh SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_DEVMAP_HASH); __uint(max_entries, 100); __type(key, __u32); __type(value, __u32); } devh100 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_CPUMAP); __uint(max_entries, 2); __type(key, __u32); __type(value, __u32); } cpu SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_CPUMAP); __uint(max_entries, 64); __type(key, __u32); __type(value, __u32); } cpu64 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_XSKMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } xsk SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_XSKMAP); __uint(max_entries, 100); __type(key, __u32); __type(value, __u32); } xsk100 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_SOCKMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } sock SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_SOCKMAP); __uint(max_entries, 100); __type(key, __u32); __type(value, __u64); } sock100 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_SOCKHASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } sockh SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_SOCKHASH); __uint(max_entries, 100); __type(key, __u64); __type(value, __u64); } sockh100 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } reuse SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY); __uint(max_entries, 100); __type(key, __u32); __type(value, __u64); } reuse100 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } cg SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(key_size, 4); __uint(value_size, 4); } perf SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK_TRACE); __uint(max_entries, 16); __uint(key_size, 4); __uint(value_size, 64); } st SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK_TRACE); __uint(max_entries, 100); __uint(key_size, 4); __uint(value_size, 1016); } st100 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 16); __type(value, __u32); } bloom SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 1000); __type(value, __u64); __uint(map_extra, 3); } bloom1000 SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, long); } ts SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_SK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, long); } sks SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_INODE_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, long); } is SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_CGRP_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, long); } cs SEC(".maps");
SEC("xdp") int p(struct xdp_md *ctx) { return XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
