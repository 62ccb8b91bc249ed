/* Ring buffer output, reserve/submit/discard and query from a program. */
#include <bpf/bpf_helpers.h>

#define BPF_RB_AVAIL_DATA 0
#define BPF_RB_RING_SIZE 1
#define BPF_RB_CONS_POS 2
#define BPF_RB_PROD_POS 3

struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } rb SEC(".maps");

long res[32];

SEC("syscall")
int produce(void *ctx)
{
	__u64 v = 0x1122334455667788ULL;
	char big[24] = { 1, 2, 3 };
	__u64 *p;
	int i = 0;

	res[i++] = bpf_ringbuf_output(&rb, &v, sizeof(v), 0);
	res[i++] = bpf_ringbuf_output(&rb, &v, 3, 1 /* BPF_RB_NO_WAKEUP */);
	res[i++] = bpf_ringbuf_output(&rb, &v, sizeof(v), 4);             /* -EINVAL */
	res[i++] = bpf_ringbuf_output(&rb, big, 0, 0);                    /* an empty record */
	p = bpf_ringbuf_reserve(&rb, 16, 0);
	res[i++] = p != 0;
	if (p) {
		p[0] = 0xaa;
		p[1] = 0xbb;
		bpf_ringbuf_submit(p, 0);
	}
	p = bpf_ringbuf_reserve(&rb, 8, 0);
	res[i++] = p != 0;
	if (p) {
		*p = 0xcc;
		bpf_ringbuf_discard(p, 0);
	}
	p = bpf_ringbuf_reserve(&rb, 8, 1);                               /* bad flags: NULL */
	res[i++] = p != 0;
	if (p)
		bpf_ringbuf_discard(p, 0);
	p = bpf_ringbuf_reserve(&rb, 8192, 0);                            /* bigger than the ring */
	res[i++] = p != 0;
	if (p)
		bpf_ringbuf_discard(p, 0);
	res[i++] = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	res[i++] = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
	res[i++] = bpf_ringbuf_query(&rb, BPF_RB_CONS_POS);
	res[i++] = bpf_ringbuf_query(&rb, BPF_RB_PROD_POS);
	res[i++] = bpf_ringbuf_query(&rb, 9);                             /* unknown: 0 */
	return i;
}

/* Fills the ring until it refuses: res[20] counts records, res[21] is the refusal. */
SEC("syscall")
int fill(void *ctx)
{
	char chunk[200] = {};
	long rc = 0;
	int n;

	for (n = 0; n < 40; n++) {
		chunk[0] = n;
		rc = bpf_ringbuf_output(&rb, chunk, sizeof(chunk), 0);
		if (rc)
			break;
	}
	res[20] = n;
	res[21] = rc;
	res[22] = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	res[23] = bpf_ringbuf_query(&rb, BPF_RB_PROD_POS);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
