/* Values of many BTF kinds, for map dumps and btf dump. */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

enum color { RED, GREEN = 5, BLUE = -1 };
enum big { HUGE = 0x100000000ULL };

struct flags {
	unsigned int low : 3;
	int mid : 5;
	unsigned char ch;
	char name[6];
	_Bool on;
};

union either {
	__u32 number;
	__u8 bytes[4];
};

struct kind_value {
	struct flags f;
	union either u;
	enum color color;
	enum big big;
	const volatile __s16 s;
	void *ptr;
	__u64 list[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct kind_value);
} kinds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} fifo SEC(".maps");

SEC("syscall")
int fill(void *ctx)
{
	__u32 key = 7, item = 42;
	struct kind_value v = {
		.f = { .low = 5, .mid = -3, .ch = 1, .name = "hi", .on = 1 },
		.u = { .number = 0x01020304 },
		.color = BLUE,
		.big = HUGE,
		.s = -2,
		.ptr = 0,
		.list = { 1, 2 },
	};

	bpf_map_update_elem(&kinds, &key, &v, BPF_ANY);
	bpf_map_push_elem(&fifo, &item, 0);
	return 0;
}
