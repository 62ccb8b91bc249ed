/* pybpf's bpf_tracing.h: reading probe arguments, and the BPF_PROG / BPF_KPROBE wrappers that
 * give a tracing program named, typed arguments. x86-64 only (pybpf models x86-64's
 * struct pt_regs, as kprobes see it). */
#ifndef __PYBPF_BPF_TRACING_H
#define __PYBPF_BPF_TRACING_H

#include "bpf_helpers.h"
#include "bpf_core_read.h"

/* The registers of a kprobe's context, in the kernel's x86-64 layout. With vmlinux.h the
 * kernel's own struct pt_regs is used; without, this stand-in (same layout) is. */
#ifdef __VMLINUX_H__
#define ___pybpf_regs struct pt_regs
#else
struct pybpf_pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di;
	unsigned long orig_ax, ip, cs, flags, sp, ss;
};
#define ___pybpf_regs struct pybpf_pt_regs
struct pt_regs; /* the context's type, as programs name it */
#endif
#define ___pybpf_reg(x, r) (((const ___pybpf_regs *)(x))->r)
#define ___pybpf_reg_core(x, r) BPF_CORE_READ((const ___pybpf_regs *)(x), r)

#define PT_REGS_PARM1(x) ___pybpf_reg(x, di)
#define PT_REGS_PARM2(x) ___pybpf_reg(x, si)
#define PT_REGS_PARM3(x) ___pybpf_reg(x, dx)
#define PT_REGS_PARM4(x) ___pybpf_reg(x, cx)
#define PT_REGS_PARM5(x) ___pybpf_reg(x, r8)
#define PT_REGS_PARM6(x) ___pybpf_reg(x, r9)
#define PT_REGS_RET(x) ___pybpf_reg(x, sp)
#define PT_REGS_FP(x) ___pybpf_reg(x, bp)
#define PT_REGS_RC(x) ___pybpf_reg(x, ax)
#define PT_REGS_SP(x) ___pybpf_reg(x, sp)
#define PT_REGS_IP(x) ___pybpf_reg(x, ip)
#define PT_REGS_PARM1_CORE(x) ___pybpf_reg_core(x, di)
#define PT_REGS_PARM2_CORE(x) ___pybpf_reg_core(x, si)
#define PT_REGS_PARM3_CORE(x) ___pybpf_reg_core(x, dx)
#define PT_REGS_PARM4_CORE(x) ___pybpf_reg_core(x, cx)
#define PT_REGS_PARM5_CORE(x) ___pybpf_reg_core(x, r8)
#define PT_REGS_PARM6_CORE(x) ___pybpf_reg_core(x, r9)
#define PT_REGS_RC_CORE(x) ___pybpf_reg_core(x, ax)
#define PT_REGS_FP_CORE(x) ___pybpf_reg_core(x, bp)
#define PT_REGS_SP_CORE(x) ___pybpf_reg_core(x, sp)
#define PT_REGS_IP_CORE(x) ___pybpf_reg_core(x, ip)
/* System calls pass their fourth argument in r10 rather than cx. */
#define PT_REGS_PARM1_SYSCALL(x) PT_REGS_PARM1(x)
#define PT_REGS_PARM2_SYSCALL(x) PT_REGS_PARM2(x)
#define PT_REGS_PARM3_SYSCALL(x) PT_REGS_PARM3(x)
#define PT_REGS_PARM4_SYSCALL(x) ___pybpf_reg(x, r10)
#define PT_REGS_PARM5_SYSCALL(x) PT_REGS_PARM5(x)
#define PT_REGS_PARM1_CORE_SYSCALL(x) PT_REGS_PARM1_CORE(x)
#define PT_REGS_PARM2_CORE_SYSCALL(x) PT_REGS_PARM2_CORE(x)
#define PT_REGS_PARM3_CORE_SYSCALL(x) PT_REGS_PARM3_CORE(x)
#define PT_REGS_PARM4_CORE_SYSCALL(x) ___pybpf_reg_core(x, r10)
#define PT_REGS_PARM5_CORE_SYSCALL(x) PT_REGS_PARM5_CORE(x)

#define BPF_KPROBE_READ_RET_IP(ip, ctx) ({ bpf_probe_read_kernel(&(ip), sizeof(ip), (void *)PT_REGS_RET(ctx)); })
#define BPF_KRETPROBE_READ_RET_IP(ip, ctx) \
	({ bpf_probe_read_kernel(&(ip), sizeof(ip), (void *)(PT_REGS_FP(ctx) + sizeof(ip))); })

/* Argument lists: ctx first, then each argument cast from where it lives. */
#define ___pybpf_cat2_t(a, b) a##b
#define ___pybpf_cat_t(a, b) ___pybpf_cat2_t(a, b)
#define ___pybpf_nth_t(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, N, ...) N
#define ___pybpf_count(...) ___pybpf_nth_t(_, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)

