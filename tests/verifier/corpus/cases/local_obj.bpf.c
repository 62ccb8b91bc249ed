/* Objects a program allocates (bpf_obj_new) and frees (bpf_obj_drop): the result may be NULL
 * and is a reference that must be dropped exactly once; its fields are read and written like
 * memory, within the struct, never the special fields only kfuncs touch; a pointer read from
 * it is a number; drop takes only such objects, unmoved. */
#include "corpus.h"
#include <bpf/bpf_core_read.h>

extern void *bpf_obj_new_impl(__u64 local_type_id__k, void *meta__ign) __ksym;
extern void bpf_obj_drop_impl(void *p__alloc, void *meta__ign) __ksym;
#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), 0))
#define bpf_obj_drop(p) bpf_obj_drop_impl(p, 0)

struct pair {
	__u64 a;
	__u32 b;
	struct pair *next;
};

struct locked {
	struct bpf_spin_lock lock;
	__u64 n;
};

/* an object allocated, written, read back and dropped */
SEC("syscall") int new_write_read(void *ctx)
{
	struct pair *p = bpf_obj_new(struct pair);
	int got;

	if (!p)
		return 9;
	p->a = 40;
	p->b = 2;
	got = p->a + p->b;
	bpf_obj_drop(p);
	return got;
}
/* an object never dropped */
SEC("syscall") int new_leak(void *ctx)
{
	struct pair *p = bpf_obj_new(struct pair);

	return p != 0;
}
/* an object written without a NULL check */
SEC("syscall") int new_unchecked(void *ctx)
{
	struct pair *p = bpf_obj_new(struct pair);

	p->a = 1;
	bpf_obj_drop(p);
	return 0;
}
/* an object dropped twice */
SEC("syscall") int drop_twice(void *ctx)
{
	struct pair *p = bpf_obj_new(struct pair);

	if (!p)
		return 9;
	bpf_obj_drop(p);
	bpf_obj_drop(p);
	return 0;
}
/* an object read after its drop */
SEC("syscall") int use_after_drop(void *ctx)
{
	struct pair *p = bpf_obj_new(struct pair);

	if (!p)
		return 9;
	bpf_obj_drop(p);
	return p->b;
}
/* a pointer member read back is a number: following it is refused */
SEC("syscall") int follow_pointer_member(void *ctx)
{
	struct pair *p = bpf_obj_new(struct pair), *q;
	int got;

	if (!p)
		return 9;
	p->b = 7;
	p->next = p;
	q = *(struct pair *volatile *)&p->next;
	got = q->b;
	bpf_obj_drop(p);
	return got;
}
/* the spin lock of an object touched directly */
SEC("syscall") int touch_lock(void *ctx)
{
	struct locked *l = bpf_obj_new(struct locked);
	int got;

	if (!l)
		return 9;
	got = *(int *)&l->lock;
	bpf_obj_drop(l);
	return got;
}
/* an object with a lock: its other fields are fine */
SEC("syscall") int locked_fields(void *ctx)
{
	struct locked *l = bpf_obj_new(struct locked);
	int got;

	if (!l)
		return 9;
	l->n = 5;
	got = l->n;
	bpf_obj_drop(l);
	return got;
}
/* a type id that is not a struct */
SEC("syscall") int new_not_struct(void *ctx)
{
	void *p = bpf_obj_new_impl(bpf_core_type_id_local(int), 0);

	if (p)
		bpf_obj_drop(p);
	return 0;
}
/* a type id that is not a constant */
SEC("syscall") int new_variable_id(void *ctx)
{
	void *p = bpf_obj_new_impl(bpf_get_prandom_u32() & 1, 0);

	if (p)
		bpf_obj_drop(p);
	return 0;
}

#define WITH_PAIR(name, body)                                                                     \
	SEC("syscall") int name(void *ctx)                                                        \
	{                                                                                         \
		struct pair *p = bpf_obj_new(struct pair);                                        \
		if (!p)                                                                           \
			return 9;                                                                 \
		body;                                                                             \
		return 0;                                                                         \
	}

/* a load past the end of the object */
WITH_PAIR(load_beyond, int v = *(volatile __u64 *)((char *)p + 24); bpf_obj_drop(p); return v)
/* a store at a negative offset */
WITH_PAIR(store_negative, *(volatile __u64 *)((char *)p - 8) = 1; bpf_obj_drop(p))
/* a store into the padding after b */
WITH_PAIR(store_padding, *(volatile __u32 *)((char *)p + 12) = 1; bpf_obj_drop(p))
/* a moved pointer dropped */
WITH_PAIR(drop_moved, bpf_obj_drop((char *)p + 8))
/* an atomic add on a field */
WITH_PAIR(atomic_field, __sync_fetch_and_add(&p->a, 1); bpf_obj_drop(p))
/* a stack pointer dropped */
SEC("syscall") int drop_stack(void *ctx)
{
	__u64 local = 0;

	bpf_obj_drop(&local);
	return 0;
}
/* NULL dropped */
SEC("syscall") int drop_null(void *ctx)
{
	bpf_obj_drop_impl((void *)(long)(bpf_get_prandom_u32() & 0), 0);
	return 0;
}
