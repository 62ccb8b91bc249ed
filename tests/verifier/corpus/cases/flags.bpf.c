/* Helper flags: the verifier wants some flags constant (ring buffer reservations), leaves
 * others to the helper at run time (map updates, bpf_loop), whose errors the run returns. */
#include "corpus.h"

/* a reservation with a flag the helper does not know */
ASM_CASE("socket", reserve_unknown_flag, "r1 = %[rb] ll; r2 = 8; r3 = 1; call %[bpf_ringbuf_reserve]; if r0 == 0 goto 1f;"
	 "r1 = r0; r2 = 0; call %[bpf_ringbuf_discard]; r0 = 1; exit; 1: r0 = 0; exit;")
/* a reservation with flags that are not constant */
ASM_CASE("socket", reserve_unknown_flags_value, "call %[bpf_get_prandom_u32]; r3 = r0; r1 = %[rb] ll; r2 = 8; call %[bpf_ringbuf_reserve];"
	 "if r0 == 0 goto 1f; r1 = r0; r2 = 0; call %[bpf_ringbuf_discard]; 1: r0 = 0; exit;")
/* a submission without wakeup */
ASM_CASE("socket", submit_no_wakeup, "r1 = %[rb] ll; r2 = 8; r3 = 0; call %[bpf_ringbuf_reserve]; if r0 == 0 goto 1f;"
	 "r1 = 0; *(u64 *)(r0 + 0) = r1; r1 = r0; r2 = 1; call %[bpf_ringbuf_submit]; r0 = 1; exit; 1: r0 = 0; exit;")
/* a submission with flags that are not constant */
ASM_CASE("socket", submit_unknown_flags_value, "r1 = %[rb] ll; r2 = 8; r3 = 0; call %[bpf_ringbuf_reserve]; if r0 == 0 goto 1f;"
	 "r6 = r0; call %[bpf_get_prandom_u32]; r2 = r0; r2 &= 1; r1 = r6; call %[bpf_ringbuf_submit]; 1: r0 = 0; exit;")
/* a map update with an unknown flag: -EINVAL at run time */
ASM_CASE("socket", update_unknown_flag, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 16) = r1; r1 = %[hash] ll; r2 = r10; r2 += -4;"
	 "r3 = r10; r3 += -16; r4 = 8; call %[bpf_map_update_elem]; r0 = -r0; exit;")
/* BPF_NOEXIST on a missing key, then on the same key again: -EEXIST */
ASM_CASE("socket", update_noexist_twice, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 16) = r1; r1 = %[hash] ll; r2 = r10; r2 += -4;"
	 "r3 = r10; r3 += -16; r4 = 1; call %[bpf_map_update_elem]; r1 = %[hash] ll; r2 = r10; r2 += -4;"
	 "r3 = r10; r3 += -16; r4 = 1; call %[bpf_map_update_elem]; r0 = -r0; exit;")
/* BPF_F_LOCK on a map without a lock: -EINVAL at run time */
ASM_CASE("socket", update_f_lock_without_lock, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 16) = r1; r1 = %[hash] ll; r2 = r10; r2 += -4;"
	 "r3 = r10; r3 += -16; r4 = 4; call %[bpf_map_update_elem]; r0 = -r0; exit;")
SUBPROG(flags_cb)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}
/* bpf_loop with non-zero flags: -EINVAL at run time */
ASM_CASE("socket", bpf_loop_nonzero_flags, "r1 = 2; r2 = flags_cb ll; r3 = 0; r4 = 1; call %[bpf_loop]; r0 = -r0; exit;")
/* bpf_loop with too many iterations: -E2BIG at run time */
ASM_CASE("socket", bpf_loop_too_many, "r1 = 0x800001; r2 = flags_cb ll; r3 = 0; r4 = 0; call %[bpf_loop]; r0 = -r0; exit;")
/* ringbuf_output with an unknown flag: -EINVAL at run time */
ASM_CASE("socket", output_unknown_flag, "r1 = %[rb] ll; r2 = r10; r2 += -8; r3 = 0; *(u64 *)(r10 - 8) = r3; r3 = 8; r4 = 4; call %[bpf_ringbuf_output]; r0 = -r0; exit;")
/* ringbuf_query of the ring's size */
ASM_CASE("socket", query_ring_size, "r1 = %[rb] ll; r2 = 1; call %[bpf_ringbuf_query]; exit;")
