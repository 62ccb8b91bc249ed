/* What real objects use beyond plain maps: packet helpers, redirects, the current task,
 * kfuncs (iterators, RCU), kconfig externs, LPM tries and device maps. Every helper's return
 * value lands in a global, so comparing .bss compares every errno. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef TC_ACT_OK
#define TC_ACT_OK 0
#endif

struct lpm_key { __u32 prefixlen; __u8 data[4]; };
struct { __uint(type, BPF_MAP_TYPE_LPM_TRIE); __uint(max_entries, 8); __uint(map_flags, BPF_F_NO_PREALLOC);
	 __type(key, struct lpm_key); __type(value, __u32); } routes SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_DEVMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } tx SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_DEVMAP_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } txh SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 16); __type(value, __u32); } seen_ips SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_CPUMAP); __uint(max_entries, 2); __type(key, __u32); __type(value, __u32); } cpus SEC(".maps");

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern _Bool LINUX_HAS_BPF_COOKIE __kconfig __weak;
extern _Bool LINUX_HAS_SYSCALL_WRAPPER __kconfig __weak;
extern int CONFIG_HZ __kconfig __weak;
extern void bpf_no_such_kfunc(void) __ksym __weak;

long rc[32];
long sum, reps, kconf, route;
__u64 uid_gid, pid_tgid;
char comm[16];

SEC("syscall")
int loops(void *ctx)
{
	int i;
	struct bpf_iter_num it;
	int *v;

	bpf_rcu_read_lock();
	bpf_for(i, 3, 10) sum += i;
	bpf_repeat(4) reps++;
	bpf_rcu_read_unlock();
	rc[0] = bpf_iter_num_new(&it, 5, 2);  /* start > end: -EINVAL */
	v = bpf_iter_num_next(&it);
	rc[1] = v ? *v : -1;
	bpf_iter_num_destroy(&it);
	rc[2] = bpf_iter_num_new(&it, 0, 9000000);  /* over BPF_MAX_LOOPS: -E2BIG */
	bpf_iter_num_destroy(&it);
	kconf = LINUX_HAS_BPF_COOKIE + 2 * LINUX_HAS_SYSCALL_WRAPPER + 4 * CONFIG_HZ;
	rc[3] = bpf_ksym_exists(bpf_no_such_kfunc);
	return 0;
}

SEC("syscall")
int task(void *ctx)
{
	uid_gid = bpf_get_current_uid_gid();
	pid_tgid = bpf_get_current_pid_tgid() == 0;
	rc[4] = bpf_get_current_comm(comm, sizeof(comm));
	return 0;
}

SEC("tc")  /* a sleepable (syscall) program may not use LPM tries or bloom filters */
int lookups(struct __sk_buff *skb)
{
	struct lpm_key k = {32, {10, 1, 2, 3}};
	__u32 *v = bpf_map_lookup_elem(&routes, &k), ip = 0x0a010203, other = 7;

	route = v ? *v : -1;
	rc[5] = bpf_map_peek_elem(&seen_ips, &ip);
	rc[6] = bpf_map_push_elem(&seen_ips, &ip, BPF_ANY);
	rc[7] = bpf_map_peek_elem(&seen_ips, &ip);
	rc[8] = bpf_map_peek_elem(&seen_ips, &other);
	rc[9] = bpf_map_push_elem(&seen_ips, &ip, BPF_EXIST);
	return 0;
}

SEC("tc")
int skb_ops(struct __sk_buff *skb)
{
	__u8 buf[8] = {};
	__u32 a[2] = {0x01020304, 0x05060708}, b[2] = {0x11121314, 0x15161718};
	__u32 old_ip = 0x0100000a, new_ip = 0x0200000a;

	rc[10] = bpf_skb_load_bytes(skb, 26, buf, 4);
	rc[11] = *(__u32 *)buf;
	rc[12] = bpf_skb_load_bytes(skb, 1000, buf, 4);
	rc[13] = bpf_csum_diff(a, sizeof(a), b, sizeof(b), 0);
	rc[14] = bpf_csum_diff(0, 0, b, sizeof(b), 0x1234);
	rc[15] = bpf_csum_diff(a, 3, b, sizeof(b), 0);
	rc[16] = bpf_l3_csum_replace(skb, 24, old_ip, new_ip, 4);
	rc[17] = bpf_skb_store_bytes(skb, 26, &new_ip, 4, 0);
	rc[18] = bpf_l4_csum_replace(skb, 40, old_ip, new_ip, BPF_F_PSEUDO_HDR | 4);
	rc[19] = bpf_l3_csum_replace(skb, 24, 0, 0, 3);
	rc[20] = bpf_skb_store_bytes(skb, 1000, &new_ip, 4, 0);
	rc[21] = bpf_l4_csum_replace(skb, 40, 0x1234, 0x4321, BPF_F_MARK_MANGLED_0 | 2);
	return TC_ACT_OK;
}

SEC("xdp")
int xdp_fwd(struct xdp_md *ctx)
{
	return bpf_redirect_map(&tx, 1, XDP_PASS);
}

SEC("xdp")
int xdp_fwd_hash(struct xdp_md *ctx)
{
	return bpf_redirect_map(&txh, 1, XDP_DROP);
}

SEC("xdp")
int xdp_redir(struct xdp_md *ctx)
{
	return bpf_redirect(1, 0);
}

SEC("xdp")
int xdp_bad_flags(struct xdp_md *ctx)
{
	return bpf_redirect_map(&tx, 1, 1 << 5);
}

SEC("xdp")
int xdp_pop_eth(struct xdp_md *ctx)
{
	rc[22] = bpf_xdp_adjust_head(ctx, 14);
	rc[23] = bpf_xdp_adjust_head(ctx, 4000);
	return XDP_PASS;
}

SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	rc[30] = bpf_xdp_adjust_meta(ctx, -8);
	rc[31] = bpf_xdp_adjust_meta(ctx, -6);
	rc[29] = bpf_xdp_adjust_meta(ctx, -64);
	rc[28] = bpf_xdp_adjust_meta(ctx, -200);
	return XDP_PASS;
}

SEC("xdp")
int xdp_tail(struct xdp_md *ctx)
{
	rc[24] = bpf_xdp_adjust_tail(ctx, -20);
	rc[25] = bpf_xdp_adjust_tail(ctx, 100);
	rc[26] = bpf_xdp_adjust_tail(ctx, -200);
	rc[27] = bpf_xdp_adjust_tail(ctx, 4000);
	rc[28] = bpf_xdp_adjust_tail(ctx, 3520 - 144);
	rc[29] = bpf_xdp_adjust_tail(ctx, 1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_fib(struct xdp_md *ctx)
{
	struct bpf_fib_lookup p = {};

	p.family = 2;
	p.ifindex = 1;
	p.ipv4_dst = 0x08080808;
	rc[24] = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	rc[25] = bpf_fib_lookup(ctx, &p, sizeof(p), BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT);
	rc[26] = bpf_fib_lookup(ctx, &p, sizeof(p), 1 << 7);
	p.ifindex = 999;
	rc[27] = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	p.ifindex = 1;
	p.family = 7;
	rc[22] = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	p.family = 10;
	rc[23] = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
