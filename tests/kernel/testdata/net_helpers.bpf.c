/* Packet helpers real XDP and tc objects call beyond the basics: byte loads and stores on an
 * XDP packet, its length, lookups in an AF_XDP socket map; pulling skb data, tunnel keys;
 * signals. Each helper's result lands in
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

/* A tunnel key as the UAPI lays it out (struct bpf_tunnel_key, 44 bytes). */
struct tunnel_key {
	__u32 id;
	__u32 remote[4];
	__u8 tos, ttl;
	__u16 ext;
	__u32 label;
	__u32 local[4];
};

SEC("tc")
int tc_pull_and_tunnel(struct __sk_buff *skb)
{
	struct tunnel_key key = {.id = 7, .remote = {0x0a000001}, .ttl = 64};

	got[0] = bpf_skb_pull_data(skb, 0);
	got[1] = bpf_skb_pull_data(skb, 20);
	got[2] = bpf_skb_pull_data(skb, skb->len);
	got[3] = bpf_skb_pull_data(skb, skb->len + 1);
	got[4] = bpf_skb_pull_data(skb, 0xffffffff);
	got[5] = bpf_skb_set_tunnel_key(skb, (void *)&key, sizeof(key), 0);
	got[6] = bpf_skb_set_tunnel_key(skb, (void *)&key, 28, 0);  /* an older, shorter layout */
	got[7] = bpf_skb_set_tunnel_key(skb, (void *)&key, 30, 0);  /* no layout is 30 bytes */
	got[8] = bpf_skb_set_tunnel_key(skb, (void *)&key, sizeof(key), 1 << 5);  /* unknown flag */
	key.label = 5;
	got[9] = bpf_skb_set_tunnel_key(skb, (void *)&key, sizeof(key), 0);  /* a flow label needs IPv6 */
	got[10] = bpf_skb_set_tunnel_key(skb, (void *)&key, sizeof(key), 1);  /* BPF_F_TUNINFO_IPV6 */
	key.ext = 1;
	got[11] = bpf_skb_set_tunnel_key(skb, (void *)&key, sizeof(key), 1);  /* BPF_F_TUNINFO_IPV6 */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* Signals the test runner may safely ask for: 0 only checks the right to signal, 65 is no
 * signal at all (a real one would reach the process running the test). */
SEC("syscall")
int signals(void *ctx)
{
	got[12] = bpf_send_signal(0);
	got[13] = bpf_send_signal(65);
	got[14] = bpf_send_signal_thread(0);
	got[15] = bpf_send_signal_thread(0xffffffff);
	return 0;
}
