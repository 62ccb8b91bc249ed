/* Helper arguments of the kinds the kernel sizes itself: fixed-size memory
 * (ARG_PTR_TO_FIXED_SIZE_MEM: check_mtu's u32 and strtol's long out-parameters, aligned and
 * writable; the raw syncookie helpers' IP and TCP headers, read), per-CPU kernel pointers,
 * and dynptrs on the stack: a constructor wants 16 aligned bytes, every other user an
 * initialised dynptr; a ring-buffer dynptr is a reference that must be submitted or
 * discarded, is never overwritten, and takes its slices with it when released. */
#include "corpus.h"

const volatile __u32 ro_mtu = 1500;

#define A_IMMS IMMS, __imm(bpf_check_mtu), __imm(bpf_strtol), __imm(bpf_tcp_raw_check_syncookie_ipv4),           \
	__imm(bpf_tcp_raw_check_syncookie_ipv6), __imm(bpf_this_cpu_ptr), __imm(bpf_per_cpu_ptr),                  \
	__imm(bpf_dynptr_from_mem), __imm(bpf_dynptr_read), __imm(bpf_dynptr_write), __imm(bpf_dynptr_data),        \
	__imm(bpf_ringbuf_reserve_dynptr), __imm(bpf_ringbuf_submit_dynptr), __imm(bpf_ringbuf_discard_dynptr),     \
	__imm_addr(ro_mtu)
#define A_CASE(sec, name, body)                                                                   \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: A_IMMS : __clobber_all);                                    \
	}
/* r6 = a checked array value (48 bytes), r7 = ctx */
#define VALUE "r7 = r1;" LOOKUP(array) "if r0 == 0 goto 9f; r6 = r0;"
#define OUT "9: r0 = 0; exit;"
/* bpf_check_mtu(ctx = r7, 0, r3, 0, 0) */
#define MTU "r1 = r7; r2 = 0; r4 = 0; r5 = 0; call %[bpf_check_mtu];"

/* the MTU slot: an aligned u32 on the stack */
A_CASE("tc", mtu_stack_aligned, "r7 = r1; r1 = 1500; *(u32 *)(r10 - 4) = r1; r3 = r10; r3 += -4;" MTU "r0 = 0; exit;")
/* a misaligned one */
A_CASE("tc", mtu_stack_misaligned, "r7 = r1; r1 = 0; *(u64 *)(r10 - 8) = r1; r3 = r10; r3 += -6;" MTU "r0 = 0; exit;")
/* one that reaches past the frame */
A_CASE("tc", mtu_stack_past_frame, "r7 = r1; r3 = r10; r3 += -2;" MTU "r0 = 0; exit;")
/* NULL is no memory */
A_CASE("tc", mtu_null, "r7 = r1; r3 = 0;" MTU "r0 = 0; exit;")
/* nor is the context */
A_CASE("tc", mtu_ctx, "r7 = r1; r3 = r1;" MTU "r0 = 0; exit;")
/* the last u32 of a map value */
A_CASE("tc", mtu_map_value_last, VALUE "r3 = r6; r3 += 44;" MTU "r0 = 0; exit;" OUT)
/* past the end of the value */
A_CASE("tc", mtu_map_value_past_end, VALUE "r3 = r6; r3 += 46;" MTU "r0 = 0; exit;" OUT)
/* inside the value but misaligned */
A_CASE("tc", mtu_map_value_misaligned, VALUE "r3 = r6; r3 += 2;" MTU "r0 = 0; exit;" OUT)
/* a read-only global: the helper writes */
A_CASE("tc", mtu_rodata, "r7 = r1; r3 = %[ro_mtu] ll;" MTU "r0 = 0; exit;")
/* after the call the slot holds whatever the helper stored, not the constant put there */
A_CASE("tc", mtu_slot_unknown_after, "r7 = r1; r1 = 1500; *(u32 *)(r10 - 4) = r1; r3 = r10; r3 += -4;" MTU
       "r1 = *(u32 *)(r10 - 4); if r1 == 1500 goto 1f; r1 = 0; r0 = *(u64 *)(r1 + 0); 1: r0 = 0; exit;")
