// A tracepoint program (SEC("tp/...")): the context is the tracepoint's raw record, laid out
// as its format file says (/sys/kernel/tracing/events/syscalls/sys_enter_openat/format).
//
// In pybpf, rt.trigger("syscalls/sys_enter_openat", record_bytes) runs attached programs on
// a record you build yourself.
#include <bpf/bpf_helpers.h>

// The record of syscalls:sys_enter_openat: the common header, the syscall number, then
// each argument in an 8-byte slot. The kernel does not let programs read the first 8 bytes
// (the common fields): ask helpers such as bpf_get_current_pid_tgid() instead.
struct sys_enter_openat {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	__s32 syscall_nr;
	__u32 pad;
	__u64 dfd;
	__u64 filename; // a user-space pointer
	__u64 flags;
	__u64 mode;
};

#define O_CREAT 0100 // octal, as in fcntl.h

__u64 opens;
__u64 creates; // opens with O_CREAT
__u32 last_tgid; // the process that called openat
__s32 last_syscall_nr;
__s32 last_dfd;
__u32 last_flags;
__u32 last_mode;

SEC("tp/syscalls/sys_enter_openat")
int on_openat(struct sys_enter_openat *ctx)
{
	opens++;
	last_tgid = bpf_get_current_pid_tgid() >> 32;
	last_syscall_nr = ctx->syscall_nr;
	last_dfd = (__s32)ctx->dfd;
	last_flags = ctx->flags;
	last_mode = ctx->mode;
	if (ctx->flags & O_CREAT)
		creates++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
