/* Reading the kernel's structure of a map through the map pointer (struct bpf_array, struct
 * bpf_htab, struct bpf_ringbuf_map, each beginning with struct bpf_map), with CO-RE field
 * offsets: what reads are allowed, what they return, and what is refused. */
#include "corpus.h"

struct bpf_map {
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
	struct bpf_map *inner_map_meta;
} __attribute__((preserve_access_index));

struct bpf_array {
	struct bpf_map map;
	__u32 elem_size;
	__u32 index_mask;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u32[3]);
} small SEC(".maps");

/* an array's fields */
SEC("syscall") int array_fields(void *ctx)
{
	struct bpf_array *a = (struct bpf_array *)&small;

	return a->map.max_entries * 10000 + a->map.key_size * 1000 +
	       a->map.value_size * 10 + a->elem_size + a->index_mask * 100;
}

/* a hash map's fields */
SEC("syscall") int hash_fields(void *ctx)
{
	struct bpf_map *m = (struct bpf_map *)&hash;

	return m->max_entries * 100 + m->map_flags + m->key_size * 10000;
}

/* a ring buffer's fields */
SEC("syscall") int ringbuf_fields(void *ctx)
{
	struct bpf_map *m = (struct bpf_map *)&rb;

	return (m->max_entries >> 10) + m->key_size * 1000;
}

/* a pointer field read through the map pointer is a kernel pointer: compared with NULL */
SEC("syscall") int inner_meta_is_null(void *ctx)
{
	struct bpf_map *m = (struct bpf_map *)&small;

	return m->inner_map_meta == 0;
}

/* a write into the map's structure */
SEC("syscall") int write_max_entries(void *ctx)
{
	struct bpf_map *m = (struct bpf_map *)&small;

	m->max_entries = 1;
	return 0;
}

/* a read before the structure */
ASM_CASE("syscall", read_negative, "r1 = %[array] ll; r0 = *(u32 *)(r1 - 4); r0 = 0; exit;")
/* a read past the end of struct bpf_array */
ASM_CASE("syscall", read_past_struct, "r1 = %[array] ll; r0 = *(u32 *)(r1 + 4000); r0 = 0; exit;")
/* a byte of the map's key size, read raw */
ASM_CASE("syscall", read_u8_of_sha, "r1 = %[array] ll; r0 = *(u8 *)(r1 + 1); exit;")
