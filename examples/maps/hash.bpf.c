// BPF_MAP_TYPE_HASH from the program side: the update flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST)
// and the negative errnos the helpers return, recorded step by step in global variables.
//
// Run the "exercise" program once, then read obj.globals and obj.maps["points"].
#include <bpf/bpf_helpers.h>

#define ENOENT 2
#define E2BIG 7
#define EEXIST 17

struct point {
	__u32 x;
	__u32 y;
};

// A small preallocated hash map: all four elements are allocated when the map is created.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct point);
} points SEC(".maps");

// What each step returned.
long add_new;           // BPF_NOEXIST, new key: 0
long add_existing;      // BPF_NOEXIST, key present: -EEXIST
long replace_missing;   // BPF_EXIST, key absent: -ENOENT
long replace_existing;  // BPF_EXIST, key present: 0
long add_when_full;     // a fifth key in a map of four: -E2BIG
long replace_when_full; // BPF_ANY on a present key of a full map: 0 (no new element needed)
long delete_existing;   // 0
long delete_missing;    // -ENOENT
int found_after_delete; // 0: the lookup returned NULL

static __always_inline long put(__u32 key, __u32 x, __u32 y, __u64 flags)
{
	struct point p = { .x = x, .y = y };

	return bpf_map_update_elem(&points, &key, &p, flags);
}

SEC("syscall")
int exercise(void *ctx)
{
	__u32 key = 2;

	add_new = put(1, 1, 1, BPF_NOEXIST);
	add_existing = put(1, 9, 9, BPF_NOEXIST);
	replace_missing = put(2, 2, 2, BPF_EXIST);
	replace_existing = put(1, 10, 10, BPF_EXIST);
	put(2, 2, 2, BPF_ANY);
	put(3, 3, 3, BPF_ANY);
	put(4, 4, 4, BPF_ANY); // the map is now full
	add_when_full = put(5, 5, 5, BPF_ANY);
	replace_when_full = put(4, 40, 40, BPF_ANY);
	delete_existing = bpf_map_delete_elem(&points, &key);
	delete_missing = bpf_map_delete_elem(&points, &key);
	found_after_delete = bpf_map_lookup_elem(&points, &key) != 0;
	return 0;
}

// Move a point in place through the pointer a lookup returns: no update call is needed.
struct move {
	__u32 key;
	__s32 dx;
	__s32 dy;
};

SEC("syscall")
int move_point(struct move *m)
{
	__u32 key = m->key;
	struct point *p = bpf_map_lookup_elem(&points, &key);

	if (!p)
		return -ENOENT;
	p->x += m->dx;
	p->y += m->dy;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
