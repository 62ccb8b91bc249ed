/* What every family file of the corpus includes: pybpf's headers, the macros the naked-asm
 * cases use (as the kernel's verifier selftests spell them), the helpers pybpf's header does
 * not declare, and the standard maps. */
#ifndef CORPUS_H
#define CORPUS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define __naked __attribute__((naked))
/* operands of asm volatile(): a helper's id, a map's address, a constant */
#define __imm(name) [name] "i"(name)
#define __imm_addr(name) [name] "i"(&name)
#define __imm_const(name, expr) [name] "i"(expr)
#define __clobber_all "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "memory"
/* One raw instruction, for what clang-19's assembler cannot spell (load-acquire, reserved
 * fields, unknown opcodes): the assembler computes the 64-bit word from the fields. */
#define RAW(op, dst, src, off, imm)                                                             \
	".quad ((" #imm " & 0xffffffff) << 32) | ((" #off " & 0xffff) << 16) | (" #src " << 12) | (" \
	#dst " << 8) | " #op ";"
/* a static subprogram written in asm: "call name;" reaches it */
#define SUBPROG(name) static __naked __noinline __attribute__((used)) int name(void)

/* A 48-byte value: six u64 words. */
struct val48 {
	__u64 w[6];
};

/* array: u32 -> struct val48, 4 entries */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct val48);
} array SEC(".maps");

/* hash: u32 -> u64, 16 entries */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

/* rb: a 4 KiB ring buffer */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

/* a family file may define LICENSE first, to test what non-GPL programs may call */
#ifndef LICENSE
#define LICENSE "GPL"
#endif
char _license[] SEC("license") = LICENSE;

/* The operands every naked case may name. */
#define IMMS                                                                                      \
	__imm_addr(array), __imm_addr(hash), __imm_addr(rb), __imm(bpf_map_lookup_elem),          \
	__imm(bpf_map_update_elem), __imm(bpf_map_delete_elem), __imm(bpf_get_prandom_u32),       \
	__imm(bpf_ktime_get_ns), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit),           \
	__imm(bpf_ringbuf_discard), __imm(bpf_ringbuf_output), __imm(bpf_loop),                   \
	__imm(bpf_skb_load_bytes), __imm(bpf_trace_printk), __imm(bpf_probe_read_kernel),         \
	__imm(bpf_get_smp_processor_id), __imm(bpf_tail_call), __imm(bpf_map_push_elem),          \
	__imm(bpf_for_each_map_elem), __imm(bpf_snprintf), __imm(bpf_csum_diff),                  \
	__imm(bpf_get_current_pid_tgid), __imm(bpf_xdp_adjust_head), __imm(bpf_jiffies64),     \
	__imm(bpf_get_current_comm), __imm(bpf_get_numa_node_id), __imm(bpf_skb_store_bytes), __imm(bpf_ringbuf_query)

/* A naked program of section sec: its body is asm text that may name IMMS. */
#define ASM_CASE(sec, name, body)                                                                 \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: IMMS : __clobber_all);                                      \
	}

/* r0 = bpf_map_lookup_elem(&map, &(u32){0}), the key at fp-4 */
#define LOOKUP(map)                                                                               \
	"r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[" #map "] ll;"                \
	"call %[bpf_map_lookup_elem];"

#endif
