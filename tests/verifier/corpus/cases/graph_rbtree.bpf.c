/* Red-black trees of allocated objects (bpf_rb_root/bpf_rb_node) and reference counts
 * (bpf_refcount): adding needs the lock and a less() callback returning 0 or 1, which runs
 * with the lock held; the leftmost node is a non-owning reference, removing needs one and
 * gives an owning reference back; a refcounted object may be linked and still owned. */
#include "graph.h"

struct tnode {
	__u64 key;
	struct bpf_rb_node rb;
};

struct rnode {
	struct bpf_rb_node rb;
	__u64 key;
	struct bpf_refcount ref;
	struct bpf_list_node ln;
};

in_section(T) struct bpf_spin_lock tlock;
in_section(T) struct bpf_rb_root troot __holds(tnode, rb);
in_section(R) struct bpf_spin_lock rlock;
in_section(R) struct bpf_rb_root rroot __holds(rnode, rb);
in_section(R) struct bpf_list_head rlist __holds(rnode, ln);

static bool less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct tnode *x = owner_of(a, struct tnode, rb), *y = owner_of(b, struct tnode, rb);

	return x->key < y->key;
}

static bool rless(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct rnode *x = owner_of(a, struct rnode, rb), *y = owner_of(b, struct rnode, rb);

	return x->key < y->key;
}

static bool less_two(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return 2;
}

static bool less_helper(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return bpf_get_prandom_u32() & 1;
}

static __always_inline int add_key(__u64 key)
{
	struct tnode *n = new_obj(struct tnode);

	if (!n)
		return -1;
	n->key = key;
	bpf_spin_lock(&tlock);
	rbtree_add(&troot, &n->rb, less);
	bpf_spin_unlock(&tlock);
	return 0;
}

