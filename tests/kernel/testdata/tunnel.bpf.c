/* Tunnel metadata on a test run's packet: none at first (the getters fail and zero their
 * buffer, options cannot be set), then the metadata a key sets, whose options read back. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

long got[12];
unsigned char seen[12];

SEC("tc")
int tunnel(struct __sk_buff *skb)
{
	__u32 key[11] = {};  /* struct bpf_tunnel_key: tunnel_id, remote_ipv4, ... */
	unsigned char opt[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned char out[12];

	__builtin_memset(out, 0xff, sizeof(out));
	got[0] = bpf_skb_get_tunnel_key(skb, (void *)key, sizeof(key), 0);
	got[1] = key[0];
	got[2] = bpf_skb_get_tunnel_opt(skb, out, sizeof(out));
	got[3] = out[0];
	got[4] = bpf_skb_set_tunnel_opt(skb, opt, 8);
	key[1] = 0x0a000001;
	key[0] = 7;
	got[5] = bpf_skb_set_tunnel_key(skb, (void *)key, sizeof(key), 0);
	got[6] = bpf_skb_get_tunnel_opt(skb, out, sizeof(out));
	got[7] = bpf_skb_set_tunnel_opt(skb, opt, 6);
	got[8] = bpf_skb_set_tunnel_opt(skb, opt, 8);
	got[9] = bpf_skb_get_tunnel_opt(skb, out, 4);
	got[10] = bpf_skb_get_tunnel_opt(skb, out, sizeof(out));
	__builtin_memcpy(seen, out, sizeof(out));
	got[11] = bpf_skb_get_tunnel_key(skb, (void *)key, sizeof(key), 1 << 3);  /* an unknown flag */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
