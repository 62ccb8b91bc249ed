/* Global variables in every kind of data section, and a string literal. */
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct pair {
	__u32 a;
	__u32 b;
};

__u64 counter;                                     /* .bss */
static __u64 hidden_static;                        /* .bss, not exposed */
__u32 initialised = 7;                             /* .data */
struct pair pair = { 1, 2 };                       /* .data */
const volatile __u64 limit = 100;                  /* .rodata */
__u64 in_custom SEC(".data.custom") = 3;           /* .data.custom */
const volatile __u32 ro_custom SEC(".rodata.custom") = 4;
static __u64 only_static SEC(".data.statics") = 5; /* no global: not mmapable */
__attribute__((visibility("hidden"))) __u64 hidden_global SEC(".data.hidden") = 6;
__u64 big[4] SEC(".bss.big");

SEC("xdp")
int use_globals(void *ctx)
{
	char buf[8];

	bpf_probe_read_kernel(buf, sizeof(buf), "literal");
	counter++;
	hidden_static += counter;
	pair.b += initialised;
	big[2] = limit + in_custom + ro_custom + only_static + hidden_global;
	return buf[0] + hidden_static;
}
