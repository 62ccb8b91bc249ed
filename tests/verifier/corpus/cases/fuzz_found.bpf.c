/* What the differential fuzzer (_fuzz.py) found pybpf doing otherwise than the kernel, written
 * as small programs: a 32-bit operation whose range the kernel does not compute leaves the whole
 * register unknown, even its upper half; atomics refuse sockets and check the alignment of any
 * pointer or number; a partial spill prints as the bytes above it and the register; an __ign
 * kfunc argument is not even read; R0 is unset after a helper that returns nothing. */
#include "corpus.h"
#include "prog_array.h"
#include <bpf/bpf_core_read.h>

extern void *bpf_obj_new_impl(__u64 local_type_id__k, void *meta__ign) __ksym;
extern void bpf_obj_drop_impl(void *p__alloc, void *meta__ign) __ksym;

/* w /= 3: the kernel does not zero-extend the unknown result, so r >> 32 is unbounded */
ASM_CASE("socket", div32_upper_half_unknown,
	 "call %[bpf_get_prandom_u32]; w1 = w0; w1 /= 3; r1 >>= 32; r6 = r10; r6 += -8; r6 += r1;"
	 "r0 = *(u8 *)(r6 + 0); r0 = 0; exit;")
/* w %= 3 likewise */
ASM_CASE("socket", mod32_upper_half_unknown,
	 "call %[bpf_get_prandom_u32]; w1 = w0; w1 %%= 3; r1 >>= 32; r6 = r10; r6 += -8; r6 += r1;"
	 "r0 = *(u8 *)(r6 + 0); r0 = 0; exit;")
/* w <<= w, by an unknown amount, likewise */
ASM_CASE("socket", lsh32_unknown_upper_half_unknown,
	 "call %[bpf_get_prandom_u32]; w1 = w0; w2 = w0; w1 <<= w2; r1 >>= 32; r6 = r10; r6 += -8; r6 += r1;"
	 "r0 = *(u8 *)(r6 + 0); r0 = 0; exit;")
/* w += 3 has a range: its upper half is zero, and the read is at fp-8 */
ASM_CASE("socket", add32_upper_half_zero,
	 "call %[bpf_get_prandom_u32]; w1 = w0; w1 += 3; r1 >>= 32; r6 = r10; r6 += -8; r6 += r1;"
	 "r1 = 0; *(u64 *)(r10 - 8) = r1; r0 = *(u8 *)(r6 + 0); exit;")
/* the return value of a 32-bit division is an unknown 64-bit number */
ASM_CASE("cgroup_skb/ingress", div32_return_unknown, "r0 = 100; r8 = 0; w0 /= w8; exit;")
/* be16 of a pointer: a number the kernel knows nothing of, not even its upper half */
ASM_CASE("cgroup_skb/ingress", be16_pointer_return, "r6 = r10; r6 = be16 r6; r0 = r6; exit;")
/* w = -w of a pointer likewise */
ASM_CASE("cgroup_skb/ingress", neg32_pointer_return, "r6 = r10; w6 = -w6; r0 = r6; exit;")
/* be16 of a number is at most 0xffff */
ASM_CASE("cgroup_skb/ingress", be16_number_return,
	 "call %[bpf_get_prandom_u32]; r6 = r0; r6 = be16 r6; r0 = r6; exit;")

/* skb->tstamp_type: tc programs read it */
ASM_CASE("tc", tstamp_type_tc, "r0 = *(u8 *)(r1 + 180); r0 = 0; exit;")
/* socket filters do not */
ASM_CASE("socket", tstamp_type_socket, "r0 = *(u8 *)(r1 + 180); r0 = 0; exit;")
/* nor cgroup_skb programs */
ASM_CASE("cgroup_skb/ingress", tstamp_type_cgroup_skb, "r0 = *(u8 *)(r1 + 180); r0 = 1; exit;")
/* a byte of skb->data: pointers are read whole */
ASM_CASE("tc", data_byte_tc, "r0 = *(u8 *)(r1 + 77); r0 = 0; exit;")
/* half of skb->data_end */
ASM_CASE("tc", data_end_half_tc, "r0 = *(u16 *)(r1 + 82); r0 = 0; exit;")
/* a byte of skb->data_meta */
ASM_CASE("tc", data_meta_byte_tc, "r0 = *(u8 *)(r1 + 143); r0 = 0; exit;")
/* a byte of data_meta, which socket filters may not read at all */
ASM_CASE("socket", data_meta_byte_socket, "r0 = *(u8 *)(r1 + 141); r0 = 0; exit;")
/* a byte of wire_len, which socket filters may not read either */
ASM_CASE("socket", wire_len_byte_socket, "r0 = *(u8 *)(r1 + 161); r0 = 0; exit;")
/* a byte of gso_segs, which they may */
ASM_CASE("socket", gso_segs_byte_socket, "r0 = *(u8 *)(r1 + 165); r0 = 0; exit;")

