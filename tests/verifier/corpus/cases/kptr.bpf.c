/* kptrs: pointer fields of map values tagged __kptr hold a reference that only
 * bpf_kptr_xchg moves in and out (the old one comes back to the program, which must release
 * it); the field must be at a constant offset exactly; a referenced kptr cannot be stored to
 * directly, an untrusted one (__kptr_untrusted) can, and loads of either must be 8 bytes. */
#include "graph.h"

struct obj {
	__u64 key;
	__u64 hits;
};

struct stash {
	__u64 n;
	struct obj __kptr *held;
	struct obj __kptr_untrusted *seen;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct stash);
} stashes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct stash);
} hstashes SEC(".maps");

static __always_inline struct stash *slot(__u32 key)
{
	return bpf_map_lookup_elem(&stashes, &key);
}

/* an object stashed, the previous one taken out and dropped */
SEC("syscall") int stash_new(void *ctx)
{
	struct stash *s = slot(0);
	struct obj *o, *old;

	if (!s)
		return 99;
	o = new_obj(struct obj);
	if (!o)
		return 98;
	o->key = 77;
	old = bpf_kptr_xchg(&s->held, o);
	if (old) {
		drop_obj(old);
		return 1;
	}
	return 0;
}
/* stashed, then taken back out in the same run */
SEC("syscall") int stash_and_unstash(void *ctx)
{
	struct stash *s = slot(1);
	struct obj *o, *old;
	__u64 k;

	if (!s)
		return 99;
	o = new_obj(struct obj);
	if (!o)
		return 98;
	o->key = 41;
	old = bpf_kptr_xchg(&s->held, o);
	if (old)
		drop_obj(old);
	o = bpf_kptr_xchg(&s->held, 0);
	if (!o)
		return 97;
	k = o->key;
	drop_obj(o);
	return k;
}
/* the old pointer taken out and never released */
SEC("syscall") int unstash_leak(void *ctx)
{
	struct stash *s = slot(0);
	struct obj *old;

	if (!s)
		return 0;
	old = bpf_kptr_xchg(&s->held, 0);
	return old != 0;
}
/* exchanged at an offset that is no kptr */
SEC("syscall") int xchg_not_kptr(void *ctx)
{
	struct stash *s = slot(0);
	struct obj *old;

	if (!s)
		return 0;
	old = bpf_kptr_xchg((void *)&s->n, 0);
	if (old)
		drop_obj(old);
	return 0;
}
/* exchanged with an untrusted kptr field */
SEC("syscall") int xchg_untrusted(void *ctx)
{
	struct stash *s = slot(0);
	struct obj *old;

	if (!s)
		return 0;
	old = bpf_kptr_xchg(&s->seen, 0);
	if (old)
		drop_obj(old);
	return 0;
}
/* exchanged at a variable offset */
SEC("syscall") int xchg_variable(void *ctx)
{
	struct stash *s = slot(0);
	__u32 off = bpf_get_prandom_u32() & 8;
	struct obj *old;

	if (!s)
		return 0;
	old = bpf_kptr_xchg((void *)&s->held + off, 0);
	if (old)
		drop_obj(old);
	return 0;
}
/* a stack pointer exchanged into a kptr */
SEC("syscall") int xchg_stack_ptr(void *ctx)
{
	struct stash *s = slot(0);
	struct obj local = {}, *old;

	if (!s)
		return 0;
	old = bpf_kptr_xchg(&s->held, &local);
	if (old)
		drop_obj(old);
	return 0;
}
/* a stack pointer as the field */
SEC("syscall") int xchg_stack_field(void *ctx)
{
	struct obj *field = 0, *old;

	old = bpf_kptr_xchg(&field, 0);
	if (old)
		drop_obj(old);
	return 0;
}
/* a pointer of another type exchanged in */
struct other_obj {
	__u32 a;
};
SEC("syscall") int xchg_wrong_type(void *ctx)
{
	struct stash *s = slot(0);
	struct other_obj *o;
	struct obj *old;

	if (!s)
		return 0;
	o = new_obj(struct other_obj);
	if (!o)
		return 0;
	old = bpf_kptr_xchg(&s->held, o);
	if (old)
		drop_obj(old);
	return 0;
}
/* a referenced kptr written directly */
SEC("syscall") int store_referenced(void *ctx)
{
	struct stash *s = slot(0);

	if (!s)
		return 0;
	*(volatile __u64 *)&s->held = 0;
	return 0;
}
/* an untrusted kptr cleared directly */
SEC("syscall") int store_untrusted_null(void *ctx)
{
	struct stash *s = slot(0);

	if (!s)
		return 0;
	s->seen = 0;
	return 3;
}
/* a kptr read with a 4-byte load */
SEC("syscall") int load_narrow(void *ctx)
{
	struct stash *s = slot(0);

	if (!s)
		return 0;
	return *(volatile __u32 *)&s->held;
}
/* a kptr read as a pointer, checked against NULL only */
SEC("syscall") int load_and_test(void *ctx)
{
	struct stash *s = slot(0);
	struct obj *o;

	if (!s)
		return 0;
	o = *(struct obj *volatile *)&s->held;
	return o ? 1 : 2;
}
/* an object stashed in a hash element, which deleting the element frees */
SEC("syscall") int stash_in_hash(void *ctx)
{
	struct stash zero = {}, *s;
	struct obj *o, *old;
	__u32 key = 3;

	bpf_map_update_elem(&hstashes, &key, &zero, 0);
	s = bpf_map_lookup_elem(&hstashes, &key);
	if (!s)
		return 99;
	o = new_obj(struct obj);
	if (!o)
		return 98;
	old = bpf_kptr_xchg(&s->held, o);
	if (old)
		drop_obj(old);
	return bpf_map_delete_elem(&hstashes, &key);
}
/* an object exchanged in without a NULL check */
SEC("syscall") int xchg_maybe_null(void *ctx)
{
	struct stash *s = slot(0);
	struct obj *o, *old;

	if (!s)
		return 0;
	o = new_obj(struct obj);
	old = bpf_kptr_xchg(&s->held, o);
	if (old)
		drop_obj(old);
	return 0;
}
