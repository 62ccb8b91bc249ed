/* Which maps each helper may be given, both ways round, and the socket maps' own rules: a
 * sockmap or sockhash entry is updated or deleted only by program types that cannot hold a
 * locked socket (sock_ops may delete but not update), its value is a socket, a lookup returns
 * an acquired socket (to be released), and its value-taking helpers other than update are
 * refused. Sleepable programs use only the maps whose elements stay valid while they sleep. */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} smap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} shash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} sstore SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 2);
	__uint(key_size, 4);
	__uint(value_size, 8 * 127);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 4);
} events SEC(".maps");

/* a per-CPU hash (maptypes has the per-CPU array) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} pcpu SEC(".maps");

#define S_IMMS IMMS, __imm_addr(smap), __imm_addr(shash), __imm_addr(sstore), __imm_addr(stacks),          \
	__imm_addr(events), __imm_addr(pcpu), __imm(bpf_sk_release), __imm(bpf_sk_storage_get),         \
	__imm(bpf_map_lookup_percpu_elem), __imm(bpf_map_pop_elem), __imm(bpf_sk_fullsock)
#define S_CASE(sec, name, body)                                                                   \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: S_IMMS : __clobber_all);                                    \
	}

/* the key 0 at fp-4, r2 pointing to it */
#define KEY0 "r2 = 0; *(u32 *)(r10 - 4) = r2; r2 = r10; r2 += -4;"
/* delete key 0 of a map */
#define DELETE(map) KEY0 "r1 = %[" #map "] ll; call %[bpf_map_delete_elem]; r0 = 0; exit;"
/* r0 = the socket at key 0 of a map, maybe NULL */
#define LOOKUP_SOCK(map) KEY0 "r1 = %[" #map "] ll; call %[bpf_map_lookup_elem];"
/* tc: r6 = skb->sk, a full socket or return 0 */
#define TC_SK "r1 = *(u64 *)(r1 + 168); if r1 != 0 goto 1f; r0 = 0; exit; 1: call %[bpf_sk_fullsock];" \
	"if r0 != 0 goto 2f; r0 = 0; exit; 2: r6 = r0;"

/* tc deletes a sockmap entry */
S_CASE("tc", tc_sockmap_delete, DELETE(smap))
/* tc deletes a sockhash entry */
S_CASE("tc", tc_sockhash_delete, DELETE(shash))
/* xdp deletes a sockmap entry */
S_CASE("xdp", xdp_sockmap_delete, DELETE(smap))
/* socket filters delete a sockhash entry */
S_CASE("socket", socket_sockhash_delete, DELETE(shash))
/* sock_ops deletes a sockmap entry */
S_CASE("sockops", sockops_sockmap_delete, DELETE(smap))
/* cgroup_skb programs may not change socket maps */
S_CASE("cgroup_skb/ingress", cgroup_skb_sockmap_delete, DELETE(smap))
/* nor may raw tracepoints */
S_CASE("raw_tp/sys_enter", raw_tp_sockhash_delete, DELETE(shash))
/* sock_ops may not update with bpf_map_update_elem (it has its own helper) */
S_CASE("sockops", sockops_sockmap_update, "r6 = *(u64 *)(r1 + 184); if r6 == 0 goto 9f;" KEY0
       "r3 = r6; r1 = %[smap] ll; r4 = 0; call %[bpf_map_update_elem]; 9: r0 = 1; exit;")
/* tc updates a sockmap with the packet's full socket */
S_CASE("tc", tc_sockmap_update_with_socket, TC_SK KEY0 "r3 = r6; r1 = %[smap] ll; r4 = 0;"
       "call %[bpf_map_update_elem]; r0 = 0; exit;")
/* a socket map's value is a socket, not bytes on the stack */
S_CASE("tc", tc_sockmap_update_with_stack_value, KEY0 "r3 = 0; *(u64 *)(r10 - 16) = r3; r3 = r10; r3 += -16;"
       "r1 = %[smap] ll; r4 = 0; call %[bpf_map_update_elem]; r0 = 0; exit;")
