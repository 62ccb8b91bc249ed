/* The ways out of a program and what they must give back first: BPF_EXIT, bpf_throw (which
 * unwinds every frame at once), tail calls; the non-preemptible sections of
 * bpf_preempt_disable, which nest; where bpf_throw may stand (never under a callback) and the
 * exception callback a program names by a declaration tag. */
#include "corpus.h"
#include "prog_array.h"

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

extern void bpf_preempt_disable(void) __ksym;
extern void bpf_preempt_enable(void) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern void bpf_throw(__u64 cookie) __ksym;
extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

#define EXCEPTION_CB(name) __attribute__((btf_decl_tag("exception_callback:" #name)))

/* sections opened and closed in pairs, nested two deep: fine */
SEC("tc") int preempt_nested_pairs(struct __sk_buff *skb)
{
	bpf_preempt_disable();
	bpf_preempt_disable();
	bpf_preempt_enable();
	bpf_preempt_enable();
	return 1;
}

/* one section left open at exit */
SEC("tc") int preempt_open_at_exit(struct __sk_buff *skb)
{
	bpf_preempt_disable();
	return 0;
}

/* two opened, one closed: still open at exit */
SEC("tc") int preempt_one_of_two_closed(struct __sk_buff *skb)
{
	bpf_preempt_disable();
	bpf_preempt_disable();
	bpf_preempt_enable();
	return 0;
}

/* closing a section never opened */
SEC("tc") int preempt_enable_unmatched(struct __sk_buff *skb)
{
	bpf_preempt_enable();
	return 0;
}

/* a section opened on one branch only: the other path has nothing to close */
SEC("tc") int preempt_enable_on_one_branch(struct __sk_buff *skb)
{
	if (skb->len > 10)
		bpf_preempt_disable();
	bpf_preempt_enable();
	return 0;
}

static __noinline int open_section(void)
{
	bpf_preempt_disable();
	return 0;
}

/* a static subprogram may open the section its caller closes */
SEC("tc") int preempt_opened_in_subprog(struct __sk_buff *skb)
{
	open_section();
	bpf_preempt_enable();
	return 2;
}

/* a tail call inside the section */
SEC("tc") int preempt_tail_call(struct __sk_buff *skb)
{
	bpf_preempt_disable();
	bpf_tail_call(skb, &progs, 0);
	bpf_preempt_enable();
	return 0;
}

/* a tail call after the section closed */
SEC("tc") int preempt_tail_call_after(struct __sk_buff *skb)
{
	bpf_preempt_disable();
	bpf_preempt_enable();
	bpf_tail_call(skb, &progs, 0);
	return 3;
}

/* a tail call inside an RCU read-side section */
SEC("tc") int rcu_tail_call(struct __sk_buff *skb)
{
	bpf_rcu_read_lock();
	bpf_tail_call(skb, &progs, 0);
	bpf_rcu_read_unlock();
	return 0;
}

/* a packet load by LD_ABS inside the section */
SEC("socket") __naked int preempt_ld_abs(void)
{
	asm volatile("r6 = r1; call %[bpf_preempt_disable]; r0 = *(u8 *)skb[0]; call %[bpf_preempt_enable];"
		     "r0 = 0; exit;" :: __imm(bpf_preempt_disable), __imm(bpf_preempt_enable) : __clobber_all);
}

/* a sleepable helper inside the section, in a sleepable program */
SEC("syscall") int preempt_sleepable_helper(void *ctx)
{
	char buf[8];

	bpf_preempt_disable();
	bpf_copy_from_user(buf, sizeof(buf), 0);
	bpf_preempt_enable();
	return 0;
}

/* a throw on a path the test run never takes, nothing held: fine, the path ends there */
SEC("tc") int throw_nothing_held(struct __sk_buff *skb)
{
	if (skb->len > 4000)
		bpf_throw(1);
	return 4;
}

