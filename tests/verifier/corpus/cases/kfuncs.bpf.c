/* Kfunc references and open-coded iterators: a kfunc marked acquire returns a reference the
 * program must release once with its release kfunc, NULL-checked first when it may be NULL;
 * an iterator lives in an 8-byte stack slot that new initialises, next reads and destroy ends,
 * and an iterator left alive is a leaked reference. */
#include "corpus.h"

/* a struct, not a forward declaration: libbpf finds a kfunc's prototype compatible only
 * when each pointer points to a struct, as the kernel's does */
struct task_struct {
	int pid;
};
extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

#define KF_IMMS                                                                                   \
	__imm(bpf_task_from_pid), __imm(bpf_task_acquire), __imm(bpf_task_release),               \
	__imm(bpf_iter_num_new),            \
	__imm(bpf_iter_num_next), __imm(bpf_iter_num_destroy), __imm(bpf_get_prandom_u32), __imm_addr(array), __imm(bpf_map_lookup_elem)

#define KF_CASE(sec, name, body)                                                                  \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: KF_IMMS : __clobber_all);                                   \
	}

#define FROM_PID "r1 = 1; call %[bpf_task_from_pid];"
#define ITER_NEW(off, lo, hi) "r1 = r10; r1 += " #off "; r2 = " #lo "; r3 = " #hi "; call %[bpf_iter_num_new];"
#define ITER_NEXT(off) "r1 = r10; r1 += " #off "; call %[bpf_iter_num_next];"
#define ITER_DESTROY(off) "r1 = r10; r1 += " #off "; call %[bpf_iter_num_destroy];"

/* a task by pid, checked and released */
SEC("syscall") int task_release_ok(void *ctx)
{
	struct task_struct *t = bpf_task_from_pid(1);

	if (!t)
		return 1;
	bpf_task_release(t);
	return 0;
}

/* a task by pid never released */
KF_CASE("syscall", task_leak, FROM_PID "if r0 == 0 goto 1f; r0 = 0; exit; 1: r0 = 1; exit;")
/* a task released without a NULL check */
KF_CASE("syscall", task_release_unchecked, FROM_PID "r1 = r0; call %[bpf_task_release]; r0 = 0; exit;")
/* a task released twice */
KF_CASE("syscall", task_release_twice, FROM_PID "if r0 == 0 goto 1f; r6 = r0; r1 = r0; call %[bpf_task_release];"
	"r1 = r6; call %[bpf_task_release]; 1: r0 = 0; exit;")
/* a task read after its release */
KF_CASE("syscall", task_use_after_release, FROM_PID "if r0 == 0 goto 1f; r6 = r0; r1 = r0; call %[bpf_task_release];"
	"r1 = r6; call %[bpf_task_acquire]; 1: r0 = 0; exit;")
/* a released task's pointer moved first */
KF_CASE("syscall", task_release_moved, FROM_PID "if r0 == 0 goto 1f; r1 = r0; r1 += 8; call %[bpf_task_release]; 1: r0 = 0; exit;")
/* a scalar released as a task */
KF_CASE("syscall", task_release_scalar, "r1 = 0; call %[bpf_task_release]; r0 = 0; exit;")
/* a stack pointer released as a task */
KF_CASE("syscall", task_release_stack, "r1 = r10; r1 += -8; call %[bpf_task_release]; r0 = 0; exit;")
/* a second reference on a task: both released */
KF_CASE("syscall", task_acquire_both, FROM_PID "if r0 == 0 goto 1f; r6 = r0; r1 = r0; call %[bpf_task_acquire];"
	"if r0 == 0 goto 2f; r1 = r0; call %[bpf_task_release]; 2: r1 = r6; call %[bpf_task_release]; 1: r0 = 0; exit;")
/* a second reference on a task leaked */
KF_CASE("syscall", task_acquire_leak, FROM_PID "if r0 == 0 goto 1f; r6 = r0; r1 = r0; call %[bpf_task_acquire];"
	"r1 = r6; call %[bpf_task_release]; 1: r0 = 0; exit;")
/* bpf_task_acquire of a task that may be NULL */
KF_CASE("syscall", task_acquire_unchecked, FROM_PID "r6 = r0; r1 = r0; call %[bpf_task_acquire]; r0 = 0; exit;")
/* a second reference on a task, in C */
SEC("syscall") int task_acquire_c(void *ctx)
{
	struct task_struct *t = bpf_task_from_pid(1), *t2;

	if (!t)
		return 1;
	t2 = bpf_task_acquire(t);
	if (t2)
		bpf_task_release(t2);
	bpf_task_release(t);
	return 0;
}
/* a task by pid in a socket filter (not offered there) */
KF_CASE("socket", task_in_socket_filter, FROM_PID "if r0 == 0 goto 1f; r1 = r0; call %[bpf_task_release]; 1: r0 = 0; exit;")
/* a task by pid in tc */
KF_CASE("tc", task_in_tc, FROM_PID "if r0 == 0 goto 1f; r1 = r0; call %[bpf_task_release]; 1: r0 = 0; exit;")

