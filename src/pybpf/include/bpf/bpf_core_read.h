/* pybpf's bpf_core_read.h: CO-RE reads and queries, spelled as libbpf's header spells them.
 * Each macro turns into one of clang's __builtin_preserve_* calls, which leave a relocation in
 * .BTF.ext for the loader (pybpf or libbpf) to resolve against the running kernel's BTF. */
#ifndef __PYBPF_BPF_CORE_READ_H
#define __PYBPF_BPF_CORE_READ_H

/* The kinds the builtins take (the numbers are clang's and libbpf's). */
enum bpf_field_info_kind {
	BPF_FIELD_BYTE_OFFSET = 0,
	BPF_FIELD_BYTE_SIZE = 1,
	BPF_FIELD_EXISTS = 2,
	BPF_FIELD_SIGNED = 3,
	BPF_FIELD_LSHIFT_U64 = 4,
	BPF_FIELD_RSHIFT_U64 = 5,
};
enum bpf_type_id_kind {
	BPF_TYPE_ID_LOCAL = 0,
	BPF_TYPE_ID_TARGET = 1,
};
enum bpf_type_info_kind {
	BPF_TYPE_EXISTS = 0,
	BPF_TYPE_SIZE = 1,
	BPF_TYPE_MATCHES = 2,
};
enum bpf_enum_value_kind {
	BPF_ENUMVAL_EXISTS = 0,
	BPF_ENUMVAL_VALUE = 1,
};

/* Argument counting, to accept both forms of the field queries and chains of any length. */
#define ___pybpf_cat2(a, b) a##b
#define ___pybpf_cat(a, b) ___pybpf_cat2(a, b)
#define ___pybpf_nth(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, N, ...) N
#define ___pybpf_narg(...) ___pybpf_nth(__VA_ARGS__, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)

/* bpf_core_field_*(expr) or bpf_core_field_*(type, field). */
#define ___pybpf_field1(kind, expr) __builtin_preserve_field_info(expr, kind)
#define ___pybpf_field2(kind, type, field) __builtin_preserve_field_info(((typeof(type) *)0)->field, kind)
#define ___pybpf_field(kind, ...) ___pybpf_cat(___pybpf_field, ___pybpf_narg(__VA_ARGS__))(kind, __VA_ARGS__)
#define bpf_core_field_exists(...) ___pybpf_field(BPF_FIELD_EXISTS, __VA_ARGS__)
#define bpf_core_field_size(...) ___pybpf_field(BPF_FIELD_BYTE_SIZE, __VA_ARGS__)
#define bpf_core_field_offset(...) ___pybpf_field(BPF_FIELD_BYTE_OFFSET, __VA_ARGS__)

/* Types and enumerators. */
#define bpf_core_type_id_local(type) __builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_LOCAL)
#define bpf_core_type_id_kernel(type) __builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_TARGET)
#define bpf_core_type_exists(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_EXISTS)
#define bpf_core_type_matches(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_MATCHES)
#define bpf_core_type_size(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_SIZE)
#define bpf_core_enum_value_exists(enum_type, enum_value) \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)enum_value, BPF_ENUMVAL_EXISTS)
#define bpf_core_enum_value(enum_type, enum_value) \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)enum_value, BPF_ENUMVAL_VALUE)

/* Bitfields: read the bytes that hold the field, then shift it into place. */
#define BPF_CORE_READ_BITFIELD_PROBED(s, field)                                               \
	({                                                                                    \
		unsigned long long ___v = 0;                                                  \
		bpf_probe_read_kernel(&___v, __builtin_preserve_field_info((s)->field, BPF_FIELD_BYTE_SIZE), \
				      (const void *)(s) +                                     \
				      __builtin_preserve_field_info((s)->field, BPF_FIELD_BYTE_OFFSET)); \
		___v <<= __builtin_preserve_field_info((s)->field, BPF_FIELD_LSHIFT_U64);     \
		if (__builtin_preserve_field_info((s)->field, BPF_FIELD_SIGNED))              \
			___v = ((long long)___v) >> __builtin_preserve_field_info((s)->field, BPF_FIELD_RSHIFT_U64); \
		else                                                                          \
			___v = ___v >> __builtin_preserve_field_info((s)->field, BPF_FIELD_RSHIFT_U64); \
		___v;                                                                         \
	})
