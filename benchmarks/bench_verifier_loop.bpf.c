// A loop the verifier walks iteration by iteration: the counter decides the branch, so no
// state covers the next one. The kernel (6.18) processes about 100,000 instructions (99,020).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("syscall")
int walk(void *ctx)
{
	__u64 buf[16] = {};
	__u64 sum = 0;

	for (int i = 0; i < 4500; i++) {
		buf[i & 15] += i;
		sum += buf[(i * 7) & 15];
	}
	return sum & 0xff;
}

char LICENSE[] SEC("license") = "GPL";