/* strtol's result: an aligned long */
A_CASE("socket", strtol_result_aligned, "r1 = 0x3231; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; r2 = 2; r3 = 0;"
       "r4 = r10; r4 += -16; call %[bpf_strtol]; r0 = 0; exit;")
/* a misaligned one */
A_CASE("socket", strtol_result_misaligned, "r1 = 0x3231; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; r2 = 2; r3 = 0;"
       "r4 = r10; r4 += -20; call %[bpf_strtol]; r0 = 0; exit;")
/* the raw syncookie check reads a 20-byte IPv4 header and a 20-byte TCP header (called on a
 * path runs never take: its result depends on a secret chosen at boot) */
A_CASE("tc", syncookie_v4_headers_on_stack, "r0 = *(u32 *)(r1 + 0); if r0 != 12345 goto 1f; r1 = 0; *(u64 *)(r10 - 48) = r1; *(u64 *)(r10 - 40) = r1;"
       "*(u64 *)(r10 - 32) = r1; *(u64 *)(r10 - 24) = r1; *(u64 *)(r10 - 16) = r1; *(u64 *)(r10 - 8) = r1;"
       "r1 = r10; r1 += -48; r2 = r10; r2 += -24; call %[bpf_tcp_raw_check_syncookie_ipv4]; 1: r0 = 0; exit;")
/* an IPv4 header that ends past the map value */
A_CASE("tc", syncookie_v4_header_past_value, VALUE "r1 = r6; r1 += 32; r2 = r6; call %[bpf_tcp_raw_check_syncookie_ipv4];"
       "r0 = 0; exit;" OUT)
/* a TCP header that ends past the frame */
A_CASE("tc", syncookie_v4_tcp_past_frame, VALUE "r1 = r6; r2 = r10; r2 += -16; call %[bpf_tcp_raw_check_syncookie_ipv4];"
       "r0 = 0; exit;" OUT)
/* an IPv6 header is 40 bytes: 32 of stack are too few */
A_CASE("tc", syncookie_v6_header_too_short, VALUE "r1 = r10; r1 += -32; r2 = r6; call %[bpf_tcp_raw_check_syncookie_ipv6];"
       "r0 = 0; exit;" OUT)
/* a per-CPU pointer is a kernel variable: never the stack */
A_CASE("socket", this_cpu_ptr_of_stack, "r1 = r10; r1 += -8; call %[bpf_this_cpu_ptr]; r0 = 0; exit;")
/* nor a map value */
A_CASE("socket", per_cpu_ptr_of_map_value, VALUE "r1 = r6; r2 = 0; call %[bpf_per_cpu_ptr]; r0 = 0; exit;" OUT)

/* a dynptr at fp+at over the first 16 bytes of the array value r6 (bpf_dynptr_from_mem takes
 * map values only) */
#define FROM_MEM(at) "r1 = r6; r2 = 16; r3 = 0; r4 = r10; r4 += " #at "; call %[bpf_dynptr_from_mem];"
/* bpf_dynptr_read(fp-40, 8, fp-32, 0, 0) */
#define READ "r1 = r10; r1 += -40; r2 = 8; r3 = r10; r3 += -32; r4 = 0; r5 = 0; call %[bpf_dynptr_read];"
/* a ring-buffer dynptr of 16 bytes at fp-32 */
#define RESERVE "r1 = %[rb] ll; r2 = 16; r3 = 0; r4 = r10; r4 += -32; call %[bpf_ringbuf_reserve_dynptr];"
#define SUBMIT "r1 = r10; r1 += -32; r2 = 0; call %[bpf_ringbuf_submit_dynptr];"
#define DISCARD "r1 = r10; r1 += -32; r2 = 0; call %[bpf_ringbuf_discard_dynptr];"

