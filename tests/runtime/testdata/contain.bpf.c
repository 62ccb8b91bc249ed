// Programs that reach outside their memory, for the run-time containment tests. They are
// loaded with verify=False: each takes an address or offset from a global set by the test.
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct elem {
	long data;
	struct bpf_timer t;
	long tail;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, int);
	__type(value, struct elem);
} hmap SEC(".maps");

volatile long target;	/* an address chosen by the test */
volatile long offset;	/* an offset from a value pointer, chosen by the test */
volatile long got;

static int cb(void *map, int *key, struct elem *v)
{
	return 0;
}

/* The element of `key`, made (zeroed) if missing. */
static struct elem *element(int key)
{
	struct elem init = {}, *v;

	v = bpf_map_lookup_elem(&hmap, &key);
	if (v)
		return v;
	bpf_map_update_elem(&hmap, &key, &init, BPF_ANY);
	return bpf_map_lookup_elem(&hmap, &key);
}

/* Store 8 bytes at `target` (the program references hmap: its values are its memory). */
SEC("syscall")
int poke(void *ctx)
{
	int key = 0;

	bpf_map_lookup_elem(&hmap, &key);
	*(volatile long *)target = 0x41;
	return 0;
}

/* Read 8 bytes at `offset` from the value of key 0. */
SEC("syscall")
int peek_value(void *ctx)
{
	struct elem *v = element(0);

	if (!v)
		return 1;
	got = *(volatile long *)((char *)v + offset);
	return 0;
}

/* Read 8 bytes at `offset` from the frame pointer. */
SEC("syscall")
int peek_stack(void *ctx)
{
	volatile long here = 1;
	got = *(volatile long *)((char *)&here + offset);
	return 0;
}

/* bpf_probe_read_kernel of `target`: the error code. */
SEC("syscall")
int probe(void *ctx)
{
	long buf = 0;
	int key = 0;

	bpf_map_lookup_elem(&hmap, &key);
	return bpf_probe_read_kernel(&buf, sizeof(buf), (void *)target);
}

/* A bpf_timer on the stack whose word holds a guessed id. */
SEC("syscall")
int forge(void *ctx)
{
	struct bpf_timer fake = {};

	*(volatile long *)&fake = offset;
	got = bpf_timer_set_callback(&fake, cb);
	return bpf_timer_start(&fake, 0, 0);
}

/* bpf_timer_init of memory outside the named map (`target`, a value of another map). */
SEC("syscall")
int init_elsewhere(void *ctx)
{
	return bpf_timer_init((struct bpf_timer *)target, &hmap, 1);
}

/* Arm the timer of key 0, for the forging test's victim. */
SEC("syscall")
int arm(void *ctx)
{
	struct elem *v = element(0);

	if (!v)
		return 1;
	bpf_timer_init(&v->t, &hmap, 1);
	bpf_timer_set_callback(&v->t, cb);
	return bpf_timer_start(&v->t, 1000000000, 0);
}

/* Arm the timer of key `target` to `offset` ns with flags `got`, firing `count_cb`. */
volatile long fired;

static int count_cb(void *map, int *key, struct elem *v)
{
	__sync_fetch_and_add(&fired, 1);
	return 0;
}

SEC("syscall")
int arm_at(void *ctx)
{
	struct elem *v = element(target);

	if (!v)
		return 1;
	bpf_timer_init(&v->t, &hmap, 1);	/* -EBUSY once initialised */
	bpf_timer_set_callback(&v->t, count_cb);
	return bpf_timer_start(&v->t, offset, got);
}

/* One trace line carrying `target`. */
SEC("syscall")
int say(void *ctx)
{
	bpf_printk("line %ld", target);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

/* Reserve 8 bytes and store at `offset` from the record, then submit. */
SEC("syscall")
int forge_record(void *ctx)
{
	char *rec = bpf_ringbuf_reserve(&events, 8, 0);

	if (!rec)
		return 1;
	*(volatile long *)(rec + offset) = -1;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}
