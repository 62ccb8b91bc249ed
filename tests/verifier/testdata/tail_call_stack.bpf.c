/* verdict: tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large
 *
 * A function that tail-calls may sit on at most 255 bytes of its callers' stack (a chain of
 * tail calls keeps every caller's frame): here the program holds 256.
 */
#include <bpf/bpf_helpers.h>
#include "stack.h"

#ifndef CALLER_BYTES
#define CALLER_BYTES 256
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jump SEC(".maps");

static __attribute__((noinline)) int leave(void *ctx)
{
	bpf_tail_call(ctx, &jump, 0);
	return 0;
}

SEC("tc")
int prog(void *ctx)
{
	int first = USE_STACK(CALLER_BYTES, 1);

	return leave(ctx) + first;
}

char LICENSE[] SEC("license") = "GPL";