#define BPF_CORE_READ_BITFIELD(s, field)                                                      \
	({                                                                                    \
		const void *___p = (const void *)(s) +                                        \
				   __builtin_preserve_field_info((s)->field, BPF_FIELD_BYTE_OFFSET); \
		unsigned long long ___v;                                                      \
		switch (__builtin_preserve_field_info((s)->field, BPF_FIELD_BYTE_SIZE)) {     \
		case 1: ___v = *(const unsigned char *)___p; break;                           \
		case 2: ___v = *(const unsigned short *)___p; break;                          \
		case 4: ___v = *(const unsigned int *)___p; break;                            \
		default: ___v = *(const unsigned long long *)___p; break;                     \
		}                                                                             \
		___v <<= __builtin_preserve_field_info((s)->field, BPF_FIELD_LSHIFT_U64);     \
		if (__builtin_preserve_field_info((s)->field, BPF_FIELD_SIGNED))              \
			___v = ((long long)___v) >> __builtin_preserve_field_info((s)->field, BPF_FIELD_RSHIFT_U64); \
		else                                                                          \
			___v = ___v >> __builtin_preserve_field_info((s)->field, BPF_FIELD_RSHIFT_U64); \
		___v;                                                                         \
	})

/* One relocatable read of sz bytes at src into dst. */
#define bpf_core_read(dst, sz, src) \
	bpf_probe_read_kernel(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define bpf_core_read_user(dst, sz, src) \
	bpf_probe_read_user(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define bpf_core_read_str(dst, sz, src) \
	bpf_probe_read_kernel_str(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define bpf_core_read_user_str(dst, sz, src) \
	bpf_probe_read_user_str(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define ___pybpf_plain_read(dst, sz, src) bpf_probe_read_kernel(dst, sz, (const void *)(src))
#define ___pybpf_plain_read_user(dst, sz, src) bpf_probe_read_user(dst, sz, (const void *)(src))

/* Chains: src->a->b->c, each step a separate read through the pointer the last one gave.
 * `last` reads the final field, `step` every pointer on the way. */
#define ___pybpf_arrow1(s, a) (s)->a
#define ___pybpf_arrow2(s, a, b) (s)->a->b
#define ___pybpf_arrow3(s, a, b, c) (s)->a->b->c
#define ___pybpf_arrow4(s, a, b, c, d) (s)->a->b->c->d
#define ___pybpf_arrow5(s, a, b, c, d, e) (s)->a->b->c->d->e
#define ___pybpf_arrow6(s, a, b, c, d, e, f) (s)->a->b->c->d->e->f
#define ___pybpf_arrow7(s, a, b, c, d, e, f, g) (s)->a->b->c->d->e->f->g
#define ___pybpf_arrow8(s, a, b, c, d, e, f, g, h) (s)->a->b->c->d->e->f->g->h
#define ___pybpf_type(src, ...) typeof(___pybpf_cat(___pybpf_arrow, ___pybpf_narg(__VA_ARGS__))(src, __VA_ARGS__))

#define ___pybpf_into1(step, last, dst, s, a) last((void *)(dst), sizeof(*(dst)), &((typeof(s))(s))->a)
#define ___pybpf_into2(step, last, dst, s, a, ...) \
	({ typeof((s)->a) ___n2; step(&___n2, sizeof(___n2), &((typeof(s))(s))->a); ___pybpf_into1(step, last, dst, ___n2, __VA_ARGS__); })
#define ___pybpf_into3(step, last, dst, s, a, ...) \
	({ typeof((s)->a) ___n3; step(&___n3, sizeof(___n3), &((typeof(s))(s))->a); ___pybpf_into2(step, last, dst, ___n3, __VA_ARGS__); })
#define ___pybpf_into4(step, last, dst, s, a, ...) \
	({ typeof((s)->a) ___n4; step(&___n4, sizeof(___n4), &((typeof(s))(s))->a); ___pybpf_into3(step, last, dst, ___n4, __VA_ARGS__); })
#define ___pybpf_into5(step, last, dst, s, a, ...) \
	({ typeof((s)->a) ___n5; step(&___n5, sizeof(___n5), &((typeof(s))(s))->a); ___pybpf_into4(step, last, dst, ___n5, __VA_ARGS__); })
#define ___pybpf_into6(step, last, dst, s, a, ...) \
	({ typeof((s)->a) ___n6; step(&___n6, sizeof(___n6), &((typeof(s))(s))->a); ___pybpf_into5(step, last, dst, ___n6, __VA_ARGS__); })
#define ___pybpf_into7(step, last, dst, s, a, ...) \
	({ typeof((s)->a) ___n7; step(&___n7, sizeof(___n7), &((typeof(s))(s))->a); ___pybpf_into6(step, last, dst, ___n7, __VA_ARGS__); })
#define ___pybpf_into8(step, last, dst, s, a, ...) \
	({ typeof((s)->a) ___n8; step(&___n8, sizeof(___n8), &((typeof(s))(s))->a); ___pybpf_into7(step, last, dst, ___n8, __VA_ARGS__); })
#define ___pybpf_into(step, last, dst, src, ...) \
	___pybpf_cat(___pybpf_into, ___pybpf_narg(__VA_ARGS__))(step, last, dst, (src), __VA_ARGS__)

#define BPF_CORE_READ_INTO(dst, src, a, ...) ___pybpf_into(bpf_core_read, bpf_core_read, dst, src, a, ##__VA_ARGS__)
#define BPF_CORE_READ_USER_INTO(dst, src, a, ...) \
	___pybpf_into(bpf_core_read_user, bpf_core_read_user, dst, src, a, ##__VA_ARGS__)
#define BPF_CORE_READ_STR_INTO(dst, src, a, ...) \
	___pybpf_into(bpf_core_read, bpf_core_read_str, dst, src, a, ##__VA_ARGS__)
#define BPF_CORE_READ_USER_STR_INTO(dst, src, a, ...) \
	___pybpf_into(bpf_core_read_user, bpf_core_read_user_str, dst, src, a, ##__VA_ARGS__)
#define BPF_PROBE_READ_INTO(dst, src, a, ...) \
	___pybpf_into(___pybpf_plain_read, ___pybpf_plain_read, dst, src, a, ##__VA_ARGS__)
#define BPF_PROBE_READ_USER_INTO(dst, src, a, ...) \
	___pybpf_into(___pybpf_plain_read_user, ___pybpf_plain_read_user, dst, src, a, ##__VA_ARGS__)

/* The value at the end of the chain. */
#define BPF_CORE_READ(src, a, ...) \
	({ ___pybpf_type((src), a, ##__VA_ARGS__) ___r; BPF_CORE_READ_INTO(&___r, (src), a, ##__VA_ARGS__); ___r; })
#define BPF_CORE_READ_USER(src, a, ...) \
	({ ___pybpf_type((src), a, ##__VA_ARGS__) ___r; BPF_CORE_READ_USER_INTO(&___r, (src), a, ##__VA_ARGS__); ___r; })
#define BPF_PROBE_READ(src, a, ...) \
	({ ___pybpf_type((src), a, ##__VA_ARGS__) ___r; BPF_PROBE_READ_INTO(&___r, (src), a, ##__VA_ARGS__); ___r; })
#define BPF_PROBE_READ_USER(src, a, ...) \
	({ ___pybpf_type((src), a, ##__VA_ARGS__) ___r; BPF_PROBE_READ_USER_INTO(&___r, (src), a, ##__VA_ARGS__); ___r; })

#endif /* __PYBPF_BPF_CORE_READ_H */
