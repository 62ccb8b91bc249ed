/* Map values holding struct bpf_timer as the UAPI header has defined it since late 2023. */
typedef unsigned long long __u64;
typedef unsigned int __u32;

struct bpf_timer {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_spin_lock {
	__u32 val;
};

#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define SEC(name) __attribute__((section(name), used))

struct map_val {
	__u64 deadline;
	struct bpf_timer t;
	struct bpf_spin_lock lock;
	__u32 counter;
};

struct nested {
	int id;
	struct map_val inner;
};

struct slot {
	struct bpf_timer t;
	__u64 hits;
};

struct many {
	struct slot slots[3];
	__u32 tail;
};

union overlay {
	struct bpf_timer t;
	__u64 raw[2];
};

struct in_union {
	union overlay u;
};

struct {
	__uint(type, 1);
	__uint(max_entries, 16);
	__type(key, int);
	__type(value, struct map_val);
} timers SEC(".maps");

struct nested nested_v;
struct many many_v;
struct in_union union_v;
struct bpf_timer bare;

SEC("tc") int prog(void *ctx)
{
	return 0;
}