/* code after a throw is never reached: its uninitialised read does not matter */
SEC("tc") __naked int throw_ends_the_path(void)
{
	asm volatile("r1 = 0; call %[bpf_throw]; r0 = r5; exit;" :: __imm(bpf_throw) : __clobber_all);
}

/* a throw the test run takes: the program returns its cookie */
SEC("tc") int throw_taken(struct __sk_buff *skb)
{
	if (skb->len < 4000)
		bpf_throw(7);
	return 4;
}

static __noinline int throw_small(int len)
{
	if (len < 4000)
		bpf_throw(9);
	return len;
}

/* a throw two frames deep the test run takes: both frames unwind */
SEC("tc") int throw_taken_below(struct __sk_buff *skb)
{
	throw_small(skb->len);
	return 5;
}

/* a throw while holding a task reference */
SEC("tc") int throw_holding_reference(struct __sk_buff *skb)
{
	struct task_struct *t = bpf_task_from_pid(1);

	if (!t)
		return 0;
	if (skb->len > 4000)
		bpf_throw(1);
	bpf_task_release(t);
	return 0;
}

static __noinline int throw_below(int len)
{
	if (len > 4000)
		bpf_throw(2);
	return 0;
}

/* a throw from a subprogram while its caller holds a reference: every frame unwinds */
SEC("tc") int throw_below_reference(struct __sk_buff *skb)
{
	struct task_struct *t = bpf_task_from_pid(1);

	if (!t)
		return 0;
	throw_below(skb->len);
	bpf_task_release(t);
	return 0;
}

/* a throw inside an RCU read-side section */
SEC("tc") int throw_in_rcu(struct __sk_buff *skb)
{
	bpf_rcu_read_lock();
	if (skb->len > 4000)
		bpf_throw(1);
	bpf_rcu_read_unlock();
	return 0;
}

/* a throw from a subprogram called inside a non-preemptible section */
SEC("tc") int throw_below_preempt(struct __sk_buff *skb)
{
	bpf_preempt_disable();
	throw_below(skb->len);
	bpf_preempt_enable();
	return 0;
}

static long loop_body(__u64 index, void *data)
{
	if (index > 4000)
		bpf_throw(3);
	return 0;
}

/* a throw in a bpf_loop callback */
SEC("tc") int throw_in_loop_callback(struct __sk_buff *skb)
{
	bpf_loop(2, loop_body, 0, 0);
	return 0;
}

static long loop_calls_thrower(__u64 index, void *data)
{
	throw_below(index);
	return 0;
}

/* a throw in a subprogram a bpf_loop callback calls */
SEC("tc") int throw_below_loop_callback(struct __sk_buff *skb)
{
	bpf_loop(2, loop_calls_thrower, 0, 0);
	return 0;
}

__noinline int handler(__u64 cookie)
{
	return cookie + 1;
}

/* an exception callback named by a tag only: libbpf leaves it out of the program */
SEC("tc") EXCEPTION_CB(handler) int exception_cb_not_in_program(struct __sk_buff *skb)
{
	if (skb->len > 4000)
		bpf_throw(1);
	return 0;
}

/* an exception callback the program also calls directly */
SEC("tc") EXCEPTION_CB(handler) int exception_cb_called(struct __sk_buff *skb)
{
	return handler(skb->len);
}

/* two exception callback tags */
SEC("tc") EXCEPTION_CB(handler) EXCEPTION_CB(other) int exception_cb_twice(struct __sk_buff *skb)
{
	return 0;
}

/* a tag naming no function */
SEC("tc") EXCEPTION_CB(no_such_function) int exception_cb_missing(struct __sk_buff *skb)
{
	return 0;
}

static __noinline int static_handler(__u64 cookie)
{
	return 0;
}

/* a tag naming a static function */
SEC("tc") EXCEPTION_CB(static_handler) int exception_cb_static(struct __sk_buff *skb)
{
	return static_handler(skb->len);
}
