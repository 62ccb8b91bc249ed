/* Packet helpers real XDP and tc objects call beyond the basics: byte loads and stores on an
 * XDP packet, its length, lookups in an AF_XDP socket map. Each helper's result lands in
 * `got`, so comparing .bss compares every errno and every byte copied. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct { __uint(type, BPF_MAP_TYPE_XSKMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } socks SEC(".maps");

long got[16];
unsigned char bytes[24];

SEC("xdp")
int xdp_bytes(struct xdp_md *ctx)
{
	unsigned char eth[14] = {}, tail[8] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
	__u32 far = 70000;

	got[0] = bpf_xdp_get_buff_len(ctx);
	got[1] = bpf_xdp_load_bytes(ctx, 0, eth, sizeof(eth));
	__builtin_memcpy(bytes, eth, sizeof(eth));
	got[2] = bpf_xdp_load_bytes(ctx, got[0] - 4, tail, sizeof(tail));  /* runs past the end */
	__builtin_memcpy(bytes + 14, tail, 8);
	got[3] = bpf_xdp_load_bytes(ctx, far, tail, 4);  /* offset over 64 KiB */
	got[4] = bpf_xdp_store_bytes(ctx, 6, eth, 6);  /* source MAC := destination MAC */
	got[5] = bpf_xdp_store_bytes(ctx, got[0] - 2, eth, 4);
	got[6] = bpf_xdp_load_bytes(ctx, got[0] - 8, tail, 8);  /* the last byte exactly */
	bytes[22] = tail[7];
	return XDP_PASS;
}

SEC("xdp")
int xdp_to_sock(struct xdp_md *ctx)
{
	__u32 queue = ctx->rx_queue_index;

	got[7] = bpf_map_lookup_elem(&socks, &queue) != 0;
	return bpf_redirect_map(&socks, queue, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
