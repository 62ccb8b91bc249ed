/* verdict: combined stack size of 2 calls is 544. Too large
 *
 * A bpf_loop callback runs on its caller's stack: 256 bytes in the program and 288 in the
 * callback make one chain of 544, over the 512 a chain may use.
 */
#include <bpf/bpf_helpers.h>
#include "stack.h"

#ifndef CALLBACK_BYTES
#define CALLBACK_BYTES 288
#endif

static int step(__u32 index, void *ctx)
{
	return USE_STACK(CALLBACK_BYTES, index) > 3;
}

SEC("tc")
int prog(void *ctx)
{
	int first = USE_STACK(256, 1);

	bpf_loop(4, step, 0, 0);
	return first;
}

char LICENSE[] SEC("license") = "GPL";
