/* Kernel pointers kfuncs return, and the trust rules around them, in programs that run here
 * (syscall programs are sleepable: outside bpf_rcu_read_lock() a pointer read from a task is
 * untrusted). Tasks by pid and cgroups by id are checked and released; fields are read through
 * CO-RE (so each side reads its own layout); RCU sections do not nest, must be closed, and
 * closing one makes the RCU pointers read inside it untrusted; release kfuncs take only
 * referenced pointers of their own struct; ctx arguments must be the context. */
#include "corpus.h"
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
} __attribute__((preserve_access_index));

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup {
	struct kernfs_node *kn;
	int level;
} __attribute__((preserve_access_index));

extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __ksym;
extern struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp) __ksym;
extern struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern int bpf_dynptr_from_skb(struct __sk_buff *s, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;

static __always_inline struct task_struct *me(void)
{
	return bpf_task_from_pid(bpf_get_current_pid_tgid() >> 32);
}

/* the calling task by pid: its pid and tgid read through the reference */
SEC("syscall") int task_fields(void *ctx)
{
	struct task_struct *t = me();
	int ok;

	if (!t)
		return 9;
	ok = t->tgid == (bpf_get_current_pid_tgid() >> 32) && t->pid > 0;
	bpf_task_release(t);
	return ok;
}
/* a store into the task */
SEC("syscall") int task_store(void *ctx)
{
	struct task_struct *t = me();

	if (!t)
		return 9;
	t->pid = 1;
	bpf_task_release(t);
	return 0;
}
/* real_parent read outside an RCU section of a sleepable program, then acquired */
SEC("syscall") int parent_outside_rcu(void *ctx)
{
	struct task_struct *t = me(), *p;

	if (!t)
		return 9;
	p = bpf_task_acquire(t->real_parent);
	if (p)
		bpf_task_release(p);
	bpf_task_release(t);
	return 0;
}
/* real_parent read inside an RCU section: an RCU pointer bpf_task_acquire takes */
SEC("syscall") int parent_inside_rcu(void *ctx)
{
	struct task_struct *t = me(), *p;
	int ok = 0;

	if (!t)
		return 9;
	bpf_rcu_read_lock();
	p = bpf_task_acquire(t->real_parent);
	bpf_rcu_read_unlock();
	if (p) {
		ok = p->pid >= 0;
		bpf_task_release(p);
	}
	bpf_task_release(t);
	return ok;
}
/* an RCU pointer kept past the end of its section */
SEC("syscall") int parent_after_unlock(void *ctx)
{
	struct task_struct *t = me(), *p, *q;

	if (!t)
		return 9;
	bpf_rcu_read_lock();
	p = t->real_parent;
	bpf_rcu_read_unlock();
	q = bpf_task_acquire(p);
	if (q)
		bpf_task_release(q);
	bpf_task_release(t);
	return 0;
}
/* an RCU pointer read after its section (a plain load stays allowed) */
SEC("syscall") int parent_read_after_unlock(void *ctx)
{
	struct task_struct *t = me(), *p;
	int pid;

	if (!t)
		return 9;
	bpf_rcu_read_lock();
	p = t->real_parent;
	bpf_rcu_read_unlock();
	pid = p->pid;
	bpf_task_release(t);
	return pid > 0;
}
/* an RCU pointer released as if it were a reference */
SEC("syscall") int release_rcu_pointer(void *ctx)
{
	struct task_struct *t = me();

	if (!t)
		return 9;
	bpf_rcu_read_lock();
	bpf_task_release(t->real_parent);
	bpf_rcu_read_unlock();
	bpf_task_release(t);
	return 0;
}
/* two RCU sections, one after the other */
SEC("syscall") int rcu_twice(void *ctx)
{
	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	return 1;
}
/* an RCU section opened inside another */
SEC("syscall") int rcu_nested(void *ctx)
{
	bpf_rcu_read_lock();
	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	bpf_rcu_read_unlock();
	return 0;
}
/* an RCU section closed twice */
SEC("syscall") int rcu_unlock_twice(void *ctx)
{
	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	bpf_rcu_read_unlock();
	return 0;
}
/* an RCU section left open at exit */
SEC("syscall") int rcu_left_open(void *ctx)
{
	bpf_rcu_read_lock();
	return 0;
}
/* an RCU section opened on one path only */
SEC("syscall") int rcu_one_path(void *ctx)
{
	if (bpf_get_prandom_u32() & 1)
		bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	return 0;
}
/* the root cgroup by id: its level and kernfs id */
SEC("syscall") int cgroup_root(void *ctx)
{
	struct cgroup *c = bpf_cgroup_from_id(1);
	int ok;

	if (!c)
		return 9;
	ok = c->level == 0 && c->kn->id == 1;
	bpf_cgroup_release(c);
	return ok;
}
/* a cgroup id that does not exist */
SEC("syscall") int cgroup_missing(void *ctx)
{
	struct cgroup *c = bpf_cgroup_from_id(0x7fffffffffffULL);

	if (!c)
		return 7;
	bpf_cgroup_release(c);
	return 0;
}
/* the root's ancestor at level 0 is the root; none at level 1 */
SEC("syscall") int cgroup_ancestors(void *ctx)
{
	struct cgroup *c = bpf_cgroup_from_id(1), *a, *b;
	int ok = 0;

	if (!c)
		return 9;
	a = bpf_cgroup_ancestor(c, 0);
	b = bpf_cgroup_ancestor(c, 1);
	if (a) {
		ok = a->kn->id == 1;
		bpf_cgroup_release(a);
	}
	if (b) {
		ok = 0;
		bpf_cgroup_release(b);
	}
	bpf_cgroup_release(c);
	return ok;
}
/* a second reference on a cgroup, both released */
SEC("syscall") int cgroup_acquire(void *ctx)
{
	struct cgroup *c = bpf_cgroup_from_id(1), *d;

	if (!c)
		return 9;
	d = bpf_cgroup_acquire(c);
	if (d)
		bpf_cgroup_release(d);
	bpf_cgroup_release(c);
	return 1;
}
/* a cgroup never released */
SEC("syscall") int cgroup_leak(void *ctx)
{
	struct cgroup *c = bpf_cgroup_from_id(1);

	return c != 0;
}
/* a cgroup released as a task */
SEC("syscall") int cgroup_as_task(void *ctx)
{
	struct cgroup *c = bpf_cgroup_from_id(1);

	if (!c)
		return 9;
	bpf_task_release((struct task_struct *)c);
	return 0;
}
/* a task given to bpf_cgroup_acquire */
SEC("syscall") int task_as_cgroup(void *ctx)
{
	struct task_struct *t = me();
	struct cgroup *c;

	if (!t)
		return 9;
	c = bpf_cgroup_acquire((struct cgroup *)t);
	if (c)
		bpf_cgroup_release(c);
	bpf_task_release(t);
	return 0;
}
/* the kfunc's ctx argument given a stack pointer */
SEC("tc") int dynptr_from_stack(struct __sk_buff *skb)
{
	struct bpf_dynptr d;
	char buf[8] = {};

	bpf_dynptr_from_skb((struct __sk_buff *)buf, 0, &d);
	return 0;
}
/* the kfunc's ctx argument given the context */
SEC("tc") int dynptr_from_ctx(struct __sk_buff *skb)
{
	struct bpf_dynptr d;

	return bpf_dynptr_from_skb(skb, 0, &d);
}

extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt,
			      __u32 buffer__szk) __ksym;

