/* verdict: accepted
 *
 * A bpf_loop callback runs on its caller's stack: 256 bytes in the program and 256 in the
 * callback make one chain of 512, the most a chain may use.
 */
#include <bpf/bpf_helpers.h>

#ifndef CALLBACK_BYTES
#define CALLBACK_BYTES 256
#endif

static int step(__u32 index, void *ctx)
{
	char buf[CALLBACK_BYTES];

	buf[0] = index;
	asm volatile("" : : "r"(buf) : "memory"); /* all of buf is live */
	return buf[0] > 3;
}

SEC("tc")
int prog(void *ctx)
{
	char buf[256];

	buf[0] = 1;
	asm volatile("" : : "r"(buf) : "memory"); /* all of buf is live */
	bpf_loop(4, step, 0, 0);
	return buf[0];
}

char LICENSE[] SEC("license") = "GPL";
