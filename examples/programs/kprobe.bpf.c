// A kprobe and a kretprobe: read a function's arguments and its return value from the saved
// registers (struct pt_regs), the way libbpf's PT_REGS_PARM*() and PT_REGS_RC() macros do.
//
// In pybpf, rt.trigger("some_function", 1, 2, ret=3) fires both: the arguments go to the
// x86-64 argument registers (di, si, dx, cx, r8, r9) and the return value to ax.
#include <bpf/bpf_helpers.h>

// The x86-64 register frame a kprobe sees (arch/x86/include/asm/ptrace.h). Only the offsets
// matter: di is at 112, si at 104, dx at 96, ax at 80.
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di;
	unsigned long orig_ax, ip, cs, flags, sp, ss;
};

#define PT_REGS_PARM1(x) ((x)->di)
#define PT_REGS_PARM2(x) ((x)->si)
#define PT_REGS_PARM3(x) ((x)->dx)
#define PT_REGS_RC(x) ((x)->ax)

__u64 calls;
__u64 last_arg1;
__u64 last_arg2;
__u64 last_arg3;
__u64 returns;
__s64 last_ret; // signed: functions return negative errnos

SEC("kprobe/some_function")
int on_call(struct pt_regs *ctx)
{
	calls++;
	last_arg1 = PT_REGS_PARM1(ctx);
	last_arg2 = PT_REGS_PARM2(ctx);
	last_arg3 = PT_REGS_PARM3(ctx);
	return 0;
}

SEC("kretprobe/some_function")
int on_return(struct pt_regs *ctx)
{
	returns++;
	last_ret = (__s64)PT_REGS_RC(ctx);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