/* a slice of the packet, read while its dynptr lives: the first byte of the packet */
SEC("tc") int dynptr_slice_read(struct __sk_buff *skb)
{
	struct bpf_dynptr d;
	__u8 buf[4], *p;

	bpf_dynptr_from_skb(skb, 0, &d);
	p = bpf_dynptr_slice(&d, 0, buf, sizeof(buf));
	return p ? *p : 9;
}
/* read after a store destroyed the dynptr: a read-only slice is not among the pointers the
 * kernel invalidates then (it matches the type PTR_TO_MEM exactly) */
SEC("tc") int dynptr_slice_after_overwrite(struct __sk_buff *skb)
{
	struct bpf_dynptr d;
	__u8 buf[4], *p;

	bpf_dynptr_from_skb(skb, 0, &d);
	p = bpf_dynptr_slice(&d, 0, buf, sizeof(buf));
	if (!p)
		return 9;
	*(volatile __u64 *)&d = 0;
	return *p;
}

extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k) __ksym;

/* a task cast read-only to task_struct and read */
SEC("syscall") int rdonly_cast_task(void *ctx)
{
	struct task_struct *t = me(), *c;
	int ok;

	if (!t)
		return 9;
	c = bpf_rdonly_cast(t, bpf_core_type_id_kernel(struct task_struct));
	ok = c->tgid == (bpf_get_current_pid_tgid() >> 32);
	bpf_task_release(t);
	return ok;
}
/* a store through a read-only cast */
SEC("syscall") int rdonly_cast_store(void *ctx)
{
	struct task_struct *t = me(), *c;

	if (!t)
		return 9;
	c = bpf_rdonly_cast(t, bpf_core_type_id_kernel(struct task_struct));
	c->pid = 0;
	bpf_task_release(t);
	return 0;
}
/* a read-only cast to an integer type */
SEC("syscall") int rdonly_cast_int(void *ctx)
{
	int *c = bpf_rdonly_cast(ctx, bpf_core_type_id_kernel(int));

	return *c & 0;
}
/* a read-only cast passed where a trusted task is wanted */
SEC("syscall") int rdonly_cast_acquire(void *ctx)
{
	struct task_struct *t = me(), *c, *a;

	if (!t)
		return 9;
	c = bpf_rdonly_cast(t, bpf_core_type_id_kernel(struct task_struct));
	a = bpf_task_acquire(c);
	if (a)
		bpf_task_release(a);
	bpf_task_release(t);
	return 0;
}