/* a local dynptr, read from */
A_CASE("socket", dynptr_local_read, VALUE FROM_MEM(-32) READ "r0 = 0; exit;" OUT)
/* reading through a dynptr nobody made */
A_CASE("socket", dynptr_read_uninit, READ "r0 = 0; exit;")
/* a dynptr must start on a slot */
A_CASE("socket", dynptr_misaligned, VALUE FROM_MEM(-36) "r0 = 0; exit;" OUT)
/* and needs two slots below the frame pointer */
A_CASE("socket", dynptr_at_fp_minus_8, VALUE FROM_MEM(-8) "r0 = 0; exit;" OUT)
/* its data must be a map value */
A_CASE("socket", dynptr_from_stack_memory, "r1 = r10; r1 += -8; r2 = 8; r3 = 0; r4 = r10; r4 += -32;"
       "call %[bpf_dynptr_from_mem]; r0 = 0; exit;")
/* a dynptr lives on the stack, never in a map value */
A_CASE("socket", dynptr_in_map_value, VALUE "r1 = r10; r1 += -16; r2 = 8; r3 = 0; r4 = r6; call %[bpf_dynptr_from_mem];"
       "r0 = 0; exit;" OUT)
/* its bytes are the kernel's: the program cannot read them */
A_CASE("socket", dynptr_bytes_unreadable, VALUE FROM_MEM(-32) "r0 = *(u64 *)(r10 - 24); exit;" OUT)
/* a store into a local dynptr destroys it */
A_CASE("socket", dynptr_local_overwritten, VALUE FROM_MEM(-32) "r1 = 0; *(u32 *)(r10 - 24) = r1;" READ "r0 = 0; exit;" OUT)
/* a local dynptr may be made again in place */
A_CASE("socket", dynptr_local_remade, VALUE FROM_MEM(-32) FROM_MEM(-32) READ "r0 = 0; exit;" OUT)
/* a helper may not write over a dynptr */
A_CASE("socket", dynptr_helper_writes_over, VALUE FROM_MEM(-32) "r1 = r10; r1 += -32; r2 = 8; r3 = 0;"
       "call %[bpf_probe_read_kernel]; r0 = 0; exit;" OUT)
/* a ring-buffer dynptr, submitted */
A_CASE("socket", ringbuf_dynptr_submit, RESERVE SUBMIT "r0 = 0; exit;")
/* discarded even when the reservation failed */
A_CASE("socket", ringbuf_dynptr_discard_on_failure, RESERVE "if r0 == 0 goto 1f;" DISCARD "r0 = 0; exit; 1:" SUBMIT
       "r0 = 0; exit;")
/* never released: a leak */
A_CASE("socket", ringbuf_dynptr_leak, RESERVE "r0 = 0; exit;")
/* released twice */
A_CASE("socket", ringbuf_dynptr_discard_twice, RESERVE DISCARD DISCARD "r0 = 0; exit;")
/* a local dynptr holds no reference to release */
A_CASE("socket", ringbuf_submit_local_dynptr, VALUE FROM_MEM(-32) SUBMIT "r0 = 0; exit;" OUT)
/* a referenced dynptr may not be overwritten by a store */
A_CASE("socket", ringbuf_dynptr_overwritten, RESERVE "r1 = 0; *(u64 *)(r10 - 32) = r1;" SUBMIT "r0 = 0; exit;")
/* nor made again in place */
A_CASE("socket", ringbuf_dynptr_remade, VALUE RESERVE FROM_MEM(-32) SUBMIT "r0 = 0; exit;" OUT)
/* a slice of a ring-buffer dynptr, written before the submit */
A_CASE("socket", dynptr_slice_write, RESERVE "r1 = r10; r1 += -32; r2 = 0; r3 = 8; call %[bpf_dynptr_data];"
       "if r0 == 0 goto 1f; r1 = 7; *(u64 *)(r0 + 0) = r1; 1:" SUBMIT "r0 = 0; exit;")
/* used after the submit: the slice went with the dynptr */
A_CASE("socket", dynptr_slice_after_submit, RESERVE "r1 = r10; r1 += -32; r2 = 0; r3 = 8; call %[bpf_dynptr_data];"
       "r6 = r0;" SUBMIT "if r6 == 0 goto 1f; r1 = 7; *(u64 *)(r6 + 0) = r1; 1: r0 = 0; exit;")