/* lddw of a kernel BTF id whose second half names a module's BTF by a file descriptor */
ASM_CASE("socket", btf_id_module_fd, RAW(0x18, 1, 3, 0, 0x7fffffff) RAW(0, 0, 0, 0, 5) "r0 = 0; exit;")
/* the same id in the kernel's own BTF: not a variable or function */
ASM_CASE("socket", btf_id_no_module, RAW(0x18, 1, 3, 0, 1) RAW(0, 0, 0, 0, 0) "r0 = 0; exit;")

/* an atomic add to skb->sk's fields */
ASM_CASE("tc", atomic_sock_common,
	 "r6 = *(u64 *)(r1 + 168); if r6 != 0 goto 1f; r0 = 0; exit;"
	 "1: r2 = 1; lock *(u32 *)(r6 + 16) += w2; r0 = 0; exit;")
/* a plain load from it */
ASM_CASE("tc", load_sock_common,
	 "r6 = *(u64 *)(r1 + 168); if r6 != 0 goto 1f; r0 = 0; exit;"
	 "1: r0 = *(u32 *)(r6 + 16); r0 = 0; exit;")
/* an atomic add to a looked-up socket */
ASM_CASE("tc", atomic_sock,
	 "r6 = r1; r1 = 0; *(u64 *)(r10 - 8) = r1; *(u64 *)(r10 - 16) = r1; *(u64 *)(r10 - 24) = r1;"
	 "*(u64 *)(r10 - 32) = r1; *(u64 *)(r10 - 40) = r1; r1 = r6; r2 = r10; r2 += -40; r3 = 36;"
	 "r4 = -1; r5 = 0; call 84; r6 = r0; if r6 != 0 goto 1f; r0 = 0; exit;"
	 "1: r2 = 1; lock *(u32 *)(r6 + 16) += w2; r1 = r6; call 86; r0 = 0; exit;")
/* an atomic add to a socket that may be null, misaligned: checked as a pointer that may be */
ASM_CASE("tc", atomic_misaligned_sock_or_null,
	 "r6 = r1; r1 = 0; *(u64 *)(r10 - 8) = r1; *(u64 *)(r10 - 16) = r1; *(u64 *)(r10 - 24) = r1;"
	 "*(u64 *)(r10 - 32) = r1; *(u64 *)(r10 - 40) = r1; r1 = r6; r2 = r10; r2 += -40; r3 = 36;"
	 "r4 = -1; r5 = 0; call 99; r6 = r0; r2 = 1; lock *(u32 *)(r6 + 3) += w2; r0 = 0; exit;")
/* aligned */
ASM_CASE("tc", atomic_aligned_sock_or_null,
	 "r6 = r1; r1 = 0; *(u64 *)(r10 - 8) = r1; *(u64 *)(r10 - 16) = r1; *(u64 *)(r10 - 24) = r1;"
	 "*(u64 *)(r10 - 32) = r1; *(u64 *)(r10 - 40) = r1; r1 = r6; r2 = r10; r2 += -40; r3 = 36;"
	 "r4 = -1; r5 = 0; call 84; r6 = r0; r2 = 1; lock *(u32 *)(r6 + 4) += w2; r0 = 0; exit;")

/* an atomic through an unknown number: its alignment is checked first */
ASM_CASE("syscall", atomic_unknown_number,
	 "r6 = *(u32 *)(r1 + 0); r2 = 1; lock *(u32 *)(r6 + 56) &= w2; r0 = 0; exit;")
/* through a known number off its size */
ASM_CASE("syscall", atomic_misaligned_number, "r6 = 9; r2 = 1; lock *(u32 *)(r6 + 56) &= w2; r0 = 0; exit;")
/* through a known number aligned */
ASM_CASE("syscall", atomic_aligned_number, "r6 = 8; r2 = 1; lock *(u32 *)(r6 + 56) &= w2; r0 = 0; exit;")
/* through a map value that may be null, misaligned */
ASM_CASE("syscall", atomic_misaligned_maybe_null,
	 "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash] ll; call %[bpf_map_lookup_elem];"
	 "r2 = 1; lock *(u32 *)(r0 + 2) += w2; r0 = 0; exit;")
/* through one that may be null, aligned */
ASM_CASE("syscall", atomic_aligned_maybe_null,
	 "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hash] ll; call %[bpf_map_lookup_elem];"
	 "r2 = 1; lock *(u32 *)(r0 + 0) += w2; r0 = 0; exit;")