/* a bpf_for loop summing 0..9 */
SEC("syscall") int iter_sum(void *ctx)
{
	int i, sum = 0;

	bpf_for(i, 0, 10)
		sum += i;
	return sum;
}

/* bpf_repeat */
SEC("socket") int iter_repeat(void *ctx)
{
	int n = 0;

	bpf_repeat(5)
		n++;
	return n;
}

/* new, next, destroy by hand */
KF_CASE("syscall", iter_by_hand, ITER_NEW(-8, 0, 3) ITER_NEXT(-8) ITER_DESTROY(-8) "r0 = 0; exit;")
/* an iterator never destroyed */
KF_CASE("syscall", iter_leak, ITER_NEW(-8, 0, 3) ITER_NEXT(-8) "r0 = 0; exit;")
/* next on an iterator never made */
KF_CASE("syscall", iter_next_uninit, ITER_NEXT(-8) "r0 = 0; exit;")
/* destroy of an iterator never made */
KF_CASE("syscall", iter_destroy_uninit, ITER_DESTROY(-8) "r0 = 0; exit;")
/* an iterator made twice in the same slot */
KF_CASE("syscall", iter_new_twice, ITER_NEW(-8, 0, 3) ITER_NEW(-8, 0, 3) ITER_DESTROY(-8) "r0 = 0; exit;")
/* an iterator destroyed twice */
KF_CASE("syscall", iter_destroy_twice, ITER_NEW(-8, 0, 3) ITER_DESTROY(-8) ITER_DESTROY(-8) "r0 = 0; exit;")
/* next after destroy */
KF_CASE("syscall", iter_next_after_destroy, ITER_NEW(-8, 0, 3) ITER_DESTROY(-8) ITER_NEXT(-8) "r0 = 0; exit;")
/* an iterator slot not 8-aligned */
KF_CASE("syscall", iter_misaligned, ITER_NEW(-12, 0, 3) ITER_DESTROY(-12) "r0 = 0; exit;")
/* an iterator overwritten by a store */
KF_CASE("syscall", iter_overwritten, ITER_NEW(-8, 0, 3) "r1 = 0; *(u64 *)(r10 - 8) = r1;" ITER_DESTROY(-8) "r0 = 0; exit;")
/* an iterator read as a number */
KF_CASE("syscall", iter_read, ITER_NEW(-8, 0, 3) "r6 = *(u64 *)(r10 - 8);" ITER_DESTROY(-8) "r0 = 0; exit;")
/* next's result read without a NULL check */
KF_CASE("syscall", iter_next_unchecked, ITER_NEW(-8, 0, 3) ITER_NEXT(-8) "r6 = *(u32 *)(r0 + 0);" ITER_DESTROY(-8) "r0 = 0; exit;")
/* next's result read after the check */
KF_CASE("syscall", iter_next_checked, ITER_NEW(-8, 0, 3) ITER_NEXT(-8) "if r0 == 0 goto 1f; r6 = *(u32 *)(r0 + 0); 1:"
	ITER_DESTROY(-8) "r0 = 0; exit;")
/* next's result read past its 4 bytes */
KF_CASE("syscall", iter_next_past, ITER_NEW(-8, 0, 3) ITER_NEXT(-8) "if r0 == 0 goto 1f; r6 = *(u32 *)(r0 + 4); 1:"
	ITER_DESTROY(-8) "r0 = 0; exit;")
/* an iterator given a map value */
KF_CASE("syscall", iter_in_map_value, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[array] ll;"
	"call %[bpf_map_lookup_elem]; if r0 == 0 goto 1f; r1 = r0; r2 = 0; r3 = 3; call %[bpf_iter_num_new]; 1: r0 = 0; exit;")
/* an iterator in a program without BTF iteration limits: a loop of next calls */
KF_CASE("socket", iter_loop_asm, ITER_NEW(-8, 0, 100) "1:" ITER_NEXT(-8) "if r0 != 0 goto 1b;" ITER_DESTROY(-8) "r0 = 0; exit;")

/* the current task is trusted but not a reference: it cannot be released */
SEC("syscall") int current_released(void *ctx)
{
	bpf_task_release(bpf_get_current_task_btf());
	return 0;
}

/* a reference taken on the current task */
SEC("syscall") int current_acquired(void *ctx)
{
	struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());

	if (t)
		bpf_task_release(t);
	return 0;
}

/* an acquired task read before its NULL check */
SEC("syscall") int acquired_read_unchecked(void *ctx)
{
	struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());
	int pid = t->pid;

	if (t)
		bpf_task_release(t);
	return pid;
}

/* the same in a BTF tracepoint program */
SEC("tp_btf/sys_enter") int tp_current_released(void *ctx)
{
	bpf_task_release(bpf_get_current_task_btf());
	return 0;
}
