// A socket filter (SEC("socket")): classic packet loads (LD_ABS/LD_IND) and __sk_buff fields
// decide how many bytes of each packet a socket keeps, as tcpdump-style capture filters do.
//
// A socket filter sees the packet from its network header (offset 0 is the first byte of the
// IPv4 header) and returns the number of bytes to keep: 0 drops the packet, skb->len keeps all
// of it. Here: DNS over UDP is kept whole, TCP is cut after its headers, the rest is dropped.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// The classic packet loads. clang turns these intrinsics into BPF_LD_ABS / BPF_LD_IND
// instructions: they read the packet in network byte order and return host-order numbers,
// and a load past the end of the packet ends the program with return value 0 (drop).
unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

#define ETH_P_IP 0x0800
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define DNS_PORT 53

// How many packets took each path (obj.globals["dns"], ...).
__u64 dns;
__u64 tcp;
__u64 dropped;
// The source address of the last DNS packet, in host byte order.
__u32 last_dns_source;

SEC("socket")
int keep_dns_and_tcp_headers(struct __sk_buff *skb)
{
	// skb->protocol holds the EtherType as it was on the wire (big-endian).
	if (skb->protocol != __builtin_bswap16(ETH_P_IP)) {
		dropped++;
		return 0;
	}
	// IPv4: the header length is the low nibble of byte 0, in 32-bit words.
	__u32 ihl = (load_byte(skb, 0) & 0x0f) * 4;
	__u32 proto = load_byte(skb, 9);

	if (proto == IPPROTO_UDP && load_half(skb, ihl + 2) == DNS_PORT) {
		dns++;
		last_dns_source = load_word(skb, 12);
		return skb->len; // keep the whole packet
	}
	if (proto == IPPROTO_TCP) {
		// The TCP data offset (header length in words) is the high nibble of byte 12.
		__u32 doff = (load_byte(skb, ihl + 12) >> 4) * 4;
		tcp++;
		return ihl + doff; // keep the IPv4 and TCP headers only
	}
	dropped++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