/* BPF_PROG: arguments are the u64 slots of the context (fentry, fexit, tp_btf, raw_tp). */
#define ___pybpf_ctx0() ctx
#define ___pybpf_ctx1(x) ___pybpf_ctx0(), (void *)ctx[0]
#define ___pybpf_ctx2(x, args...) ___pybpf_ctx1(args), (void *)ctx[1]
#define ___pybpf_ctx3(x, args...) ___pybpf_ctx2(args), (void *)ctx[2]
#define ___pybpf_ctx4(x, args...) ___pybpf_ctx3(args), (void *)ctx[3]
#define ___pybpf_ctx5(x, args...) ___pybpf_ctx4(args), (void *)ctx[4]
#define ___pybpf_ctx6(x, args...) ___pybpf_ctx5(args), (void *)ctx[5]
#define ___pybpf_ctx7(x, args...) ___pybpf_ctx6(args), (void *)ctx[6]
#define ___pybpf_ctx8(x, args...) ___pybpf_ctx7(args), (void *)ctx[7]
#define ___pybpf_ctx9(x, args...) ___pybpf_ctx8(args), (void *)ctx[8]
#define ___pybpf_ctx10(x, args...) ___pybpf_ctx9(args), (void *)ctx[9]
#define ___pybpf_ctx11(x, args...) ___pybpf_ctx10(args), (void *)ctx[10]
#define ___pybpf_ctx12(x, args...) ___pybpf_ctx11(args), (void *)ctx[11]
#define ___pybpf_ctx_cast(args...) ___pybpf_cat_t(___pybpf_ctx, ___pybpf_count(args))(args)

#define BPF_PROG(name, args...)                                                          \
	name(unsigned long long *ctx);                                                   \
	static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args); \
	typeof(name(0)) name(unsigned long long *ctx)                                    \
	{                                                                                \
		_Pragma("GCC diagnostic push")                                           \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                    \
		return ____##name(___pybpf_ctx_cast(args));                               \
		_Pragma("GCC diagnostic pop")                                            \
	}                                                                                \
	static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args)

/* BPF_KPROBE / BPF_UPROBE: arguments from the argument registers; BPF_KRETPROBE: the return value. */
#define ___pybpf_kprobe0() ctx
#define ___pybpf_kprobe1(x) ___pybpf_kprobe0(), (void *)PT_REGS_PARM1(ctx)
#define ___pybpf_kprobe2(x, args...) ___pybpf_kprobe1(args), (void *)PT_REGS_PARM2(ctx)
#define ___pybpf_kprobe3(x, args...) ___pybpf_kprobe2(args), (void *)PT_REGS_PARM3(ctx)
#define ___pybpf_kprobe4(x, args...) ___pybpf_kprobe3(args), (void *)PT_REGS_PARM4(ctx)
#define ___pybpf_kprobe5(x, args...) ___pybpf_kprobe4(args), (void *)PT_REGS_PARM5(ctx)
#define ___pybpf_kprobe6(x, args...) ___pybpf_kprobe5(args), (void *)PT_REGS_PARM6(ctx)
#define ___pybpf_kprobe_args(args...) ___pybpf_cat_t(___pybpf_kprobe, ___pybpf_count(args))(args)

#define ___pybpf_probe_wrapper(name, cast, args...)                                      \
	name(struct pt_regs *ctx);                                                       \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args);  \
	typeof(name(0)) name(struct pt_regs *ctx)                                        \
	{                                                                                \
		_Pragma("GCC diagnostic push")                                           \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                    \
		return ____##name(cast);                                                  \
		_Pragma("GCC diagnostic pop")                                            \
	}                                                                                \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args)

#define BPF_KPROBE(name, args...) ___pybpf_probe_wrapper(name, ___pybpf_kprobe_args(args), ##args)
#define BPF_UPROBE(name, args...) BPF_KPROBE(name, ##args)
#define ___pybpf_kretprobe_args0() ctx
#define ___pybpf_kretprobe_args1(x) ___pybpf_kretprobe_args0(), (void *)PT_REGS_RC(ctx)
#define ___pybpf_kretprobe_args(args...) ___pybpf_cat_t(___pybpf_kretprobe_args, ___pybpf_count(args))(args)
#define BPF_KRETPROBE(name, args...) ___pybpf_probe_wrapper(name, ___pybpf_kretprobe_args(args), ##args)
#define BPF_URETPROBE(name, args...) BPF_KRETPROBE(name, ##args)

/* BPF_KSYSCALL: a system call's arguments; through the wrapper's struct pt_regs * when the
 * kernel has syscall wrappers (libbpf's LINUX_HAS_SYSCALL_WRAPPER). */
extern _Bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
#define ___pybpf_sys0() ctx
#define ___pybpf_sys1(x) ___pybpf_sys0(), (void *)PT_REGS_PARM1_CORE_SYSCALL(regs)
#define ___pybpf_sys2(x, args...) ___pybpf_sys1(args), (void *)PT_REGS_PARM2_CORE_SYSCALL(regs)
#define ___pybpf_sys3(x, args...) ___pybpf_sys2(args), (void *)PT_REGS_PARM3_CORE_SYSCALL(regs)
#define ___pybpf_sys4(x, args...) ___pybpf_sys3(args), (void *)PT_REGS_PARM4_CORE_SYSCALL(regs)
#define ___pybpf_sys5(x, args...) ___pybpf_sys4(args), (void *)PT_REGS_PARM5_CORE_SYSCALL(regs)
#define ___pybpf_sys_args(args...) ___pybpf_cat_t(___pybpf_sys, ___pybpf_count(args))(args)
#define BPF_KSYSCALL(name, args...)                                                      \
	name(struct pt_regs *ctx);                                                       \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args);  \
	typeof(name(0)) name(struct pt_regs *ctx)                                        \
	{                                                                                \
		struct pt_regs *regs = LINUX_HAS_SYSCALL_WRAPPER                         \
					       ? (struct pt_regs *)PT_REGS_PARM1(ctx)    \
					       : ctx;                                    \
		_Pragma("GCC diagnostic push")                                           \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                    \
		return ____##name(___pybpf_sys_args(args));                               \
		_Pragma("GCC diagnostic pop")                                            \
	}                                                                                \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args)
#define BPF_KPROBE_SYSCALL BPF_KSYSCALL

#endif /* __PYBPF_BPF_TRACING_H */
