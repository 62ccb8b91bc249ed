/* Objects that pybpf refuses, one per macro (cc -DUNKNOWN_MAP_TYPE ...). */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#ifdef UNKNOWN_MAP_TYPE
struct {
	__uint(type, 99);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} hmap SEC(".maps");
#endif

#ifdef UNKNOWN_FIELD
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(foo, 1);
} hmap SEC(".maps");
#endif

#ifdef KEY_SIZE_CONFLICT
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, 8);
	__type(key, __u32);
	__type(value, __u32);
} hmap SEC(".maps");
#endif

#ifdef LEGACY_MAPS
struct bpf_map_def {
	unsigned int type, key_size, value_size, max_entries, map_flags;
};
struct bpf_map_def SEC("maps") legacy = { BPF_MAP_TYPE_HASH, 4, 4, 16, 0 };
#endif

#ifdef UNKNOWN_SECTION
SEC("foo") int unknown(void *ctx) { return 0; }
#endif

#ifdef STATIC_PROGRAM
SEC("xdp") static int hidden_prog(void *ctx) { return 0; }
#endif

SEC("xdp") int prog(void *ctx) { return 0; }
