/* Memory arguments of helpers at their edges: NULL is only fine where the argument may be NULL
 * and the size may be 0; a stack pointer given with size 0 must still point into the frame;
 * and the helpers that return how many bytes they copied (bpf_get_stack, the *_str reads)
 * return at most the size they were given, or a negative errno, which programs use to index
 * their buffers. Shifts by the register width or more leave nothing known, while <<32 then
 * s>>32 (sign-extending a subregister) keeps non-negative 32-bit bounds. */
#include "corpus.h"

#define H_IMMS IMMS, __imm(bpf_get_stack), __imm(bpf_probe_read_kernel_str)
#define H_CASE(sec, name, body)                                                                   \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: H_IMMS : __clobber_all);                                    \
	}
/* r6 = a checked array value (48 bytes) */
#define VALUE "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[array] ll; call %[bpf_map_lookup_elem];" \
	"if r0 == 0 goto 9f; r6 = r0;"
#define OUT "9: r0 = 0; exit;"

/* bpf_csum_diff(NULL, 0, ...) : NULL with nothing to read */
H_CASE("tc", csum_diff_null_size_zero, "r1 = 0; r2 = 0; r3 = 0; r4 = 0; r5 = 0; call %[bpf_csum_diff]; r0 = 0; exit;")
/* NULL with a size that may be 64 */
H_CASE("tc", csum_diff_null_size_up_to_64, "r6 = r1; call %[bpf_get_prandom_u32]; r2 = r0; r2 &= 64; r1 = 0; r3 = 0;"
       "r4 = 0; r5 = 0; call %[bpf_csum_diff]; r0 = 0; exit;")
/* NULL with a size of 4 */
H_CASE("tc", csum_diff_null_size_four, "r1 = 0; r2 = 4; r3 = 0; r4 = 0; r5 = 0; call %[bpf_csum_diff]; r0 = 0; exit;")
/* size 0 at fp-8: inside the frame */
H_CASE("socket", probe_read_zero_at_fp_minus_8, "r1 = r10; r1 += -8; r2 = 0; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* size 0 at fp itself: the first byte would be outside the frame */
H_CASE("socket", probe_read_zero_at_fp, "r1 = r10; r2 = 0; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* size 0 at a variable offset that may reach above the frame */
H_CASE("socket", probe_read_zero_variable_above_frame, "call %[bpf_get_prandom_u32]; r1 = r0; r1 &= 63; r1 += -16;"
       "r1 += r10; r2 = 0; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* size 0 at a variable offset inside the frame */
H_CASE("socket", probe_read_zero_variable_inside, "call %[bpf_get_prandom_u32]; r1 = r0; r1 &= 15; r1 += -32;"
       "r1 += r10; r2 = 0; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* bpf_get_stack into half a value, then its result indexes the value */
H_CASE("tracepoint/syscalls/sys_enter_nanosleep", get_stack_result_indexes_value, "r7 = r1;" VALUE
       "r1 = r7; r2 = r6; r3 = 24; r4 = 256; call %[bpf_get_stack]; if r0 s< 0 goto 9f; r6 += r0;"
       "r0 = *(u8 *)(r6 + 23); exit;" OUT)
/* one byte further is past the value */
H_CASE("tracepoint/syscalls/sys_enter_nanosleep", get_stack_result_indexes_past_value, "r7 = r1;" VALUE
       "r1 = r7; r2 = r6; r3 = 24; r4 = 256; call %[bpf_get_stack]; if r0 s< 0 goto 9f; r6 += r0;"
       "r0 = *(u8 *)(r6 + 24); exit;" OUT)
/* the result sign-extended with <<32 s>>32 and checked non-negative */
H_CASE("tracepoint/syscalls/sys_enter_nanosleep", get_stack_result_sign_extended, "r7 = r1;" VALUE
       "r1 = r7; r2 = r6; r3 = 24; r4 = 256; call %[bpf_get_stack]; r0 <<= 32; r0 s>>= 32; if r0 s< 0 goto 9f;"
       "r6 += r0; r0 = *(u8 *)(r6 + 23); exit;" OUT)
/* bpf_probe_read_kernel_str returns at most its size */
H_CASE("socket", read_str_result_indexes_value, VALUE "r1 = r6; r2 = 16; r3 = 0; call %[bpf_probe_read_kernel_str];"
       "if r0 s< 0 goto 9f; r6 += r0; r0 = *(u8 *)(r6 + 31); exit;" OUT)
/* a 32-bit shift by 32 is no constant: the masked result may be up to 0xffff */
H_CASE("socket", shift32_by_32_unknown, VALUE "r2 = 32; r1 = 1; w1 <<= w2; r1 &= 0xffff; r6 += r1; r0 = *(u8 *)(r6 + 0); exit;" OUT)
/* a 32-bit shift by 31 is */
H_CASE("socket", shift32_by_31_known, VALUE "r2 = 31; r1 = 1; w1 <<= w2; r1 >>= 31; r6 += r1; r0 = *(u8 *)(r6 + 0); exit;" OUT)
/* a 64-bit shift by 64 is no constant either */
H_CASE("socket", shift64_by_64_unknown, VALUE "r2 = 64; r1 = 1; r1 <<= r2; r1 &= 0xffff; r6 += r1; r0 = *(u8 *)(r6 + 0); exit;" OUT)
/* a left shift that may push the top bit out leaves the unsigned range unknown */
H_CASE("socket", lsh_top_bit_out, VALUE "call %[bpf_get_prandom_u32]; r1 = r0; r1 &= 3; r1 <<= 62; r1 >>= 62; r6 += r1;"
       "r0 = *(u8 *)(r6 + 0); exit;" OUT)
/* <<32 s>>32 of a value that may be negative, then checked */
H_CASE("socket", sign_extend_negative_then_checked, VALUE "call %[bpf_get_prandom_u32]; r1 = r0; r1 &= 7; r1 -= 4;"
       "r1 <<= 32; r1 s>>= 32; if r1 s< 0 goto 9f; r6 += r1; r0 = *(u8 *)(r6 + 0); exit;" OUT)
/* a map key read from the low half of a spilled pointer: a helper may read those bytes, as a
 * privileged loader's, though no load may */
H_CASE("socket", key_in_spilled_pointer, "r1 = r10; *(u64 *)(r10 - 8) = r1; r1 = %[hash] ll; r2 = r10; r2 += -8;"
       "call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* a 4-byte load of that half is refused */
H_CASE("socket", load_in_spilled_pointer, "r1 = r10; *(u64 *)(r10 - 8) = r1; r0 = *(u32 *)(r10 - 8); r0 = 0; exit;")
