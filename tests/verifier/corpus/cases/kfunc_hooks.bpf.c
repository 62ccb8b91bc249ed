/* Which program types may call a kfunc: types that share a kernel kfunc hook share its sets,
 * so tracepoint and perf_event programs call what tracing programs call; raw tracepoint
 * programs have no such hook. */
#include "corpus.h"

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

struct cgroup {
	int level;
} __attribute__((preserve_access_index));

extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;

static __always_inline int task_round_trip(void)
{
	struct task_struct *t = bpf_task_from_pid(1);

	if (t)
		bpf_task_release(t);
	return 0;
}

static __always_inline int cgroup_round_trip(void)
{
	struct cgroup *c = bpf_cgroup_from_id(1);

	if (c)
		bpf_cgroup_release(c);
	return 0;
}

/* a tracepoint program takes a task by pid */
SEC("tracepoint") int task_from_tracepoint(void *ctx)
{
	return task_round_trip();
}

/* a perf_event program takes a cgroup by id */
SEC("perf_event") int cgroup_from_perf_event(void *ctx)
{
	return cgroup_round_trip();
}

/* a raw tracepoint program may not */
SEC("raw_tp") int task_from_raw_tp(void *ctx)
{
	return task_round_trip();
}

/* nor may a kprobe program */
SEC("kprobe") int cgroup_from_kprobe(void *ctx)
{
	return cgroup_round_trip();
}
