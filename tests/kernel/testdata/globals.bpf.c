/* Global data in its three sections: .rodata (frozen at load), .data and .bss. */
#include <bpf/bpf_helpers.h>

const volatile __u32 limit = 3;
const char greeting[8] = "hello";
__u32 counter = 10;
__s64 negative = -5;
__u64 total;
__u8 small[3];
__u32 in_custom SEC(".data.counters") = 7;
__u64 in_long SEC(".data.a_rather_long_section_name");
const volatile __u16 in_custom_ro SEC(".rodata.knobs") = 9;

SEC("syscall")
int step(void *ctx)
{
	if (counter < 10 + limit)
		counter++;
	total += counter + greeting[1];
	negative -= 1;
	small[2] = 0xab;
	in_custom += in_custom_ro;
	in_long = in_custom;
	return counter;
}

char LICENSE[] SEC("license") = "GPL";
