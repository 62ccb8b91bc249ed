/* pybpf's linux/bpf.h: the program contexts and constants of the kernel's UAPI that BPF C
 * programs use, at the kernel's offsets. Map types, update flags and struct bpf_timer come with
 * <bpf/bpf_helpers.h>. */
#ifndef __PYBPF_LINUX_BPF_H
#define __PYBPF_LINUX_BPF_H
#include <linux/types.h>

#define __bpf_md_ptr(type, name) union { type name; __u64 :64; } __attribute__((aligned(8)))

struct bpf_flow_keys;
struct bpf_sock;

/* The context of socket filters and tc programs. */
struct __sk_buff {
	__u32 len;
	__u32 pkt_type;
	__u32 mark;
	__u32 queue_mapping;
	__u32 protocol;
	__u32 vlan_present;
	__u32 vlan_tci;
	__u32 vlan_proto;
	__u32 priority;
	__u32 ingress_ifindex;
	__u32 ifindex;
	__u32 tc_index;
	__u32 cb[5];
	__u32 hash;
	__u32 tc_classid;
	__u32 data;
	__u32 data_end;
	__u32 napi_id;
	__u32 family;
	__u32 remote_ip4;
	__u32 local_ip4;
	__u32 remote_ip6[4];
	__u32 local_ip6[4];
	__u32 remote_port;
	__u32 local_port;
	__u32 data_meta;
	__bpf_md_ptr(struct bpf_flow_keys *, flow_keys);
	__u64 tstamp;
	__u32 wire_len;
	__u32 gso_segs;
	__bpf_md_ptr(struct bpf_sock *, sk);
	__u32 gso_size;
	__u8 tstamp_type;
	__u32 :24;
	__u64 hwtstamp;
};

/* The context of XDP programs. */
struct xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
	__u32 egress_ifindex;
};

enum xdp_action {
	XDP_ABORTED = 0,
	XDP_DROP,
	XDP_PASS,
	XDP_TX,
	XDP_REDIRECT,
};

enum sk_action {
	SK_DROP = 0,
	SK_PASS,
};

/* A dynamic pointer: opaque, on the stack (bpf_dynptr_from_mem and the dynptr kfuncs). */
struct bpf_dynptr {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

/* The key of an LPM trie: a prefix length (host order) then the data (network order). */
struct bpf_lpm_trie_key_hdr {
	__u32 prefixlen;
};
struct bpf_lpm_trie_key_u8 {
	union {
		struct bpf_lpm_trie_key_hdr hdr;
		__u32 prefixlen;
	};
	__u8 data[];
};

/* The value of a device map and of a CPU map. */
struct bpf_devmap_val {
	__u32 ifindex;
	union { int fd; __u32 id; } bpf_prog;
};
struct bpf_cpumap_val {
	__u32 qsize;
	union { int fd; __u32 id; } bpf_prog;
};

/* bpf_ringbuf_query() and bpf_ringbuf_output() flags. */
enum {
	BPF_RB_NO_WAKEUP = (1ULL << 0),
	BPF_RB_FORCE_WAKEUP = (1ULL << 1),
};
enum {
	BPF_RB_AVAIL_DATA = 0,
	BPF_RB_RING_SIZE = 1,
	BPF_RB_CONS_POS = 2,
	BPF_RB_PROD_POS = 3,
};

#endif
