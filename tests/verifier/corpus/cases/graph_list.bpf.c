/* Lists of allocated objects (bpf_list_head/bpf_list_node): the head names what it holds
 * (a contains: tag), every list operation needs the spin lock beside the head, a pushed object
 * stays readable until the unlock (a non-owning reference), popped objects are owned again
 * and must be dropped, and nodes of the wrong struct or offset are refused. */
#include "graph.h"

struct item {
	__u64 key;
	struct bpf_list_node node;
	__u64 weight;
};

struct other {
	__u64 pad;
	__u64 key;
	struct bpf_list_node node;
};

in_section(A) struct bpf_spin_lock lock_a;
in_section(A) struct bpf_list_head head_a __holds(item, node);
in_section(B) struct bpf_spin_lock lock_b;
in_section(B) struct bpf_list_head head_b __holds(item, node);

struct lval {
	struct bpf_spin_lock lock;
	struct bpf_list_head head __holds(item, node);
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct lval);
} lists SEC(".maps");

static __always_inline struct item *make(__u64 key)
{
	struct item *it = new_obj(struct item);

	if (it)
		it->key = key;
	return it;
}

/* three objects pushed at the back, the first popped from the front */
SEC("syscall") int push_pop_front(void *ctx)
{
	struct bpf_list_node *n;
	struct item *it;
	__u64 k;
	int i;

	for (i = 1; i <= 3; i++) {
		it = make(i * 10);
		if (!it)
			return 99;
		bpf_spin_lock(&lock_a);
		push_back(&head_a, &it->node);
		bpf_spin_unlock(&lock_a);
	}
	bpf_spin_lock(&lock_a);
	n = bpf_list_pop_front(&head_a);
	bpf_spin_unlock(&lock_a);
	if (!n)
		return 98;
	it = owner_of(n, struct item, node);
	k = it->key;
	drop_obj(it);
	return k;
}
/* pushed at the front, popped from the back: the oldest comes out */
SEC("syscall") int push_front_pop_back(void *ctx)
{
	struct bpf_list_node *n;
	struct item *it;
	__u64 k;
	int i;

	for (i = 1; i <= 3; i++) {
		it = make(i);
		if (!it)
			return 99;
		bpf_spin_lock(&lock_a);
		push_front(&head_a, &it->node);
		bpf_spin_unlock(&lock_a);
	}
	bpf_spin_lock(&lock_a);
	n = bpf_list_pop_back(&head_a);
	bpf_spin_unlock(&lock_a);
	if (!n)
		return 98;
	it = owner_of(n, struct item, node);
	k = it->key;
	drop_obj(it);
	return k;
}
/* popping an empty list gives NULL */
SEC("syscall") int pop_empty(void *ctx)
{
	struct bpf_list_node *n;

	bpf_spin_lock(&lock_b);
	n = bpf_list_pop_front(&head_b);
	bpf_spin_unlock(&lock_b);
	if (n) {
		drop_obj(owner_of(n, struct item, node));
		return 1;
	}
	return 7;
}
/* a push without the lock */
SEC("syscall") int push_unlocked(void *ctx)
{
	struct item *it = make(1);

	if (!it)
		return 0;
	push_back(&head_a, &it->node);
	return 0;
}
/* a pop without the lock */
SEC("syscall") int pop_unlocked(void *ctx)
{
	struct bpf_list_node *n = bpf_list_pop_front(&head_a);

	if (n)
		drop_obj(owner_of(n, struct item, node));
	return 0;
}
/* a push under the lock of another section */
SEC("syscall") int push_other_lock(void *ctx)
{
	struct item *it = make(1);

	if (!it)
		return 0;
	bpf_spin_lock(&lock_b);
	push_back(&head_a, &it->node);
	bpf_spin_unlock(&lock_b);
	return 0;
}
/* a pushed object read before the unlock */
SEC("syscall") int read_before_unlock(void *ctx)
{
	struct item *it = make(5);
	__u64 k;

	if (!it)
		return 0;
	bpf_spin_lock(&lock_a);
	push_back(&head_a, &it->node);
	k = it->key;
	it->weight = 3;
	bpf_spin_unlock(&lock_a);
	return k;
}
/* a pushed object read after the unlock */
SEC("syscall") int read_after_unlock(void *ctx)
{
	struct item *it = make(5);

	if (!it)
		return 0;
	bpf_spin_lock(&lock_a);
	push_back(&head_a, &it->node);
	bpf_spin_unlock(&lock_a);
	return it->key;
}
/* a popped object never dropped */
SEC("syscall") int pop_leak(void *ctx)
{
	struct bpf_list_node *n;

	bpf_spin_lock(&lock_a);
	n = bpf_list_pop_front(&head_a);
	bpf_spin_unlock(&lock_a);
	return n != 0;
}
/* a popped object dropped without a NULL check */
SEC("syscall") int pop_unchecked(void *ctx)
{
	struct bpf_list_node *n;

	bpf_spin_lock(&lock_a);
	n = bpf_list_pop_front(&head_a);
	bpf_spin_unlock(&lock_a);
	drop_obj(owner_of(n, struct item, node));
	return 0;
}
/* an object of another struct pushed */
SEC("syscall") int push_wrong_type(void *ctx)
{
	struct other *o = new_obj(struct other);

	if (!o)
		return 0;
	bpf_spin_lock(&lock_a);
	push_back(&head_a, &o->node);
	bpf_spin_unlock(&lock_a);
	return 0;
}
/* the object itself pushed, not its node */
SEC("syscall") int push_wrong_offset(void *ctx)
{
	struct item *it = make(1);

	if (!it)
		return 0;
	bpf_spin_lock(&lock_a);
	push_back(&head_a, (struct bpf_list_node *)it);
	bpf_spin_unlock(&lock_a);
	return 0;
}
/* the lock passed as the head */
SEC("syscall") int head_is_lock(void *ctx)
{
	struct item *it = make(1);

	if (!it)
		return 0;
	bpf_spin_lock(&lock_a);
	push_back((struct bpf_list_head *)&lock_a, &it->node);
	bpf_spin_unlock(&lock_a);
	return 0;
}
/* a stack object pushed */
SEC("syscall") int push_stack(void *ctx)
{
	struct item local = {};

	bpf_spin_lock(&lock_a);
	push_back(&head_a, &local.node);
	bpf_spin_unlock(&lock_a);
	return 0;
}
/* one object pushed twice: the second push has no reference left */
SEC("syscall") int push_twice(void *ctx)
{
	struct item *it = make(1);

	if (!it)
		return 0;
	bpf_spin_lock(&lock_a);
	push_back(&head_a, &it->node);
	push_back(&head_a, &it->node);
	bpf_spin_unlock(&lock_a);
	return 0;
}
/* a pushed object dropped */
SEC("syscall") int drop_after_push(void *ctx)
{
	struct item *it = make(1);

	if (!it)
		return 0;
	bpf_spin_lock(&lock_a);
	push_back(&head_a, &it->node);
	bpf_spin_unlock(&lock_a);
	drop_obj(it);
	return 0;
}
/* a helper called under the lock */
SEC("syscall") int helper_under_lock(void *ctx)
{
	__u64 r;

	bpf_spin_lock(&lock_a);
	r = bpf_get_prandom_u32();
	bpf_spin_unlock(&lock_a);
	return r & 0;
}
/* bpf_obj_new under the lock */
SEC("syscall") int new_under_lock(void *ctx)
{
	struct item *it;

	bpf_spin_lock(&lock_a);
	it = make(1);
	if (it)
		push_back(&head_a, &it->node);
	bpf_spin_unlock(&lock_a);
	return 0;
}
/* a list in an array value, guarded by the value's lock */
SEC("syscall") int map_value_list(void *ctx)
{
	struct bpf_list_node *n;
	struct item *it;
	struct lval *v;
	__u32 key = 1;
	__u64 k;

	v = bpf_map_lookup_elem(&lists, &key);
	if (!v)
		return 99;
	it = make(33);
	if (!it)
		return 98;
	bpf_spin_lock(&v->lock);
	push_front(&v->head, &it->node);
	v->count++;
	n = bpf_list_pop_back(&v->head);
	bpf_spin_unlock(&v->lock);
	if (!n)
		return 97;
	it = owner_of(n, struct item, node);
	k = it->key;
	drop_obj(it);
	return k;
}
/* one element's lock held for another element's list */
SEC("syscall") int map_value_other_elem(void *ctx)
{
	struct lval *v0, *v1;
	struct item *it;
	__u32 k0 = 0, k1 = 1;

	v0 = bpf_map_lookup_elem(&lists, &k0);
	v1 = bpf_map_lookup_elem(&lists, &k1);
	if (!v0 || !v1)
		return 0;
	it = make(1);
	if (!it)
		return 0;
	bpf_spin_lock(&v0->lock);
	push_back(&v1->head, &it->node);
	bpf_spin_unlock(&v0->lock);
	return 0;
}
/* a popped object pushed back to another list */
SEC("syscall") int pop_then_push(void *ctx)
{
	struct bpf_list_node *n;
	struct item *it = make(8);

	if (!it)
		return 0;
	bpf_spin_lock(&lock_a);
	push_back(&head_a, &it->node);
	n = bpf_list_pop_front(&head_a);
	bpf_spin_unlock(&lock_a);
	if (!n)
		return 1;
	bpf_spin_lock(&lock_b);
	push_back(&head_b, n);
	bpf_spin_unlock(&lock_b);
	return 2;
}
/* a list node written directly */
SEC("syscall") int write_node(void *ctx)
{
	struct item *it = make(1);

	if (!it)
		return 0;
	*(__u64 *)&it->node = 0;
	drop_obj(it);
	return 0;
}
/* the exit taken with the lock held */
SEC("syscall") int exit_locked(void *ctx)
{
	bpf_spin_lock(&lock_a);
	return 0;
}
/* a list's head at a variable offset */
SEC("syscall") int head_variable_offset(void *ctx)
{
	struct item *it = make(1);
	__u32 off = bpf_get_prandom_u32() & 8;

	if (!it)
		return 0;
	bpf_spin_lock(&lock_a);
	push_back((void *)&head_a + off, &it->node);
	bpf_spin_unlock(&lock_a);
	return 0;
}
/* a list in a tc program */
SEC("tc") int tc_list(struct __sk_buff *skb)
{
	struct bpf_list_node *n;
	struct item *it = make(skb->len);
	__u64 k;

	if (!it)
		return 0;
	bpf_spin_lock(&lock_b);
	push_back(&head_b, &it->node);
	n = bpf_list_pop_front(&head_b);
	bpf_spin_unlock(&lock_b);
	if (!n)
		return 1;
	it = owner_of(n, struct item, node);
	k = it->key;
	drop_obj(it);
	return k;
}
/* a list in a socket filter, which has no allocated objects */
SEC("socket") int socket_list(struct __sk_buff *skb)
{
	struct item *it = make(1);

	if (it)
		drop_obj(it);
	return 0;
}
/* the first object looked at in place (bpf_list_front) */
SEC("syscall") int front_peek(void *ctx)
{
	struct bpf_list_node *n;
	struct item *it = make(4);
	__u64 k = 0;

	if (!it)
		return 0;
	bpf_spin_lock(&lock_a);
	push_back(&head_a, &it->node);
	n = bpf_list_front(&head_a);
	if (n)
		k = owner_of(n, struct item, node)->key;
	bpf_spin_unlock(&lock_a);
	return k;
}
