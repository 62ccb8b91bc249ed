/* Helpers a tc or syscall program may call whose results do not depend on a socket or device
 * pybpf lacks: strtol/strtoul, ring buffer dynptrs, the skb metadata helpers. Each result lands
 * in `got`, so comparing .bss compares every errno. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");

long got[32];
long parsed[16];
char texts[8][24] = { " \t-42z", "0x1fg", "0777", "-", "18446744073709551616", "9223372036854775808",
                      "-9223372036854775808", "  +5" };

SEC("syscall")
int strings(void *ctx)
{
	long v;
	unsigned long u;

	for (int i = 0; i < 8; i++) {
		got[2 * i] = bpf_strtol(texts[i], sizeof(texts[i]), 0, &v);
		parsed[2 * i] = v;
		got[2 * i + 1] = bpf_strtoul(texts[i], sizeof(texts[i]), 0, &u);
		parsed[2 * i + 1] = u;
	}
	got[16] = bpf_strtol(texts[1], sizeof(texts[1]), 16, &v);
	got[17] = bpf_strtol(texts[1], 3, 10, &v);
	got[18] = bpf_strtol(texts[2], sizeof(texts[2]), 7, &v);  /* no such base */
	got[19] = bpf_strtoul(texts[2], 2, 32, &u);  /* flags past the base */
	got[20] = bpf_strtoul(texts[2], sizeof(texts[2]), 8, &u) + u;
	return 0;
}

SEC("tc")
int dynptrs(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u32 word = 0x01020304;

	got[0] = bpf_ringbuf_reserve_dynptr(&events, 8, 0, &ptr);
	got[1] = bpf_dynptr_write(&ptr, 0, &word, sizeof(word), 0);
	got[2] = bpf_dynptr_write(&ptr, 6, &word, sizeof(word), 0);  /* past the end */
	got[3] = bpf_dynptr_read(&word, sizeof(word), &ptr, 2, 0);
	bpf_ringbuf_submit_dynptr(&ptr, 0);
	got[4] = bpf_ringbuf_reserve_dynptr(&events, 8, 1, &ptr);  /* flags: a NULL dynptr */
	got[5] = bpf_dynptr_read(&word, sizeof(word), &ptr, 0, 0);
	bpf_ringbuf_discard_dynptr(&ptr, 0);
	got[6] = bpf_ringbuf_reserve_dynptr(&events, 8192, 0, &ptr);  /* too big for the ring */
	bpf_ringbuf_discard_dynptr(&ptr, 0);
	got[7] = bpf_ringbuf_reserve_dynptr(&events, 16, 0, &ptr);
	bpf_ringbuf_discard_dynptr(&ptr, 0);
	got[8] = word;
	return 0;
}

SEC("tc")
int skb_meta(struct __sk_buff *skb)
{
	unsigned char head[8] = {};

	got[0] = bpf_get_cgroup_classid(skb);
	got[1] = bpf_get_route_realm(skb);
	got[2] = bpf_skb_change_type(skb, 7);  /* no such type */
	got[3] = bpf_skb_change_type(skb, 0);
	got[4] = skb->pkt_type;
	got[5] = bpf_set_hash(skb, 0x1234);
	got[6] = skb->hash;
	bpf_set_hash_invalid(skb);
	got[7] = skb->hash;
	got[8] = bpf_csum_update(skb, 5);
	got[9] = bpf_skb_load_bytes_relative(skb, 0, head, 4, 1);
	got[10] = head[0];
	got[11] = bpf_skb_load_bytes_relative(skb, 12, head, 2, 0);
	got[12] = head[0] << 8 | head[1];
	got[13] = bpf_skb_load_bytes_relative(skb, 0, head, 4, 2);  /* no such header */
	got[14] = bpf_skb_load_bytes_relative(skb, 4000, head, 4, 1);
	got[15] = bpf_skb_set_tstamp(skb, 0, 1);  /* a delivery time must not be 0 */
	got[16] = bpf_skb_set_tstamp(skb, 77, 1);
	got[17] = skb->tstamp;
	got[18] = bpf_skb_set_tstamp(skb, 5, 0);
	got[19] = bpf_get_branch_snapshot(head, 8, 0);
	got[20] = bpf_get_branch_snapshot(head, 0, 0);
	got[21] = bpf_get_branch_snapshot(head, 8, 1);
	got[22] = bpf_skb_ecn_set_ce(skb);
	return bpf_redirect_peer(1, 1);  /* flags: TC_ACT_SHOT */
}

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int skb_socket(struct __sk_buff *skb)
{
	int i = 0;

	got[i++] = bpf_skb_cgroup_id(skb) == bpf_get_current_cgroup_id();
	got[i++] = bpf_get_socket_uid(skb);
	got[i++] = bpf_skb_cgroup_classid(skb);
	got[i++] = bpf_csum_level(skb, 0);  /* CHECKSUM_NONE: -EACCES */
	got[i++] = bpf_csum_level(skb, 1);
	got[i++] = bpf_csum_level(skb, 0);
	got[i++] = bpf_csum_level(skb, 1) + bpf_csum_level(skb, 1) + bpf_csum_level(skb, 1) + bpf_csum_level(skb, 1);
	got[i++] = bpf_csum_level(skb, 0);  /* at most 3 */
	got[i++] = bpf_csum_level(skb, 2);
	got[i++] = bpf_csum_level(skb, 0);
	got[i++] = bpf_skb_adjust_room(skb, 4, 1, 1 << 5);  /* BPF_F_ADJ_ROOM_NO_CSUM_RESET */
	got[i++] = bpf_csum_level(skb, 0);
	got[i++] = bpf_skb_adjust_room(skb, -4, 1, 0);
	got[i++] = bpf_csum_level(skb, 0);
	got[i++] = bpf_csum_level(skb, 9);
	got[i++] = bpf_clone_redirect(skb, 1, 0);
	got[i++] = bpf_clone_redirect(skb, 99, 0);
	got[i++] = bpf_clone_redirect(skb, 1, 4);
	got[i++] = bpf_csum_level(skb, 1) + bpf_csum_level(skb, 3) + bpf_csum_level(skb, 2);
	got[i++] = bpf_csum_level(skb, 0);
	return 0;
}

