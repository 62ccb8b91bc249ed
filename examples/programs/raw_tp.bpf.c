// A raw tracepoint program (SEC("raw_tp/...")): the context is the tracepoint's arguments as
// an array of u64, without the formatting a classic tracepoint does.
//
// raw_tp/sys_enter passes (struct pt_regs *regs, long id). test_run takes the array as ctx
// bytes (struct.pack("<QQ", regs, id)) and returns what the program returns; attached, it
// runs on rt.trigger("sys_enter", regs, id).
#include <bpf/bpf_helpers.h>

// The syscall to watch (257 is openat on x86-64); set it with obj.globals["watched_id"].
__s64 watched_id = 257;
__u64 seen;    // every syscall entry
__u64 matched; // entries of the watched syscall
__u64 last_regs; // the regs pointer of the last match

SEC("raw_tp/sys_enter")
int on_sys_enter(__u64 *ctx)
{
	__s64 id = (__s64)ctx[1];

	seen++;
	if (id != watched_id)
		return 0;
	matched++;
	last_regs = ctx[0];
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
