/* What a tracepoint or perf event program may do with its context. Built with -DCASE=n:
 * each case is one program, which the kernel and pybpf must both accept or both refuse. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* the record of syscalls/sys_enter_*: an 8-byte common header, the call's number, its
 * six arguments */
struct enter_record {
	__u64 common;
	long id;
	unsigned long args[6];
};

__u32 seen[4];

#if CASE == 0  /* an argument that is a user pointer is a number: a 32-bit store keeps its low half */
SEC("tracepoint/syscalls/sys_enter_kill")
int tp_store_low(struct enter_record *ctx)
{
	__u32 low = ctx->args[1];

	seen[0] = low;
	return 0;
}
#elif CASE == 1  /* ... and it cannot be followed */
SEC("tracepoint/syscalls/sys_enter_openat")
int tp_deref(struct enter_record *ctx)
{
	const char *path = (const char *)ctx->args[1];

	return path[0];
}
#elif CASE == 2  /* the record is read-only */
SEC("tracepoint/syscalls/sys_enter_kill")
int tp_write(struct enter_record *ctx)
{
	ctx->id = 0;
	return 0;
}
#elif CASE == 3  /* reads within 8 KiB of a record are allowed, past it refused */
SEC("tracepoint/syscalls/sys_enter_kill")
int tp_far(struct enter_record *ctx)
{
	return *(volatile long *)((char *)ctx + OFF);
}
#elif CASE == 4  /* a perf event's registers are read whole */
SEC("perf_event")
int pe_reg(void *ctx)
{
	__u32 ip = *(volatile __u64 *)((char *)ctx + OFF);

	seen[1] = ip;
	return 0;
}
#elif CASE == 5  /* its sample_period and addr in parts as well */
SEC("perf_event")
int pe_part(void *ctx)
{
	seen[2] = *(volatile __u32 *)((char *)ctx + OFF);
	return 0;
}
#endif

char LICENSE[] SEC("license") = "GPL";
