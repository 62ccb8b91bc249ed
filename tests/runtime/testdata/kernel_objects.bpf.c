// Kernel objects programs reach through kfuncs and typed pointers: a tp_btf program walking
// the hrtimer pybpf's timers fire it with, objects allocated with bpf_obj_new, and the
// cgroups pybpf models (the root and the current task's).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

struct hrtimer_clock_base {
	int clockid;
} __attribute__((preserve_access_index));
struct hrtimer {
	struct hrtimer_clock_base *base;
} __attribute__((preserve_access_index));
struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));
struct cgroup {
	struct kernfs_node *kn;
	int level;
} __attribute__((preserve_access_index));

extern void *bpf_obj_new_impl(__u64 local_type_id__k, void *meta__ign) __ksym;
extern void bpf_obj_drop_impl(void *p__alloc, void *meta__ign) __ksym;
extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __ksym;
extern struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;

struct elem {
	struct bpf_timer t;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct elem);
} timers SEC(".maps");

struct blob {
	__u64 words[3];
};

int clockid = -1, timer_clock;
__u64 cgid, ancestor_id;
int level = -1, ancestor_level = -1, above;

static int cb(void *map, int *key, struct elem *v)
{
	return 0;
}

/* arm a timer on timer_clock: its hrtimer_start fires on_start */
SEC("syscall") int arm(void *ctx)
{
	struct elem *v = bpf_map_lookup_elem(&timers, &(int){0});

	if (!v || bpf_timer_init(&v->t, &timers, timer_clock) || bpf_timer_set_callback(&v->t, cb))
		return 1;
	return bpf_timer_start(&v->t, 1000, 0);
}

/* t->base->clockid: two walks through the hrtimer's BTF */
SEC("tp_btf/hrtimer_start") int on_start(unsigned long long *ctx)
{
	struct hrtimer *t = (struct hrtimer *)ctx[0];

	clockid = t->base->clockid;
	return 0;
}

/* n objects allocated and filled, summed, and dropped: the sum, or 9 when one is refused */
SEC("syscall") int objects(int *n)
{
	__u64 sum = 0;
	int i;

	bpf_for(i, 0, *n) {
		struct blob *b = bpf_obj_new_impl(bpf_core_type_id_local(struct blob), 0);

		if (!b)
			return 9;
		b->words[2] = i;
		sum += b->words[0] + b->words[2];
		bpf_obj_drop_impl(b, 0);
	}
	return sum;
}

/* the cgroup of id cgid: its level, and its ancestors at level 0 and one level above it */
SEC("syscall") int cgroup(void *ctx)
{
	struct cgroup *c = bpf_cgroup_from_id(cgid), *a;

	if (!c)
		return 1;
	level = c->level;
	a = bpf_cgroup_ancestor(c, 0);
	if (a) {
		ancestor_id = a->kn->id;
		ancestor_level = a->level;
		bpf_cgroup_release(a);
	}
	a = bpf_cgroup_ancestor(c, c->level + 1);
	above = a != 0;
	if (a)
		bpf_cgroup_release(a);
	bpf_cgroup_release(c);
	return 0;
}
