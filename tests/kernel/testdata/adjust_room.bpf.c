/* bpf_skb_adjust_room, bpf_skb_change_tail and bpf_skb_change_head on a tc packet: encapsulation room after the MAC header, decapsulation
 * after the network header, the flag and length checks. MODE picks a scenario; each call's
 * result and the skb's length and protocol land in `got`, the packet itself in data_out. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ENCAP_L2(len) ((__u64)((len) & 0xff) << 56)

long got[16];

SEC("tc")
int room(struct __sk_buff *skb)
{
	int i = 0;

#if MODE == 0  /* IPIP-style encap: 20 bytes after the MAC header, then a second encap */
	got[i++] = bpf_skb_adjust_room(skb, 20, 1, (1 << 1) | (1 << 0));
	got[i++] = skb->len;
	got[i++] = bpf_skb_adjust_room(skb, 20, 1, 1 << 1);  /* already encapsulated */
	got[i++] = bpf_skb_adjust_room(skb, 8, 1, 0);  /* plain room is fine */
#elif MODE == 1  /* shrink after the IP header, then over-shrink */
	got[i++] = bpf_skb_adjust_room(skb, -8, 0, 0);
	got[i++] = skb->len;
	got[i++] = bpf_skb_adjust_room(skb, -4000, 0, 0);
	got[i++] = bpf_skb_adjust_room(skb, -(int)skb->len, 1, 0);
#elif MODE == 2  /* bad flags, modes and sizes */
	got[i++] = bpf_skb_adjust_room(skb, 8, 2, 0);
	got[i++] = bpf_skb_adjust_room(skb, 5000, 1, 0);
	got[i++] = bpf_skb_adjust_room(skb, 8, 1, 1ULL << 20);
	got[i++] = bpf_skb_adjust_room(skb, 8, 1, (1 << 1) | (1 << 2));
	got[i++] = bpf_skb_adjust_room(skb, 8, 1, (1 << 1) | (1 << 3) | (1 << 4));
	got[i++] = bpf_skb_adjust_room(skb, 8, 1, (1 << 1) | (1 << 6) | ENCAP_L2(4));
	got[i++] = bpf_skb_adjust_room(skb, 8, 1, (1 << 1) | ENCAP_L2(14));
	got[i++] = bpf_skb_adjust_room(skb, 8, 1, 1 << 7);  /* decap flags to grow */
	got[i++] = bpf_skb_adjust_room(skb, -8, 1, (1 << 7) | (1 << 8));
	got[i++] = bpf_skb_adjust_room(skb, -8, 1, 1 << 1);  /* encap flags to shrink */
	got[i++] = skb->len;
#elif MODE == 3  /* change the protocol: encap in IPv6, then decap as IPv4 */
	got[i++] = bpf_skb_adjust_room(skb, 40, 1, (1 << 2) | (1 << 4));
	got[i++] = skb->protocol;
	got[i++] = bpf_skb_adjust_room(skb, -20, 1, 1 << 7);
	got[i++] = skb->protocol;
	got[i++] = skb->len;
#endif
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int ends(struct __sk_buff *skb)
{
	int i = 0;

#if MODE == 0  /* grow and trim the tail, then the limits */
	got[i++] = bpf_skb_change_tail(skb, skb->len + 6, 0);
	got[i++] = skb->len;
	got[i++] = bpf_skb_change_tail(skb, skb->len - 10, 0);
	got[i++] = bpf_skb_change_tail(skb, 13, 0);
	got[i++] = bpf_skb_change_tail(skb, 14, 0);
	got[i++] = bpf_skb_change_tail(skb, 20000, 0);
	got[i++] = bpf_skb_change_tail(skb, 40, 1);
#elif MODE == 1  /* room at the head: the network header stays where it was */
	got[i++] = bpf_skb_change_head(skb, 14, 0);
	got[i++] = skb->len;
	got[i++] = bpf_skb_change_tail(skb, 20, 0);  /* below the network header now */
	got[i++] = bpf_skb_adjust_room(skb, 4, 1, 0);  /* after the (longer) MAC header */
	got[i++] = bpf_skb_change_head(skb, 8, 2);
	got[i++] = bpf_skb_change_head(skb, 20000, 0);
#elif MODE == 2  /* encapsulated: no tail changes */
	got[i++] = bpf_skb_adjust_room(skb, 20, 1, 1 << 1);
	got[i++] = bpf_skb_change_tail(skb, 60, 0);
	got[i++] = bpf_skb_change_head(skb, 4, 0);
#endif
	return 0;
}

SEC("tc")
int vlans(struct __sk_buff *skb)
{
	int i = 0;

	got[i++] = bpf_skb_vlan_pop(skb);  /* a tagged frame loses its tag; an untagged one nothing */
	got[i++] = skb->protocol;
	got[i++] = bpf_skb_vlan_push(skb, bpf_htons(0x88a8), 7);
	got[i++] = skb->vlan_present << 16 | skb->vlan_tci;
	got[i++] = skb->vlan_proto;
	got[i++] = skb->len;
	got[i++] = bpf_skb_vlan_push(skb, bpf_htons(0x1234), 9);  /* the first tag goes into the frame */
	got[i++] = skb->vlan_proto << 16 | skb->vlan_tci;
	got[i++] = skb->protocol;
	got[i++] = skb->len;
#if MODE == 1
	got[i++] = bpf_skb_vlan_pop(skb);  /* the accelerated tag goes, the frame's moves up */
	got[i++] = skb->vlan_present << 16 | skb->vlan_tci;
	got[i++] = skb->protocol;
	got[i++] = bpf_skb_vlan_pop(skb);
	got[i++] = skb->vlan_present;
	got[i++] = skb->len;
#endif
	return 0;
}

SEC("tc")
int xlat(struct __sk_buff *skb)
{
	int i = 0;

	bpf_set_hash(skb, 99);
	got[i++] = bpf_skb_change_proto(skb, bpf_htons(0x86dd), 1);
	got[i++] = bpf_skb_change_proto(skb, bpf_htons(0x0806), 0);
	got[i++] = bpf_skb_change_proto(skb, bpf_htons(0x86dd), 0);
	got[i++] = skb->protocol << 16 | skb->len;
	got[i++] = skb->hash;
	got[i++] = bpf_skb_change_proto(skb, bpf_htons(0x86dd), 0);  /* already IPv6 */
	got[i++] = bpf_skb_change_proto(skb, bpf_htons(0x0800), 0);
	got[i++] = skb->protocol << 16 | skb->len;
	return 0;
}
