/* Loads through pointers typed by the kernel's BTF, judged against the running kernel's own
 * BTF (both sides; see HOST_BTF_FAMILIES): a tp_btf program's struct arguments are trusted
 * pointers, a load reads the member it lands on (a scalar, or a pointer to a struct for a
 * pointer member read whole), and loads beyond the struct, across a member's end, into part
 * of a pointer, through a negative or variable offset, and any store are refused. The raw
 * offsets are those of struct hrtimer (64 bytes: base at 48, function at 40, state at 56) and
 * struct hrtimer_clock_base (clockid at 12). Pointers read from plain members are neither
 * trusted nor RCU-protected; bpf_task_acquire (KF_RCU) takes trusted and RCU pointers only. */
#include "corpus.h"

#define WALK_CASE(name, body) ASM_CASE("tp_btf/hrtimer_start", name, "r1 = *(u64 *)(r1 + 0);" body)

/* t->base->clockid: two walks and a scalar */
WALK_CASE(base_clockid, "r1 = *(u64 *)(r1 + 48); r0 = *(u32 *)(r1 + 12); r0 = 0; exit;")
/* a narrow load inside a 64-bit member */
WALK_CASE(narrow_scalar, "r0 = *(u8 *)(r1 + 33); r0 = 0; exit;")
/* a member of a nested struct (node.expires) */
WALK_CASE(nested_member, "r0 = *(u64 *)(r1 + 24); r0 = 0; exit;")
/* a pointer inside a nested struct (node.node.rb_right), followed */
WALK_CASE(nested_pointer, "r1 = *(u64 *)(r1 + 8); r0 = *(u64 *)(r1 + 0); r0 = 0; exit;")
/* the last byte of the struct */
WALK_CASE(last_byte, "r0 = *(u8 *)(r1 + 63); r0 = 0; exit;")
/* one byte past the struct */
WALK_CASE(beyond_struct, "r0 = *(u8 *)(r1 + 64); r0 = 0; exit;")
/* far past the struct */
WALK_CASE(far_beyond_struct, "r0 = *(u64 *)(r1 + 4096); r0 = 0; exit;")
/* half of a pointer member */
WALK_CASE(half_pointer, "r0 = *(u32 *)(r1 + 48); r0 = 0; exit;")
/* a pointer-sized load into the middle of a pointer member */
WALK_CASE(misaligned_pointer, "r0 = *(u64 *)(r1 + 44); r0 = 0; exit;")
/* a 64-bit load from a u8 member runs past its end */
WALK_CASE(across_member_end, "r0 = *(u64 *)(r1 + 56); r0 = 0; exit;")
/* a 32-bit load over the four u8 flags */
WALK_CASE(over_small_members, "r0 = *(u32 *)(r1 + 56); r0 = 0; exit;")
/* a store through the trusted pointer */
WALK_CASE(store_reg, "r2 = 1; *(u8 *)(r1 + 56) = r2; r0 = 0; exit;")
/* a store of an immediate */
WALK_CASE(store_imm, "*(u32 *)(r1 + 56) = 0; r0 = 0; exit;")
/* an atomic add through it */
WALK_CASE(atomic_add, "r2 = 1; lock *(u64 *)(r1 + 32) += r2; r0 = 0; exit;")
/* a load below the struct */
WALK_CASE(negative_offset, "r1 += -8; r0 = *(u64 *)(r1 + 0); r0 = 0; exit;")
/* a constant moved into the struct, then read */
WALK_CASE(moved_pointer, "r1 += 48; r1 = *(u64 *)(r1 + 0); r0 = *(u32 *)(r1 + 12); r0 = 0; exit;")
/* a variable offset */
WALK_CASE(variable_offset, "r6 = r1; call %[bpf_get_prandom_u32]; r0 &= 7; r6 += r0; r0 = *(u8 *)(r6 + 0); r0 = 0; exit;")
/* the second walk beyond hrtimer_clock_base */
WALK_CASE(base_beyond, "r1 = *(u64 *)(r1 + 48); r0 = *(u64 *)(r1 + 64); r0 = 0; exit;")
/* a function pointer member (not a struct) followed */
WALK_CASE(function_pointer, "r1 = *(u64 *)(r1 + 40); r0 = *(u8 *)(r1 + 0); r0 = 0; exit;")
/* a function pointer member read as a number */
WALK_CASE(function_pointer_value, "r0 = *(u64 *)(r1 + 40); r0 = 0; exit;")
/* a walked pointer compared with NULL, then read */
WALK_CASE(walked_null_check, "r1 = *(u64 *)(r1 + 48); if r1 == 0 goto 1f; r0 = *(u32 *)(r1 + 8); 1: r0 = 0; exit;")

/* the second argument (enum hrtimer_mode) read as 32 bits */
ASM_CASE("tp_btf/hrtimer_start", arg_enum_u32, "r0 = *(u32 *)(r1 + 8); r0 = 0; exit;")
/* the first argument (a pointer) read as 32 bits */
ASM_CASE("tp_btf/hrtimer_start", arg_pointer_u32, "r0 = *(u32 *)(r1 + 0); r0 = 0; exit;")
/* an argument the tracepoint does not have */
ASM_CASE("tp_btf/hrtimer_start", arg_missing, "r0 = *(u64 *)(r1 + 24); r0 = 0; exit;")
/* an argument read at an offset not a multiple of 8 */
ASM_CASE("tp_btf/hrtimer_start", arg_misaligned, "r0 = *(u32 *)(r1 + 4); r0 = 0; exit;")
/* a store into the arguments */
ASM_CASE("tp_btf/hrtimer_start", arg_store, "r2 = 0; *(u64 *)(r1 + 8) = r2; r0 = 0; exit;")

