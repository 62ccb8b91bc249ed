/* bpf_dummy_ops members, the struct_ops type the kernel registers for test runs: test_1 takes
 * a state that may be NULL, test_2 a state and four numbers; both change the state. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_dummy_ops_state {
	int val;
} __attribute__((preserve_access_index));

struct bpf_dummy_ops {
	int (*test_1)(struct bpf_dummy_ops_state *cb);
	int (*test_2)(struct bpf_dummy_ops_state *cb, int a1, unsigned short a2, char a3, unsigned long a4);
} __attribute__((preserve_access_index));

SEC("struct_ops/bump")
int bump(unsigned long long *ctx)
{
	struct bpf_dummy_ops_state *state = (void *)ctx[0];

	if (!state)
		return 77;
	state->val += 5;
	return state->val;
}

SEC("struct_ops/mix")
int mix(unsigned long long *ctx)
{
	struct bpf_dummy_ops_state *state = (void *)ctx[0];

	state->val = (int)ctx[1] * 1000 + (int)ctx[2] * 10 + (int)ctx[3];
	return (int)(ctx[4] >> 8);
}

SEC(".struct_ops")
struct bpf_dummy_ops dummy = { .test_1 = (void *)bump, .test_2 = (void *)mix };

char LICENSE[] SEC("license") = "GPL";