/* a socket map's lookup is an acquired socket, released after the check */
S_CASE("tc", tc_sockmap_lookup_release, LOOKUP_SOCK(smap) "if r0 == 0 goto 1f; r1 = r0; call %[bpf_sk_release];"
       "1: r0 = 0; exit;")
/* the socket found must be released */
S_CASE("tc", tc_sockhash_lookup_leak, LOOKUP_SOCK(shash) "r0 = 0; exit;")
/* the socket found, once checked, has bpf_sock's fields */
S_CASE("tc", tc_sockmap_lookup_read_field, LOOKUP_SOCK(smap) "if r0 == 0 goto 1f; r6 = *(u32 *)(r0 + 4);"
       "r1 = r0; call %[bpf_sk_release]; 1: r0 = 0; exit;")
/* not before the check */
S_CASE("tc", tc_sockmap_lookup_read_unchecked, LOOKUP_SOCK(smap) "r6 = *(u32 *)(r0 + 4); r0 = 0; exit;")
/* only bpf_map_update_elem may take a socket map's value: pop is refused */
S_CASE("tc", tc_sockmap_pop, "r2 = r10; r2 += -8; r1 = %[smap] ll; call %[bpf_map_pop_elem]; r0 = 0; exit;")
/* a socket-local storage map is no plain map */
S_CASE("tc", tc_sk_storage_lookup, LOOKUP_SOCK(sstore) "r0 = 0; exit;")
/* its value argument: NULL, or memory of the value's size */
S_CASE("tc", tc_sk_storage_get_null_value, TC_SK "r1 = %[sstore] ll; r2 = r6; r3 = 0; r4 = 0;"
       "call %[bpf_sk_storage_get]; r0 = 0; exit;")
/* a number other than 0 is no value */
S_CASE("tc", tc_sk_storage_get_number_value, TC_SK "r1 = %[sstore] ll; r2 = r6; r3 = 1; r4 = 1;"
       "call %[bpf_sk_storage_get]; r0 = 0; exit;")
/* a value on the stack */
S_CASE("tc", tc_sk_storage_get_stack_value, TC_SK "r3 = 0; *(u64 *)(r10 - 8) = r3; r1 = %[sstore] ll; r2 = r6;"
       "r3 = r10; r3 += -8; r4 = 1; call %[bpf_sk_storage_get]; r0 = 0; exit;")
/* a stack trace map is for bpf_get_stackid only */
S_CASE("kprobe/do_nanosleep", stack_trace_lookup, LOOKUP_SOCK(stacks) "r0 = 0; exit;")
/* a perf event array is not looked up */
S_CASE("kprobe/do_nanosleep", perf_event_array_lookup, LOOKUP_SOCK(events) "r0 = 0; exit;")
/* bpf_map_lookup_percpu_elem on a per-CPU hash */
S_CASE("socket", percpu_lookup_percpu_hash, KEY0 "r1 = %[pcpu] ll; r3 = 0; call %[bpf_map_lookup_percpu_elem];"
       "r0 = 0; exit;")
/* not on a plain array */
S_CASE("socket", percpu_lookup_plain_array, KEY0 "r1 = %[array] ll; r3 = 0; call %[bpf_map_lookup_percpu_elem];"
       "r0 = 0; exit;")
/* syscall programs are sleepable: a perf event array is not among the maps they may use */
S_CASE("syscall", sleepable_uses_perf_event_array, "r1 = %[events] ll; r0 = 0; exit;")
/* nor is a stack trace map */
S_CASE("syscall", sleepable_uses_stack_trace, "r1 = %[stacks] ll; r0 = 0; exit;")
/* a per-CPU hash is */
S_CASE("syscall", sleepable_uses_percpu_hash, "r1 = %[pcpu] ll; r0 = 0; exit;")
