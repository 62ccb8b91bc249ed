// BPF_MAP_TYPE_RINGBUF: records for user space. A program reserves space, writes the record in
// place and submits it (or discards it), or copies a finished record with bpf_ringbuf_output;
// bpf_ringbuf_query reports the positions. User space reads records with
// obj.maps["events"].poll(callback).
//
// A ring buffer's size is in bytes, a power of two and a multiple of the page size: 4096 is
// the smallest. Each record takes an 8-byte header plus its size rounded up to 8 bytes.
#include <bpf/bpf_helpers.h>

#define EINVAL 22
#define BPF_RB_NO_WAKEUP 1
#define BPF_RB_AVAIL_DATA 0
#define BPF_RB_RING_SIZE 1
#define BPF_RB_CONS_POS 2
#define BPF_RB_PROD_POS 3

struct event {
	__u32 seq;
	__u32 kind;
	__u64 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

int reserved;            // 1: the first reserve succeeded
int oversized_refused;   // 1: reserving more than the ring holds gives NULL
int flagged_refused;     // 1: reserve takes no flags (non-zero gives NULL)
long output_result;      // 0
long output_bad_flags;   // -EINVAL
__u64 avail_data;        // bytes submitted or discarded and not consumed yet
__u64 ring_size;         // 4096
__u64 consumer_pos;      // 0 until user space polls
__u64 producer_pos;      // bytes produced, headers included

SEC("syscall")
int produce(void *ctx)
{
	struct event *e;
	void *big;
	struct event copy = { .seq = 3, .kind = 2, .value = 300 };

	// Reserve, fill in place, submit.
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 1;
	reserved = 1;
	e->seq = 1;
	e->kind = 1;
	e->value = 100;
	bpf_ringbuf_submit(e, 0);

	// Reserve, then change our mind: the space is used but user space never sees it.
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 2;
	e->seq = 2;
	bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);

	// Copy a record built on the stack.
	output_result = bpf_ringbuf_output(&events, &copy, sizeof(copy), 0);
	output_bad_flags = bpf_ringbuf_output(&events, &copy, sizeof(copy), 4);

	// A reservation the ring cannot hold, or one with flags, gives NULL. A record that was
	// reserved must be submitted or discarded on every path: the verifier checks it.
	big = bpf_ringbuf_reserve(&events, 8192, 0);
	if (big)
		bpf_ringbuf_discard(big, 0);
	oversized_refused = big == 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 1);
	if (e)
		bpf_ringbuf_discard(e, 0);
	flagged_refused = e == 0;

	avail_data = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	ring_size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	consumer_pos = bpf_ringbuf_query(&events, BPF_RB_CONS_POS);
	producer_pos = bpf_ringbuf_query(&events, BPF_RB_PROD_POS);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