/* three keys added out of order: the leftmost is the smallest, removed and dropped */
SEC("syscall") int add_first_remove(void *ctx)
{
	struct bpf_rb_node *r;
	struct tnode *n;
	__u64 k;

	if (add_key(30) || add_key(10) || add_key(20))
		return 99;
	bpf_spin_lock(&tlock);
	r = bpf_rbtree_first(&troot);
	if (!r) {
		bpf_spin_unlock(&tlock);
		return 98;
	}
	r = bpf_rbtree_remove(&troot, r);
	bpf_spin_unlock(&tlock);
	if (!r)
		return 97;
	n = owner_of(r, struct tnode, rb);
	k = n->key;
	drop_obj(n);
	return k;
}
/* the leftmost node of an empty tree is NULL */
SEC("syscall") int first_empty(void *ctx)
{
	struct bpf_rb_node *r;

	bpf_spin_lock(&tlock);
	r = bpf_rbtree_first(&troot);
	bpf_spin_unlock(&tlock);
	return r ? 1 : 6;
}
/* an add without the lock */
SEC("syscall") int add_unlocked(void *ctx)
{
	struct tnode *n = new_obj(struct tnode);

	if (!n)
		return 0;
	rbtree_add(&troot, &n->rb, less);
	return 0;
}
/* the leftmost node without the lock */
SEC("syscall") int first_unlocked(void *ctx)
{
	return bpf_rbtree_first(&troot) != 0;
}
/* the leftmost node read after the unlock */
SEC("syscall") int first_after_unlock(void *ctx)
{
	struct bpf_rb_node *r;

	bpf_spin_lock(&tlock);
	r = bpf_rbtree_first(&troot);
	bpf_spin_unlock(&tlock);
	if (!r)
		return 0;
	return owner_of(r, struct tnode, rb)->key;
}
/* an owned object removed */
SEC("syscall") int remove_owning(void *ctx)
{
	struct tnode *n = new_obj(struct tnode);
	struct bpf_rb_node *r;

	if (!n)
		return 0;
	bpf_spin_lock(&tlock);
	r = bpf_rbtree_remove(&troot, &n->rb);
	bpf_spin_unlock(&tlock);
	if (r)
		drop_obj(owner_of(r, struct tnode, rb));
	drop_obj(n);
	return 0;
}
/* a removed node never dropped */
SEC("syscall") int remove_leak(void *ctx)
{
	struct bpf_rb_node *r;

	bpf_spin_lock(&tlock);
	r = bpf_rbtree_first(&troot);
	if (r)
		r = bpf_rbtree_remove(&troot, r);
	bpf_spin_unlock(&tlock);
	return r != 0;
}
/* a less() returning 2 */
SEC("syscall") int less_returns_two(void *ctx)
{
	struct tnode *n = new_obj(struct tnode);

	if (!n)
		return 0;
	bpf_spin_lock(&tlock);
	rbtree_add(&troot, &n->rb, less_two);
	bpf_spin_unlock(&tlock);
	return 0;
}
/* a less() calling a helper (the lock is held) */
SEC("syscall") int less_calls_helper(void *ctx)
{
	struct tnode *n = new_obj(struct tnode);

	if (!n)
		return 0;
	bpf_spin_lock(&tlock);
	rbtree_add(&troot, &n->rb, less_helper);
	bpf_spin_unlock(&tlock);
	return 0;
}
/* an object of another struct added */
SEC("syscall") int add_wrong_type(void *ctx)
{
	struct rnode *n = new_obj(struct rnode);

	if (!n)
		return 0;
	bpf_spin_lock(&tlock);
	rbtree_add(&troot, &n->rb, less);
	bpf_spin_unlock(&tlock);
	return 0;
}
/* a node added, then read through its non-owning reference under the lock */
SEC("syscall") int add_then_read(void *ctx)
{
	struct tnode *n = new_obj(struct tnode);
	__u64 k;

	if (!n)
		return 0;
	n->key = 12;
	bpf_spin_lock(&tlock);
	rbtree_add(&troot, &n->rb, less);
	k = n->key;
	bpf_spin_unlock(&tlock);
	return k;
}
/* a refcounted object: a second reference taken, the object added, then read and dropped */
SEC("syscall") int refcount_add_keep(void *ctx)
{
	struct rnode *n = new_obj(struct rnode), *m;
	__u64 k;

	if (!n)
		return 0;
	n->key = 21;
	m = refcount_acquire(n);
	bpf_spin_lock(&rlock);
	rbtree_add(&rroot, &n->rb, rless);
	bpf_spin_unlock(&rlock);
	k = m->key;
	drop_obj(m);
	return k;
}
/* a refcounted object in a tree and a list at once */
SEC("syscall") int refcount_tree_and_list(void *ctx)
{
	struct rnode *n = new_obj(struct rnode), *m;
	struct bpf_list_node *l;
	__u64 k = 0;

	if (!n)
		return 0;
	n->key = 5;
	m = refcount_acquire(n);
	bpf_spin_lock(&rlock);
	rbtree_add(&rroot, &n->rb, rless);
	push_back(&rlist, &m->ln);
	l = bpf_list_pop_front(&rlist);
	bpf_spin_unlock(&rlock);
	if (l) {
		k = owner_of(l, struct rnode, ln)->key;
		drop_obj(owner_of(l, struct rnode, ln));
	}
	return k;
}
/* a reference taken on an object with no bpf_refcount */
SEC("syscall") int refcount_not_counted(void *ctx)
{
	struct tnode *n = new_obj(struct tnode), *m;

	if (!n)
		return 0;
	m = refcount_acquire(n);
	drop_obj(n);
	if (m)
		drop_obj(m);
	return 0;
}
/* a reference taken on a stack object */
SEC("syscall") int refcount_stack(void *ctx)
{
	struct rnode local = {};
	struct rnode *m = refcount_acquire(&local);

	if (m)
		drop_obj(m);
	return 0;
}
/* a second reference never dropped */
SEC("syscall") int refcount_leak(void *ctx)
{
	struct rnode *n = new_obj(struct rnode), *m;

	if (!n)
		return 0;
	m = refcount_acquire(n);
	drop_obj(n);
	return m != 0;
}
/* a reference taken from the leftmost node (non-owning) under the lock */
SEC("syscall") int refcount_from_first(void *ctx)
{
	struct rnode *n = new_obj(struct rnode), *m = 0;
	struct bpf_rb_node *r;
	__u64 k = 0;

	if (!n)
		return 0;
	n->key = 17;
	bpf_spin_lock(&rlock);
	rbtree_add(&rroot, &n->rb, rless);
	r = bpf_rbtree_first(&rroot);
	if (r)
		m = refcount_acquire(owner_of(r, struct rnode, rb));
	bpf_spin_unlock(&rlock);
	if (m) {
		k = m->key;
		drop_obj(m);
	}
	return k;
}
/* the less() callback given as a plain number */
SEC("syscall") int add_no_callback(void *ctx)
{
	struct tnode *n = new_obj(struct tnode);

	if (!n)
		return 0;
	bpf_spin_lock(&tlock);
	bpf_rbtree_add_impl(&troot, &n->rb, (void *)(long)(bpf_get_prandom_u32() & 0), 0, 0);
	bpf_spin_unlock(&tlock);
	return 0;
}
/* many keys: the leftmost is the smallest whatever the order of insertion */
SEC("syscall") int many_keys(void *ctx)
{
	static const __u64 keys[6] = {50, 7, 91, 3, 44, 60};
	struct bpf_rb_node *r;
	struct tnode *n;
	__u64 k;
	int i;

	for (i = 0; i < 6; i++)
		if (add_key(keys[i]))
			return 99;
	bpf_spin_lock(&tlock);
	r = bpf_rbtree_first(&troot);
	if (r)
		r = bpf_rbtree_remove(&troot, r);
	bpf_spin_unlock(&tlock);
	if (!r)
		return 98;
	n = owner_of(r, struct tnode, rb);
	k = n->key;
	drop_obj(n);
	bpf_spin_lock(&tlock);
	r = bpf_rbtree_first(&troot);
	k = k * 100 + (r ? owner_of(r, struct tnode, rb)->key : 0);
	bpf_spin_unlock(&tlock);
	return k;
}
/* a tree in a tc program */
SEC("tc") int tc_tree(struct __sk_buff *skb)
{
	return add_key(skb->len) ? 1 : 2;
}
