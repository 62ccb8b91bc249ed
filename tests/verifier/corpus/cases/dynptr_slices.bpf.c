/* Slices of dynptrs: which programs may ask bpf_dynptr_slice_rdwr for a writable view, and
 * what becomes of a slice when the packet under it may have moved. */
#include "corpus.h"

extern int bpf_dynptr_from_skb(struct __sk_buff *s, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern int bpf_dynptr_from_xdp(struct xdp_md *x, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt, __u32 buffer__szk) __ksym;
extern void *bpf_dynptr_slice_rdwr(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt,
				   __u32 buffer__szk) __ksym;

/* a tc program reads the packet through a read-only slice */
SEC("tc") int skb_slice_read(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	char buf[4];
	__u8 *p;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	p = bpf_dynptr_slice(&ptr, 0, buf, sizeof(buf));
	if (!p)
		return 1;
	return p[0];
}

/* a tc program asks for a writable slice with a buffer */
SEC("tc") int skb_slice_rdwr_buffer(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	char buf[4] = {};
	__u8 *p;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	p = bpf_dynptr_slice_rdwr(&ptr, 0, buf, sizeof(buf));
	if (!p)
		return 1;
	p[0] = 1;
	return 0;
}

/* a tc program asks for a writable slice without a buffer */
SEC("tc") int skb_slice_rdwr_no_buffer(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u8 *p;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	p = bpf_dynptr_slice_rdwr(&ptr, 0, 0, 4);
	if (!p)
		return 1;
	p[0] = 1;
	return 0;
}

/* an xdp program asks for a writable slice */
SEC("xdp") int xdp_slice_rdwr(struct xdp_md *xdp)
{
	struct bpf_dynptr ptr;
	char buf[4] = {};
	__u8 *p;

	bpf_dynptr_from_xdp(xdp, 0, &ptr);
	p = bpf_dynptr_slice_rdwr(&ptr, 0, buf, sizeof(buf));
	if (!p)
		return 1;
	p[0] = 1;
	return 2;
}

/* a cgroup_skb program asks for a writable slice */
SEC("cgroup_skb/ingress") int cgroup_skb_slice_rdwr(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	char buf[4] = {};
	__u8 *p;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	p = bpf_dynptr_slice_rdwr(&ptr, 0, buf, sizeof(buf));
	if (!p)
		return 1;
	return 1;
}

/* a ring buffer record's dynptr gives a writable slice */
SEC("syscall") int local_slice_rdwr(void *ctx)
{
	struct bpf_dynptr ptr;
	__u8 *p;

	bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &ptr);
	p = bpf_dynptr_slice_rdwr(&ptr, 0, 0, 4);
	if (p)
		p[0] = 1;
	bpf_ringbuf_discard_dynptr(&ptr, 0);
	return 3;
}

/* a read-only slice of the packet is stale after a helper that may move the packet */
SEC("tc") int skb_slice_after_pull(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	char buf[4];
	__u8 *p;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	p = bpf_dynptr_slice(&ptr, 0, buf, sizeof(buf));
	if (!p)
		return 1;
	bpf_skb_pull_data(skb, 0);
	return p[0];
}

/* a read-only slice of the packet read before the helper moves it */
SEC("tc") int skb_slice_before_pull(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	char buf[4];
	__u8 *p;
	int v;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	p = bpf_dynptr_slice(&ptr, 0, buf, sizeof(buf));
	if (!p)
		return 1;
	v = p[0];
	bpf_skb_pull_data(skb, 0);
	return v;
}

/* a slice of an xdp packet is stale after bpf_xdp_adjust_head */
SEC("xdp") int xdp_slice_after_adjust(struct xdp_md *xdp)
{
	struct bpf_dynptr ptr;
	char buf[4];
	__u8 *p;

	bpf_dynptr_from_xdp(xdp, 0, &ptr);
	p = bpf_dynptr_slice(&ptr, 0, buf, sizeof(buf));
	if (!p)
		return 1;
	bpf_xdp_adjust_head(xdp, 0);
	return p[0];
}

/* a writable slice of a dynptr never initialised */
SEC("tc") int slice_rdwr_uninit_dynptr(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u8 *p;

	p = bpf_dynptr_slice_rdwr(&ptr, 0, 0, 4);
	if (!p)
		return 1;
	return 0;
}

/* a writable slice asked for with a length that is not a constant */
SEC("tc") int slice_rdwr_var_len(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u8 *p;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	p = bpf_dynptr_slice_rdwr(&ptr, 0, 0, skb->len & 7);
	if (!p)
		return 1;
	return 0;
}

/* a slice's buffer shorter than the length asked for */
SEC("tc") int slice_buffer_too_short(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	char buf[4] = {};
	__u8 *p;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	p = bpf_dynptr_slice(&ptr, 0, buf, 6);
	return p ? 1 : 0;
}

/* a slice without a buffer: any constant length will do */
SEC("tc") int slice_no_buffer(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u8 *p;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	p = bpf_dynptr_slice(&ptr, 0, 0, 6);
	return p ? p[5] : 7;
}

/* a helper may not read a dynptr's own bytes */
SEC("tc") int helper_reads_dynptr_bytes(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u32 key = 0;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	bpf_map_update_elem(&hash, &key, &ptr, 0);
	return 0;
}

/* writing through an skb dynptr may move the packet: its slices are stale */
SEC("tc") int skb_slice_after_dynptr_write(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	char buf[4], data[2] = {1, 2};
	__u8 *p;

	bpf_dynptr_from_skb(skb, 0, &ptr);
	p = bpf_dynptr_slice(&ptr, 0, buf, sizeof(buf));
	if (!p)
		return 1;
	bpf_dynptr_write(&ptr, 0, data, sizeof(data), 0);
	return p[0];
}

/* writing through an xdp dynptr leaves its slices alone */
SEC("xdp") int xdp_slice_after_dynptr_write(struct xdp_md *xdp)
{
	struct bpf_dynptr ptr;
	char buf[4], data[2] = {1, 2};
	__u8 *p;

	bpf_dynptr_from_xdp(xdp, 0, &ptr);
	p = bpf_dynptr_slice(&ptr, 0, buf, sizeof(buf));
	if (!p)
		return 1;
	bpf_dynptr_write(&ptr, 0, data, sizeof(data), 0);
	return p[0] == 1 ? 2 : 3;
}