struct task_struct {
	int pid;
	struct task_struct *real_parent;
	struct task_struct *parent;
	struct task_struct *group_leader;
	struct task_struct *last_wakee;
} __attribute__((preserve_access_index));

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

static __always_inline int take(struct task_struct *t)
{
	struct task_struct *got = bpf_task_acquire(t);

	if (!got)
		return 1;
	bpf_task_release(got);
	return 0;
}

/* the trusted argument of sched_switch acquired */
SEC("tp_btf/sched_switch") int acquire_arg(unsigned long long *ctx)
{
	return take((struct task_struct *)ctx[1]);
}
/* real_parent: an RCU-protected field in a non-sleepable program */
SEC("tp_btf/sched_switch") int acquire_real_parent(unsigned long long *ctx)
{
	return take(((struct task_struct *)ctx[1])->real_parent);
}
/* group_leader: RCU-protected too */
SEC("tp_btf/sched_switch") int acquire_group_leader(unsigned long long *ctx)
{
	return take(((struct task_struct *)ctx[2])->group_leader);
}
/* parent: a plain member, neither trusted nor RCU */
SEC("tp_btf/sched_switch") int acquire_parent(unsigned long long *ctx)
{
	return take(((struct task_struct *)ctx[1])->parent);
}
/* last_wakee: a plain member */
SEC("tp_btf/sched_switch") int acquire_last_wakee(unsigned long long *ctx)
{
	return take(((struct task_struct *)ctx[1])->last_wakee);
}
/* two RCU walks: real_parent->real_parent */
SEC("tp_btf/sched_switch") int acquire_grandparent(unsigned long long *ctx)
{
	return take(((struct task_struct *)ctx[1])->real_parent->real_parent);
}
/* a plain walk then an RCU field: parent->real_parent */
SEC("tp_btf/sched_switch") int acquire_after_plain(unsigned long long *ctx)
{
	return take(((struct task_struct *)ctx[1])->parent->real_parent);
}
/* a scalar of the walked pointer (pid) read through two walks */
SEC("tp_btf/sched_switch") int read_parent_pid(unsigned long long *ctx)
{
	return ((struct task_struct *)ctx[1])->real_parent->pid & 0;
}
/* the first argument (bool preempt) is a scalar: not a task */
SEC("tp_btf/sched_switch") int acquire_scalar_arg(unsigned long long *ctx)
{
	return take((struct task_struct *)ctx[0]);
}

struct cgroup {
	int level;
};
extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} task_store SEC(".maps");

/* a helper's task argument given the trusted tracepoint argument */
SEC("tp_btf/sched_switch") int storage_of_arg(unsigned long long *ctx)
{
	__u64 *v = bpf_task_storage_get(&task_store, (struct task_struct *)ctx[1], 0, 0);

	return v ? *v & 0 : 0;
}
/* a helper's task argument given a plain walked pointer */
SEC("tp_btf/sched_switch") int storage_of_parent(unsigned long long *ctx)
{
	__u64 *v = bpf_task_storage_get(&task_store, ((struct task_struct *)ctx[1])->parent, 0, 0);

	return v ? *v & 0 : 0;
}
/* a helper's task argument given NULL */
SEC("tp_btf/sched_switch") int storage_of_null(unsigned long long *ctx)
{
	__u64 *v = bpf_task_storage_get(&task_store, 0, 0, 0);

	return v ? *v & 0 : 0;
}
/* a helper's task argument given a cgroup */
SEC("tp_btf/sched_switch") int storage_of_cgroup(unsigned long long *ctx)
{
	struct cgroup *c = bpf_cgroup_from_id(1);
	__u64 *v;

	if (!c)
		return 0;
	v = bpf_task_storage_get(&task_store, (struct task_struct *)c, 0, 0);
	bpf_cgroup_release(c);
	return v ? *v & 0 : 0;
}
/* a helper's task argument given a scalar read from the task */
SEC("tp_btf/sched_switch") int storage_of_scalar(unsigned long long *ctx)
{
	__u64 *v = bpf_task_storage_get(&task_store, (struct task_struct *)(long)((struct task_struct *)ctx[1])->pid, 0, 0);

	return v ? *v & 0 : 0;
}
/* the current task (trusted) walked to its parent's pid */
SEC("tp_btf/sched_switch") int current_parent_pid(unsigned long long *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return t->real_parent->pid & 0;
}
/* the current task acquired */
SEC("tp_btf/sched_switch") int acquire_current(unsigned long long *ctx)
{
	return take(bpf_get_current_task_btf());
}
/* a trusted argument compared with NULL: the NULL branch is dead */
ASM_CASE("tp_btf/hrtimer_start", trusted_null_branch_dead,
	"r1 = *(u64 *)(r1 + 0); if r1 != 0 goto 1f; r0 = *(u64 *)(r1 + 0); 1: r0 = 0; exit;")
