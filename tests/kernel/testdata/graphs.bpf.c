// Lists, red-black trees and kptrs of allocated objects, run on both sides: objects pushed in
// one run and popped in a later one, a tree ordered by a less() callback, an object stashed in
// a map value's kptr across runs, and a hash element whose deletion drops the list it holds.
// What each run saw is kept in .bss for the runner to compare.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

extern void *bpf_obj_new_impl(__u64 local_type_id__k, void *meta__ign) __ksym;
extern void bpf_obj_drop_impl(void *p__alloc, void *meta__ign) __ksym;
extern int bpf_list_push_back_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				   void *meta__ign, __u64 off) __ksym;
extern struct bpf_list_node *bpf_list_pop_front(struct bpf_list_head *head) __ksym;
extern int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			       bool (less)(struct bpf_rb_node *a, const struct bpf_rb_node *b),
			       void *meta__ign, __u64 off) __ksym;
extern struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root) __ksym;
extern struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root, struct bpf_rb_node *node) __ksym;

#define HOLDS(type, member) __attribute__((btf_decl_tag("contains:" #type ":" #member)))
#define GUARDED(name) SEC(".data." #name) __attribute__((visibility("hidden"), aligned(8)))
#define KPTR __attribute__((btf_type_tag("kptr")))
#define NEW(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), 0))
#define OWNER(ptr, type, member) ((type *)((void *)(ptr) - __builtin_offsetof(type, member)))

struct entry {
	__u64 value;
	struct bpf_list_node link;
};

struct ranked {
	struct bpf_rb_node rb;
	__u64 rank;
};

struct holder {
	struct bpf_spin_lock lock;
	struct bpf_list_head items HOLDS(entry, link);
};

struct box {
	__u64 tag;
	struct entry KPTR *kept;
};

GUARDED(tree) struct bpf_spin_lock tree_lock;
GUARDED(tree) struct bpf_rb_root tree HOLDS(ranked, rb);

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, __u32);
	 __type(value, struct holder); } holders SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32);
	 __type(value, struct box); } boxes SEC(".maps");

__u64 next_value = 1, popped_sum, popped_count, ranks[4], unstashed;

// push the next value onto holder 7's list (made on first use)
SEC("syscall")
int push(void *ctx)
{
	struct holder zero = {}, *h;
	struct entry *e;
	__u32 key = 7;

	h = bpf_map_lookup_elem(&holders, &key);
	if (!h) {
		bpf_map_update_elem(&holders, &key, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&holders, &key);
		if (!h)
			return 1;
	}
	e = NEW(struct entry);
	if (!e)
		return 2;
	e->value = next_value++;
	bpf_spin_lock(&h->lock);
	bpf_list_push_back_impl(&h->items, &e->link, 0, 0);
	bpf_spin_unlock(&h->lock);
	return 0;
}

// pop one value from holder 7's list, NULL when empty (or when the element is gone)
SEC("syscall")
int pop(void *ctx)
{
	struct bpf_list_node *n;
	struct holder *h;
	struct entry *e;
	__u32 key = 7;
	__u64 v;

	h = bpf_map_lookup_elem(&holders, &key);
	if (!h)
		return 100;
	bpf_spin_lock(&h->lock);
	n = bpf_list_pop_front(&h->items);
	bpf_spin_unlock(&h->lock);
	if (!n)
		return 101;
	e = OWNER(n, struct entry, link);
	v = e->value;
	bpf_obj_drop_impl(e, 0);
	popped_sum += v;
	popped_count++;
	return v;
}

static bool by_rank(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return OWNER(a, struct ranked, rb)->rank < OWNER(b, struct ranked, rb)->rank;
}

// add the packet's length, with its low bits scrambled, to the tree; take the smallest out
// every other run and note it
SEC("tc")
int rank(struct __sk_buff *skb)
{
	static __u64 runs;
	struct bpf_rb_node *r = 0;
	struct ranked *x = NEW(struct ranked);
	__u64 n = runs++;

	if (!x)
		return 1;
	x->rank = (skb->len * 7919 + n * 104729) % 1000;
	bpf_spin_lock(&tree_lock);
	bpf_rbtree_add_impl(&tree, &x->rb, by_rank, 0, 0);
	if (n & 1) {
		r = bpf_rbtree_first(&tree);
		if (r)
			r = bpf_rbtree_remove(&tree, r);
	}
	bpf_spin_unlock(&tree_lock);
	if (r) {
		x = OWNER(r, struct ranked, rb);
		ranks[n / 2 & 3] = x->rank;
		bpf_obj_drop_impl(x, 0);
	}
	return 0;
}

// stash an entry in the box (the one it held is dropped), or take it out when the ctx says so
SEC("syscall")
int stash(__u64 *ctx)
{
	struct entry *e = 0, *old;
	struct box *b;
	__u32 key = 0;

	b = bpf_map_lookup_elem(&boxes, &key);
	if (!b)
		return 1;
	if (!ctx[0]) {
		e = NEW(struct entry);
		if (!e)
			return 2;
		e->value = 4242;
		b->tag++;
	}
	old = bpf_kptr_xchg(&b->kept, e);
	if (old) {
		unstashed = old->value;
		bpf_obj_drop_impl(old, 0);
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
