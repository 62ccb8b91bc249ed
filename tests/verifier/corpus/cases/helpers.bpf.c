/* Helper arguments: the kind each argument must have (map pointer, key and value memory of
 * the map's sizes, memory with its size, the context, a function), sizes that must be
 * bounded, and map types a helper accepts. */
#include "corpus.h"

/* a scalar where a map pointer goes */
ASM_CASE("socket", lookup_scalar_map, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = 7; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* the context where a map pointer goes */
ASM_CASE("socket", lookup_ctx_as_map, "r2 = r10; r2 += -4; r3 = 0; *(u32 *)(r10 - 4) = r3; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* a null key */
ASM_CASE("socket", lookup_null_key, "r1 = %[array] ll; r2 = 0; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* a key of uninitialised stack (root may) */
ASM_CASE("socket", lookup_uninit_key, "r1 = %[hash] ll; r2 = r10; r2 += -4; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* a key that would run past the top of the stack */
ASM_CASE("socket", lookup_key_past_stack_top, "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = %[hash] ll; r2 = r10; r2 += -2; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* a key in a map value */
ASM_CASE("socket", lookup_key_from_map_value, LOOKUP(array) "if r0 == 0 goto 1f; r2 = r0; r1 = %[hash] ll; call %[bpf_map_lookup_elem]; 1: r0 = 0; exit;")
/* a key in the last bytes of a map value */
ASM_CASE("socket", lookup_key_at_value_end, LOOKUP(array) "if r0 == 0 goto 1f; r2 = r0; r2 += 44; r1 = %[hash] ll; call %[bpf_map_lookup_elem]; 1: r0 = 0; exit;")
/* a key running past the end of a map value */
ASM_CASE("socket", lookup_key_past_value_end, LOOKUP(array) "if r0 == 0 goto 1f; r2 = r0; r2 += 46; r1 = %[hash] ll; call %[bpf_map_lookup_elem]; 1: r0 = 0; exit;")
/* a key in the context */
ASM_CASE("socket", lookup_key_in_ctx, "r2 = r1; r1 = %[hash] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* an update whose value is smaller than the map's */
ASM_CASE("socket", update_value_too_small, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 16) = r1; r1 = %[array] ll; r2 = r10; r2 += -4;"
	 "r3 = r10; r3 += -16; r4 = 0; call %[bpf_map_update_elem]; r0 = 0; exit;")
/* an update with a whole value on the stack */
ASM_CASE("socket", update_value_full, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 56) = r1; *(u64 *)(r10 - 48) = r1; *(u64 *)(r10 - 40) = r1;"
	 "*(u64 *)(r10 - 32) = r1; *(u64 *)(r10 - 24) = r1; *(u64 *)(r10 - 16) = r1; r1 = %[array] ll; r2 = r10; r2 += -4;"
	 "r3 = r10; r3 += -56; r4 = 0; call %[bpf_map_update_elem]; exit;")
/* a delete from an array (the helper returns -EINVAL at run time) */
ASM_CASE("socket", delete_from_array, "r1 = 0; *(u32 *)(r10 - 4) = r1; r1 = %[array] ll; r2 = r10; r2 += -4; call %[bpf_map_delete_elem]; r0 = -r0; exit;")
/* a lookup in a ring buffer */
ASM_CASE("socket", lookup_in_ringbuf, "r1 = 0; *(u32 *)(r10 - 4) = r1; r1 = %[rb] ll; r2 = r10; r2 += -4; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* a ring buffer helper on an array */
ASM_CASE("socket", ringbuf_output_to_array, "r1 = %[array] ll; r2 = r10; r2 += -8; r3 = 0; *(u64 *)(r10 - 8) = r3; r3 = 8; r4 = 0; call %[bpf_ringbuf_output]; r0 = 0; exit;")
/* a push onto a hash map */
ASM_CASE("socket", push_to_hash, "r1 = %[hash] ll; r2 = r10; r2 += -8; r3 = 0; *(u64 *)(r10 - 8) = r3; call %[bpf_map_push_elem]; r0 = 0; exit;")
/* a tail call through an array */
ASM_CASE("socket", tail_call_through_array, "r2 = %[array] ll; r3 = 0; call %[bpf_tail_call]; r0 = 0; exit;")
/* probe_read into the stack, a constant size */
ASM_CASE("socket", probe_read_const_size, "r1 = r10; r1 += -16; r2 = 16; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* probe_read of zero bytes */
ASM_CASE("socket", probe_read_zero_size, "r1 = r10; r1 += -16; r2 = 0; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* probe_read past the top of the stack */
ASM_CASE("socket", probe_read_past_stack, "r1 = r10; r1 += -16; r2 = 17; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* probe_read with an unbounded size */
ASM_CASE("socket", probe_read_unbounded_size, "r6 = r1; call %[bpf_get_prandom_u32]; r2 = r0; r1 = r10; r1 += -16; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* probe_read with a masked size */
ASM_CASE("socket", probe_read_masked_size, "call %[bpf_get_prandom_u32]; r2 = r0; r2 &= 15; r1 = r10; r1 += -16; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* probe_read with a masked size too large for the buffer */
ASM_CASE("socket", probe_read_masked_size_too_large, "call %[bpf_get_prandom_u32]; r2 = r0; r2 &= 31; r1 = r10; r1 += -16; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* probe_read with a negative size */
ASM_CASE("socket", probe_read_negative_size, "r1 = r10; r1 += -16; r2 = -1; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* probe_read into a null destination */
ASM_CASE("socket", probe_read_null_dst, "r1 = 0; r2 = 8; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* probe_read into a map value */
ASM_CASE("socket", probe_read_into_map_value, LOOKUP(array) "if r0 == 0 goto 1f; r1 = r0; r2 = 48; r3 = 0; call %[bpf_probe_read_kernel]; 1: r0 = 0; exit;")
/* probe_read past the end of a map value */
ASM_CASE("socket", probe_read_past_map_value, LOOKUP(array) "if r0 == 0 goto 1f; r1 = r0; r2 = 49; r3 = 0; call %[bpf_probe_read_kernel]; 1: r0 = 0; exit;")
/* csum_diff with a null "from" and zero size */
ASM_CASE("tc", csum_diff_null_from, "r1 = 0; r2 = 0; r3 = r10; r3 += -8; r4 = 0; *(u64 *)(r10 - 8) = r4; r4 = 8; r5 = 0; call %[bpf_csum_diff]; r0 = 0; exit;")
/* csum_diff with a size that is not a multiple of 4 (checked at run time) */
ASM_CASE("tc", csum_diff_odd_size, "r1 = 0; r2 = 0; r3 = r10; r3 += -8; r4 = 0; *(u64 *)(r10 - 8) = r4; r4 = 6; r5 = 0; call %[bpf_csum_diff]; r0 = -r0; exit;")
/* skb_load_bytes with a stack pointer as the context */
ASM_CASE("tc", skb_load_bytes_stack_as_ctx, "r1 = r10; r2 = 0; r3 = r10; r3 += -8; r4 = 4; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
/* an unknown helper id */
ASM_CASE("socket", unknown_helper, "call 999; r0 = 0; exit;")
/* helper id 0 */
ASM_CASE("socket", helper_zero, "call 0; r0 = 0; exit;")
/* a helper's r0 is unknown: using it as a bound fails */
ASM_CASE("socket", helper_result_unbounded, "call %[bpf_get_smp_processor_id]; r6 = r0;" LOOKUP(array) "if r0 == 0 goto 1f; r0 += r6; r0 = *(u8 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* trace_printk with a format on the stack */
ASM_CASE("socket", trace_printk_stack_fmt, "r1 = 0x0a6968; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; r2 = 4; call %[bpf_trace_printk]; r0 = 0; exit;")
/* trace_printk with a size past the format */
ASM_CASE("socket", trace_printk_size_past_fmt, "r1 = 0x0a6968; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; r2 = 9; call %[bpf_trace_printk]; r0 = 0; exit;")

static long count_elem(void *map, __u32 *key, struct val48 *val, __u64 *count)
{
	*count += 1;
	return 0;
}

static long for_each_returns_three(void *map, __u32 *key, struct val48 *val, void *ctx)
{
	return 3;
}

/* for_each_map_elem over an array counts its elements */
SEC("socket") int for_each_counts(void *skb)
{
	__u64 count = 0;

	bpf_for_each_map_elem(&array, count_elem, &count, 0);
	return count;
}

/* a for_each callback must return 0 or 1 */
SEC("socket") int for_each_callback_returns_three(void *skb)
{
	return bpf_for_each_map_elem(&array, for_each_returns_three, 0, 0);
}

/* for_each_map_elem over a ring buffer */
SEC("socket") int for_each_over_ringbuf(void *skb)
{
	__u64 count = 0;

	return bpf_for_each_map_elem(&rb, count_elem, &count, 0);
}