static __always_inline void mtu_checks(void *ctx, int xdp)
{
	__u32 mtu = 0;
	int i = 0;

	got[i++] = bpf_check_mtu(ctx, 0, &mtu, 0, 0);
	got[i++] = mtu;
	mtu = 0;
	got[i++] = bpf_check_mtu(ctx, 1, &mtu, 65536, 0);  /* grown past the MTU */
	mtu = 1500;
	got[i++] = bpf_check_mtu(ctx, 0, &mtu, 0, 0);  /* an L3 length given */
	mtu = 65530;
	got[i++] = bpf_check_mtu(ctx, 0, &mtu, 8, 0);
	mtu = 0;
	got[i++] = bpf_check_mtu(ctx, 4242, &mtu, 0, 0);  /* no such device */
	got[i++] = mtu;
	mtu = 0;
	got[i++] = bpf_check_mtu(ctx, 0, &mtu, 0, 1);  /* SEGS: not for XDP */
	mtu = 0;
	got[i++] = bpf_check_mtu(ctx, 0, &mtu, 4, 1);
	got[i++] = bpf_check_mtu(ctx, 0, &mtu, -100, 0);
}

SEC("tc")
int tc_mtu(struct __sk_buff *skb)
{
	mtu_checks(skb, 0);
	return 0;
}

SEC("xdp")
int xdp_mtu(struct xdp_md *ctx)
{
	mtu_checks(ctx, 1);
	return XDP_PASS;
}

SEC("tc")
int xfrm(struct __sk_buff *skb)
{
	__u32 state[7];  /* struct bpf_xfrm_state */

	__builtin_memset(state, 0x55, sizeof(state));
	got[0] = bpf_skb_get_xfrm_state(skb, 0, state, sizeof(state), 0);
	got[1] = state[0] | state[6];
	return 0;
}

SEC("tc")
int netns_ctx(struct __sk_buff *skb)
{
#if MODE == 1
	return bpf_get_netns_cookie((void *)skb + 8) != 0;  /* a moved context is refused */
#else
	got[0] = bpf_get_netns_cookie(skb);
	got[1] = bpf_get_netns_cookie(0);
	return 0;
#endif
}

#if MODE == 2
SEC("tc")
int sleeps(struct __sk_buff *skb)
{
	char buf[8];

	return bpf_copy_from_user(buf, sizeof(buf), 0);  /* tc programs never sleep */
}
#endif

SEC("syscall")
int copies(__u64 *ctx)
{
	long word = 0x1122334455667788;
	long out[3] = {};

	got[0] = bpf_copy_from_user(&out[0], 8, &word);  /* program memory: no user page here */
	got[1] = bpf_copy_from_user_task(&out[1], 8, &word, bpf_get_current_task_btf(), 1);
	got[2] = out[1];
	got[3] = bpf_copy_from_user(&out[2], 8, (void *)ctx[0]);  /* the caller's memory */
	got[4] = out[2];
	got[5] = bpf_copy_from_user_task(&out[2], 8, (void *)(ctx[0] + 8), bpf_get_current_task_btf(), 0);
	got[6] = out[2];
	got[7] = bpf_copy_from_user(&out[2], 8, (void *)8);  /* nothing mapped there */
	return 0;
}

SEC("tc")
int ancestors(struct __sk_buff *skb)
{
	got[0] = bpf_skb_ancestor_cgroup_id(skb, 0);
	got[1] = bpf_skb_ancestor_cgroup_id(skb, 1);
	got[2] = bpf_skb_ancestor_cgroup_id(skb, -1);
	got[3] = bpf_get_current_ancestor_cgroup_id(0);
	got[4] = bpf_get_current_ancestor_cgroup_id(3);
	return 0;
}

struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, __u32); } counters SEC(".maps");

SEC("tc")
int counters_empty(struct __sk_buff *skb)
{
	__u64 value[3];

	got[0] = bpf_perf_event_read(&counters, 0);  /* no event in the slot */
	got[1] = bpf_perf_event_read(&counters, 5);  /* past the end */
	got[2] = bpf_perf_event_read(&counters, 1ULL << 33);
	__builtin_memset(value, 0x55, sizeof(value));
	got[3] = bpf_perf_event_read_value(&counters, 1, (void *)value, sizeof(value));
	got[4] = value[0] | value[2];
	got[5] = bpf_perf_event_read_value(&counters, 1, (void *)value, 16);
	return 0;
}
