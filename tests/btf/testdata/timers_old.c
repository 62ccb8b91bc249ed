/* struct bpf_timer as older UAPI headers (such as Linux 6.1's) define it: its BTF has no members. */
typedef unsigned long long __u64;

struct bpf_timer {
	__u64 :64;
	__u64 :64;
} __attribute__((aligned(8)));

struct map_val {
	__u64 deadline;
	struct bpf_timer t;
};

struct map_val value;
