// A SEC("syscall") program: reads an argument struct from its context, writes results back into
// the context (ctx_out of test_run) and keeps running totals in global variables.
//
// From Python:
//     res = obj.programs["prog"].test_run(ctx=struct.pack("<IIQ", 3, 4, 0))
//     res.ctx_out     -> the struct with .product filled in
//     res.retval      -> the sum
//     obj.globals     -> calls, total, last_product, limit (a knob set before or after load)
#include <bpf/bpf_helpers.h>

// The context of a syscall program is whatever user space passes as ctx_in: here, two numbers
// in and one out. The program may read and write it; test_run copies it back as ctx_out.
struct args {
	__u32 a;
	__u32 b;
	__u64 product; // written by the program
};

// .bss: zero-initialised globals, visible to user space as obj.globals["calls"] etc.
__u64 calls;
__u64 total;
__u64 last_product;
// .data: an initialised global that user space may change at any time.
__u32 limit = 100;
// .rodata: a load-time constant; set it with rt.load(path, globals={"scale": 3}).
const volatile __u32 scale = 1;

SEC("syscall")
int prog(struct args *ctx)
{
	__u32 sum = ctx->a + ctx->b;

	calls++;
	// Refuse sums over the limit: the caller sees -1 as retval 0xffffffff.
	if (sum > limit)
		return -1;
	ctx->product = (__u64)ctx->a * ctx->b * scale;
	total += sum;
	last_product = ctx->product;
	return sum;
}

char LICENSE[] SEC("license") = "GPL";