/* a loop that never ends: the old state shows a byte spilled at fp-64 as the register */
ASM_CASE("socket", loop_state_byte_spill,
	 "r7 = 0; r0 = 0; r6 = r10; r6 += -64; r6 += r7; *(u8 *)(r6 + 0) = 1; r7 += 0; if r7 < 4 goto -6;"
	 "r0 = 0; exit;")
/* a word and a half-word spilled under unwritten bytes */
ASM_CASE("socket", loop_state_narrow_spills,
	 "r7 = 0; r1 = 5; *(u32 *)(r10 - 8) = r1; r1 = 0; *(u16 *)(r10 - 16) = r1; r7 += 0;"
	 "if r7 < 4 goto -3; r0 = 0; exit;")
/* a word spilled under bytes a store made unknown */
ASM_CASE("socket", loop_state_spill_under_misc,
	 "r7 = 0; r1 = 5; *(u32 *)(r10 - 12) = r1; call %[bpf_get_prandom_u32]; *(u32 *)(r10 - 16) = r0;"
	 "r7 += 0; if r7 < 4 goto -3; r0 = 0; exit;")

struct pair {
	__u64 a;
	__u32 b;
};

/* bpf_obj_drop called from C, both arguments set (this call gives the asm ones their BTF) */
SEC("syscall") int drop_both_set(void *ctx)
{
	struct pair *p = bpf_obj_new_impl(bpf_core_type_id_local(struct pair), 0);

	if (!p)
		return 0;
	bpf_obj_drop_impl(p, 0);
	return 1;
}
/* bpf_obj_drop called with its __ign argument (R2) never set: the kernel does not read it */
SEC("syscall") int drop_meta_unset(void *ctx)
{
	struct pair *p = bpf_obj_new_impl(bpf_core_type_id_local(struct pair), 0);

	if (!p)
		return 0;
	asm volatile ("r1 = %[p]; call %[bpf_obj_drop_impl];" :: [p] "r"(p), __imm(bpf_obj_drop_impl)
		      : "r0", "r1", "r2", "r3", "r4", "r5", "memory");
	return 1;
}
/* bpf_obj_new with its type id (a scalar) never set: a helper call left R1 unset */
SEC("syscall") __naked int new_type_unset(void)
{
	asm volatile ("call %[bpf_get_prandom_u32]; call %[bpf_obj_new_impl]; r0 = 0; exit;"
		      :: __imm(bpf_get_prandom_u32), __imm(bpf_obj_new_impl) : __clobber_all);
}

struct locked {
	__u64 before;
	struct bpf_spin_lock lock;
	__u64 value;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} locks SEC(".maps");

#define R0_CASE(sec, name, body)                                                                  \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: IMMS, __imm_addr(locks), __imm_addr(progs), __imm(bpf_spin_lock), \
			      __imm(bpf_spin_unlock) : __clobber_all);                            \
	}
#define LOCKED "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[locks] ll;"            \
	"call %[bpf_map_lookup_elem]; if r0 == 0 goto 9f; r6 = r0; r1 = r6; r1 += 8;"

/* R0 read after bpf_spin_unlock, which returns nothing */
R0_CASE("tc", r0_after_unlock, LOCKED "call %[bpf_spin_lock]; r1 = r6; r1 += 8; call %[bpf_spin_unlock];"
	"r0 &= 7; exit; 9: r0 = 0; exit;")
/* R0 set again after it */
R0_CASE("tc", r0_set_after_unlock, LOCKED "call %[bpf_spin_lock]; r1 = r6; r1 += 8; call %[bpf_spin_unlock];"
	"r0 = 7; exit; 9: r0 = 0; exit;")
/* R0 read after bpf_spin_lock (and the lock released) */
R0_CASE("tc", r0_after_lock, LOCKED "call %[bpf_spin_lock]; r7 = r0; r1 = r6; r1 += 8; call %[bpf_spin_unlock];"
	"r0 = 0; exit; 9: r0 = 0; exit;")
/* R0 read after a tail call that fell through */
R0_CASE("tc", r0_after_tail_call, "r2 = %[progs] ll; r3 = 0; call %[bpf_tail_call]; r0 &= 1; exit;")
/* a call of a helper that does not exist while the lock is held: the lock is checked first */
R0_CASE("tc", unknown_helper_under_lock, LOCKED "call %[bpf_spin_lock]; call 32767; r0 = 0; exit; 9: r0 = 0; exit;")
/* the same call without the lock */
R0_CASE("tc", unknown_helper, "call 32767; r0 = 0; exit;")

/* an atomic whose operation (its immediate) is negative: printed as a u32 */
ASM_CASE("socket", atomic_negative_operation,
	 "r1 = 0; *(u64 *)(r10 - 8) = r1;" RAW(0xdb, 10, 1, -8, -256) "r0 = 0; exit;")
