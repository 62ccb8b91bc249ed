/* Global functions' tagged and typed arguments: a pointer tagged arg:trusted is a trusted
 * pointer to the kernel struct of its pointee's name (its ___flavour dropped), null only when
 * also tagged arg:nullable (arg:nonnull with it is refused), and callers must pass a plain,
 * trusted or RCU pointer to that struct; a struct bpf_dynptr pointer is an initialised dynptr
 * the function only reads; an arg:ctx pointer may be void *, the program type's context
 * struct, or one of the kernel-side views some types allow (a u64 array for raw tracepoints,
 * anything for tracepoints). Fields are read through CO-RE, so each side reads its own layout. */
#include "corpus.h"

#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))
#define __arg_trusted __attribute__((btf_decl_tag("arg:trusted")))
#define __arg_nullable __attribute__((btf_decl_tag("arg:nullable")))
#define __arg_nonnull __attribute__((btf_decl_tag("arg:nonnull")))

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

/* the same struct under a flavour name: the kernel finds task_struct */
struct task_struct___mine {
	int pid;
} __attribute__((preserve_access_index));

struct not_a_ctx {
	int x;
};

/* a raw tracepoint's context, described whole (a forward declaration is no struct) */
struct bpf_raw_tracepoint_args {
	__u64 args[0];
};

/* a side effect and a use of the argument, so that clang keeps the call and what it passes */
#define KEEP(arg) ((void)bpf_get_prandom_u32(), (arg) != 0)

extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

__noinline int g_task(struct task_struct *t __arg_trusted)
{
	return t->pid + t->tgid;
}

__noinline int g_task_nullable(struct task_struct *t __arg_trusted __arg_nullable)
{
	if (!t)
		return 0;
	return t->pid;
}

__noinline int g_task_nullable_unchecked(struct task_struct *t __arg_trusted __arg_nullable)
{
	return t->pid;
}

__noinline int g_task_nonnull(struct task_struct *t __arg_trusted __arg_nonnull)
{
	return KEEP(t);
}

__noinline int g_task_flavour(struct task_struct___mine *t __arg_trusted)
{
	return t->pid;
}

/* a reference taken and dropped inside the function itself */
__noinline int g_task_acquires(struct task_struct *t __arg_trusted)
{
	struct task_struct *own = bpf_task_acquire(t);

	if (!own)
		return 0;
	bpf_task_release(own);
	return 1;
}

/* releasing the caller's pointer, which the function holds no reference to */
__noinline int g_task_releases(struct task_struct *t __arg_trusted)
{
	bpf_task_release(t);
	return 0;
}

/* a trusted task from the helper */
SEC("tp_btf/task_newtask") int trusted_from_helper(void *ctx)
{
	return g_task(bpf_get_current_task_btf());
}
/* NULL for a trusted argument that is not nullable */
SEC("tp_btf/task_newtask") int trusted_null(void *ctx)
{
	return g_task((void *)0);
}
/* a referenced task that may be null, for a trusted argument that is not nullable */
SEC("tp_btf/task_newtask") int trusted_maybe_null(void *ctx)
{
	struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());
	int r;

	r = g_task(t);
	if (t)
		bpf_task_release(t);
	return r;
}
/* the same reference after its null check */
SEC("tp_btf/task_newtask") int trusted_checked_ref(void *ctx)
{
	struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());
	int r;

	if (!t)
		return 0;
	r = g_task(t);
	bpf_task_release(t);
	return r;
}
/* nullable: NULL, a trusted task and a maybe-null reference all pass */
SEC("tp_btf/task_newtask") int nullable_any(void *ctx)
{
	struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());
	int r = g_task_nullable((void *)0) + g_task_nullable(bpf_get_current_task_btf()) + g_task_nullable(t);

	if (t)
		bpf_task_release(t);
	return r;
}
/* nullable, but the function reads through it unchecked */
SEC("tp_btf/task_newtask") int nullable_unchecked(void *ctx)
{
	return g_task_nullable_unchecked(bpf_get_current_task_btf());
}
/* trusted and nonnull together */
SEC("tp_btf/task_newtask") int trusted_nonnull_tags(void *ctx)
{
	return g_task_nonnull(bpf_get_current_task_btf());
}
/* a flavour-named struct resolves to the kernel's task_struct */
SEC("tp_btf/task_newtask") int trusted_flavour(void *ctx)
{
	return g_task_flavour((void *)bpf_get_current_task_btf());
}
/* the function takes and drops its own reference */
SEC("tp_btf/task_newtask") int trusted_acquire_inside(void *ctx)
{
	return g_task_acquires(bpf_get_current_task_btf());
}
/* the function releases a pointer it holds no reference to */
SEC("tp_btf/task_newtask") int trusted_release_inside(void *ctx)
{
	return g_task_releases(bpf_get_current_task_btf());
}
/* a context pointer for a trusted task */
SEC("tp_btf/task_newtask") int trusted_wrong_type(void *ctx)
{
	return g_task(ctx);
}

