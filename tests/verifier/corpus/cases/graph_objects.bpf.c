/* Graphs inside allocated objects and arrays of roots: an object may hold its own lock and a
 * list of other objects (taken with the object's lock), roots may sit in arrays, tracing
 * programs may not reference maps holding roots, the less() callback may not take locks, and
 * pointers moved by a variable or possibly NULL are refused. */
#include "graph.h"

struct leaf {
	__u64 key;
	struct bpf_list_node node;
};

struct bag {
	struct bpf_spin_lock lock;
	struct bpf_list_head leaves __holds(leaf, node);
	__u64 n;
};

struct tleaf {
	__u64 key;
	struct bpf_rb_node rb;
	struct bpf_refcount ref;
};

struct kept {
	struct tleaf __kptr *t;
};

in_section(S) struct bpf_spin_lock slock;
in_section(S) struct bpf_list_head heads[2] __holds(leaf, node);
in_section(T) struct bpf_spin_lock tlock;
in_section(T) struct bpf_rb_root troot __holds(tleaf, rb);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kept);
} keeps SEC(".maps");

static bool tless(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return owner_of(a, struct tleaf, rb)->key < owner_of(b, struct tleaf, rb)->key;
}

static bool tless_locks(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	bpf_spin_unlock(&tlock);
	return 0;
}

/* a bag holds leaves under its own lock */
SEC("syscall") int bag_of_leaves(void *ctx)
{
	struct bag *b = new_obj(struct bag);
	struct leaf *l;
	struct bpf_list_node *n;
	__u64 k = 0;

	if (!b)
		return 99;
	l = new_obj(struct leaf);
	if (!l) {
		drop_obj(b);
		return 98;
	}
	l->key = 31;
	bpf_spin_lock(&b->lock);
	push_back(&b->leaves, &l->node);
	n = bpf_list_pop_front(&b->leaves);
	bpf_spin_unlock(&b->lock);
	if (n) {
		k = owner_of(n, struct leaf, node)->key;
		drop_obj(owner_of(n, struct leaf, node));
	}
	drop_obj(b);
	return k;
}
/* a bag dropped with a leaf still in it: the drop frees the leaf too */
SEC("syscall") int bag_dropped_full(void *ctx)
{
	struct bag *b = new_obj(struct bag);
	struct leaf *l;

	if (!b)
		return 99;
	l = new_obj(struct leaf);
	if (l) {
		bpf_spin_lock(&b->lock);
		push_back(&b->leaves, &l->node);
		bpf_spin_unlock(&b->lock);
	}
	drop_obj(b);
	return 4;
}
/* a bag's list taken under a global lock */
SEC("syscall") int bag_wrong_lock(void *ctx)
{
	struct bag *b = new_obj(struct bag);
	struct bpf_list_node *n;

	if (!b)
		return 0;
	bpf_spin_lock(&slock);
	n = bpf_list_pop_front(&b->leaves);
	bpf_spin_unlock(&slock);
	if (n)
		drop_obj(owner_of(n, struct leaf, node));
	drop_obj(b);
	return 0;
}
/* a lock taken beside the object's lock */
SEC("syscall") int bag_lock_misplaced(void *ctx)
{
	struct bag *b = new_obj(struct bag);

	if (!b)
		return 0;
	bpf_spin_lock((void *)&b->n);
	bpf_spin_unlock((void *)&b->n);
	drop_obj(b);
	return 0;
}
/* a leaf has no lock to take */
SEC("syscall") int leaf_has_no_lock(void *ctx)
{
	struct leaf *l = new_obj(struct leaf);

	if (!l)
		return 0;
	bpf_spin_lock((void *)l);
	bpf_spin_unlock((void *)l);
	drop_obj(l);
	return 0;
}
/* the second list of an array of heads */
SEC("syscall") int array_of_heads(void *ctx)
{
	struct leaf *l = new_obj(struct leaf);
	struct bpf_list_node *n;
	__u64 k = 0;

	if (!l)
		return 99;
	l->key = 12;
	bpf_spin_lock(&slock);
	push_front(&heads[1], &l->node);
	n = bpf_list_pop_back(&heads[1]);
	bpf_spin_unlock(&slock);
	if (n) {
		k = owner_of(n, struct leaf, node)->key;
		drop_obj(owner_of(n, struct leaf, node));
	}
	return k;
}
/* a node moved by a variable amount */
SEC("syscall") int node_variable_offset(void *ctx)
{
	struct leaf *l = new_obj(struct leaf);
	__u32 off = bpf_get_prandom_u32() & 8;

	if (!l)
		return 0;
	bpf_spin_lock(&slock);
	push_back(&heads[0], (void *)&l->node + off);
	bpf_spin_unlock(&slock);
	return 0;
}
/* a less() that unlocks */
SEC("syscall") int less_unlocks(void *ctx)
{
	struct tleaf *t = new_obj(struct tleaf);

	if (!t)
		return 0;
	bpf_spin_lock(&tlock);
	rbtree_add(&troot, &t->rb, tless_locks);
	bpf_spin_unlock(&tlock);
	return 0;
}
/* a removed node added back without a NULL check */
SEC("syscall") int add_unchecked(void *ctx)
{
	struct bpf_rb_node *r;

	bpf_spin_lock(&tlock);
	r = bpf_rbtree_first(&troot);
	if (r) {
		r = bpf_rbtree_remove(&troot, r);
		rbtree_add(&troot, r, tless);
	}
	bpf_spin_unlock(&tlock);
	return 0;
}
/* a reference taken on a refcounted kptr read in place */
SEC("syscall") int acquire_from_kptr(void *ctx)
{
	struct tleaf *t, *m, *old;
	struct kept *k;
	__u32 zero = 0;
	__u64 key = 0;

	k = bpf_map_lookup_elem(&keeps, &zero);
	if (!k)
		return 99;
	t = new_obj(struct tleaf);
	if (!t)
		return 98;
	t->key = 64;
	old = bpf_kptr_xchg(&k->t, t);
	if (old)
		drop_obj(old);
	t = k->t;
	if (!t)
		return 97;
	m = refcount_acquire(t);
	if (m) {
		key = m->key;
		drop_obj(m);
	}
	return key;
}
/* a reference taken on a maybe-NULL object */
SEC("syscall") int acquire_maybe_null(void *ctx)
{
	struct tleaf *t = new_obj(struct tleaf), *m;

	m = refcount_acquire(t);
	if (m)
		drop_obj(m);
	if (t)
		drop_obj(t);
	return 0;
}
/* a kprobe referencing a section that holds a list head */
SEC("kprobe/do_nanosleep") int kprobe_lists(void *ctx)
{
	bpf_spin_lock(&slock);
	bpf_spin_unlock(&slock);
	return (long)&heads[0] & 0;
}