/* a slice is as long as asked for */
A_CASE("socket", dynptr_slice_past_end, VALUE FROM_MEM(-32) "r1 = r10; r1 += -32; r2 = 0; r3 = 8; call %[bpf_dynptr_data];"
       "if r0 == 0 goto 1f; r0 = *(u64 *)(r0 + 8); 1: r0 = 0; exit;" OUT)
/* of a length the verifier knows */
A_CASE("socket", dynptr_slice_unknown_len, VALUE FROM_MEM(-32) "call %[bpf_get_prandom_u32]; r3 = r0; r3 &= 8; r1 = r10;"
       "r1 += -32; r2 = 0; call %[bpf_dynptr_data]; r0 = 0; exit;" OUT)
/* a slice of a local dynptr at fp-32 (r6 a map value), checked, in r8 */
#define SLICE FROM_MEM(-32) "r1 = r10; r1 += -32; r2 = 0; r3 = 8; call %[bpf_dynptr_data]; if r0 == 0 goto 9f; r8 = r0;"
/* read while its dynptr lives */
A_CASE("socket", dynptr_slice_read, VALUE SLICE "r0 = *(u32 *)(r8 + 0); r0 = 0; exit;" OUT)
/* read after a store destroyed the dynptr: the slice went with it */
A_CASE("socket", dynptr_slice_after_overwrite, VALUE SLICE "r1 = 0; *(u32 *)(r10 - 20) = r1; r0 = *(u32 *)(r8 + 0);"
       "r0 = 0; exit;" OUT)
/* spilled, then filled after the dynptr was made again in place */
A_CASE("socket", dynptr_slice_spilled_remade, VALUE SLICE "*(u64 *)(r10 - 8) = r8;" FROM_MEM(-32)
       "r1 = *(u64 *)(r10 - 8); r0 = *(u32 *)(r1 + 0); r0 = 0; exit;" OUT)
/* a store to another dynptr leaves it alone */
A_CASE("socket", dynptr_slice_other_overwritten, VALUE SLICE FROM_MEM(-64) "r1 = 0; *(u64 *)(r10 - 64) = r1;"
       "r0 = *(u32 *)(r8 + 0); r0 = 0; exit;" OUT)
/* a slice may be NULL */
A_CASE("socket", dynptr_slice_unchecked, VALUE FROM_MEM(-32) "r1 = r10; r1 += -32; r2 = 0; r3 = 8; call %[bpf_dynptr_data];"
       "r0 = *(u64 *)(r0 + 0); r0 = 0; exit;" OUT)
/* writing through a local dynptr: a run returns what bpf_dynptr_write said */
A_CASE("socket", dynptr_write_then_read, VALUE FROM_MEM(-32) "r1 = 0x55; *(u64 *)(r10 - 48) = r1; r1 = r10; r1 += -32; r2 = 4;"
       "r3 = r10; r3 += -48; r4 = 8; r5 = 0; call %[bpf_dynptr_write]; r6 = r0;" READ
       "r0 = *(u64 *)(r10 - 40); r0 += r6; exit;" OUT)
/* a write past the end of the dynptr fails at run time (-E2BIG) */
A_CASE("socket", dynptr_write_past_end, VALUE FROM_MEM(-32) "r1 = r10; r1 += -32; r2 = 12; r3 = r10; r3 += -48; r4 = 8;"
       "r5 = 0; *(u64 *)(r10 - 48) = r5; call %[bpf_dynptr_write]; r0 = -r0; exit;" OUT)
/* flags are refused at run time (-EINVAL), and the dynptr is NULL: reads fail too */
A_CASE("socket", dynptr_from_mem_flags, VALUE "r1 = r6; r2 = 16; r3 = 1; r4 = r10; r4 += -32; call %[bpf_dynptr_from_mem]; r6 = r0; r6 = -r6;" READ
       "r0 = -r0; r0 <<= 8; r0 += r6; exit;" OUT)