/* -- dynptr arguments ------------------------------------------------------------------- */

__noinline int g_dynptr_read(struct bpf_dynptr *d)
{
	__u32 word = 0;

	bpf_dynptr_read(&word, sizeof(word), d, 0, 0);
	return word;
}

/* an initialised ring buffer dynptr, read by the function and then discarded */
SEC("socket") int dynptr_initialised(void *ctx)
{
	struct bpf_dynptr d;
	int r;

	bpf_ringbuf_reserve_dynptr(&rb, 16, 0, &d);
	bpf_dynptr_write(&d, 0, &(__u32){7}, 4, 0);
	r = g_dynptr_read(&d);
	bpf_ringbuf_discard_dynptr(&d, 0);
	return r;
}
/* a stack slot that holds no dynptr */
SEC("socket") int dynptr_uninitialised(void *ctx)
{
	struct bpf_dynptr d = {};

	return g_dynptr_read(&d);
}

/* -- context arguments by program type --------------------------------------------------- */

__noinline int g_u64_ctx(__u64 *ctx __arg_ctx)
{
	return KEEP(ctx);
}

__noinline int g_raw_tp_ctx(struct bpf_raw_tracepoint_args *ctx __arg_ctx)
{
	return KEEP(ctx->args[0]);
}

__noinline int g_other_ctx(struct not_a_ctx *ctx __arg_ctx)
{
	return KEEP(ctx);
}

__noinline int g_skb_ctx(struct __sk_buff *ctx __arg_ctx)
{
	return KEEP(ctx);
}

/* a struct named as kprobe's context typedef, the workaround of programs for old kernels */
struct bpf_user_pt_regs_t {};

__noinline int g_regs_struct(struct bpf_user_pt_regs_t *ctx)
{
	return KEEP(ctx);
}

/* without a tag, a struct bpf_user_pt_regs_t pointer is a kprobe's context */
SEC("kprobe/do_nanosleep") int ctx_kprobe_typedef_named_struct(void *ctx)
{
	return g_regs_struct(ctx);
}
/* ... and no socket filter's: it is memory the caller must pass */
SEC("socket") int ctx_socket_typedef_named_struct(struct __sk_buff *skb)
{
	return g_regs_struct((void *)skb);
}
/* a raw tracepoint's arguments as an array of u64 */
SEC("raw_tp/sys_enter") int ctx_raw_tp_u64(void *ctx)
{
	return g_u64_ctx(ctx);
}
/* a raw tracepoint's canonical context */
SEC("raw_tp/sys_enter") int ctx_raw_tp_canonical(void *ctx)
{
	return g_raw_tp_ctx(ctx);
}
/* a writable raw tracepoint's canonical context */
SEC("raw_tp.w/sys_enter") int ctx_raw_tp_writable(void *ctx)
{
	return g_raw_tp_ctx(ctx);
}
/* some other struct for a raw tracepoint's context */
SEC("raw_tp/sys_enter") int ctx_raw_tp_other(void *ctx)
{
	return g_other_ctx(ctx);
}
/* a tracepoint's context may be typed as anything */
SEC("tracepoint/syscalls/sys_enter_nanosleep") int ctx_tracepoint_any(void *ctx)
{
	return g_other_ctx(ctx);
}
/* a u64 array is no socket filter's context */
SEC("socket") int ctx_socket_u64(struct __sk_buff *skb)
{
	return g_u64_ctx((void *)skb);
}
/* a socket filter's canonical context */
SEC("socket") int ctx_socket_canonical(struct __sk_buff *skb)
{
	return g_skb_ctx(skb);
}
/* a tp_btf program's context as an array of u64 */
SEC("tp_btf/task_newtask") int ctx_tp_btf_u64(void *ctx)
{
	return g_u64_ctx(ctx);
}
/* some other struct for a tp_btf program's context: only void * would do */
SEC("tp_btf/task_newtask") int ctx_tp_btf_other(void *ctx)
{
	return g_other_ctx(ctx);
}
