/* The contexts of cgroup sockopt programs and the 8-byte fields of sock_ops: pointers and
 * 64-bit counters are read whole and at their start only; getsockopt programs read and set
 * retval, setsockopt ones set level and optname, both set optlen; the option's buffer
 * (optval..optval_end) is read and written like a packet, below a proven end. */
#include "corpus.h"

#define C_CASE(sec, name, body)                                                                   \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body ::: __clobber_all);                                            \
	}

/* optval read whole */
C_CASE("cgroup/getsockopt", getsockopt_optval_whole, "r2 = *(u64 *)(r1 + 8); r0 = 1; exit;")
/* the upper half of optval */
C_CASE("cgroup/getsockopt", getsockopt_optval_upper_half, "r2 = *(u32 *)(r1 + 12); r0 = 1; exit;")
/* the lower half of optval_end */
C_CASE("cgroup/getsockopt", getsockopt_optval_end_lower_half, "r2 = *(u32 *)(r1 + 16); r0 = 1; exit;")
/* the upper half of sk */
C_CASE("cgroup/setsockopt", setsockopt_sk_upper_half, "r2 = *(u32 *)(r1 + 4); r0 = 1; exit;")
/* level, optname, optlen read */
C_CASE("cgroup/setsockopt", setsockopt_read_fields, "r2 = *(u32 *)(r1 + 24); r3 = *(u32 *)(r1 + 28); r4 = *(u32 *)(r1 + 32);"
       "r0 = 1; exit;")
/* a half-word read of level */
C_CASE("cgroup/setsockopt", setsockopt_level_narrow, "r2 = *(u16 *)(r1 + 24); r0 = 1; exit;")
/* retval read by getsockopt */
C_CASE("cgroup/getsockopt", getsockopt_read_retval, "r2 = *(u32 *)(r1 + 36); r0 = 1; exit;")
/* and by setsockopt */
C_CASE("cgroup/setsockopt", setsockopt_read_retval, "r2 = *(u32 *)(r1 + 36); r0 = 1; exit;")
/* getsockopt sets retval */
C_CASE("cgroup/getsockopt", getsockopt_write_retval, "r2 = 0; *(u32 *)(r1 + 36) = r2; r0 = 1; exit;")
/* setsockopt sets optname */
C_CASE("cgroup/setsockopt", setsockopt_write_optname, "r2 = 1; *(u32 *)(r1 + 28) = r2; r0 = 1; exit;")
/* getsockopt may not set optname */
C_CASE("cgroup/getsockopt", getsockopt_write_optname, "r2 = 1; *(u32 *)(r1 + 28) = r2; r0 = 1; exit;")
/* both set optlen */
C_CASE("cgroup/getsockopt", getsockopt_write_optlen, "r2 = 0; *(u32 *)(r1 + 32) = r2; r0 = 1; exit;")
/* the pointers are not written */
C_CASE("cgroup/setsockopt", setsockopt_write_optval, "r2 = 0; *(u64 *)(r1 + 8) = r2; r0 = 1; exit;")
/* the buffer read below its proven end */
C_CASE("cgroup/getsockopt", getsockopt_buffer_read_checked, "r2 = *(u64 *)(r1 + 8); r3 = *(u64 *)(r1 + 16); r4 = r2;"
       "r4 += 4; if r4 > r3 goto 1f; r0 = *(u32 *)(r2 + 0); 1: r0 = 1; exit;")
/* and written */
C_CASE("cgroup/setsockopt", setsockopt_buffer_write_checked, "r2 = *(u64 *)(r1 + 8); r3 = *(u64 *)(r1 + 16); r4 = r2;"
       "r4 += 4; if r4 > r3 goto 1f; r5 = 0; *(u32 *)(r2 + 0) = r5; 1: r0 = 1; exit;")
/* past the proven end */
C_CASE("cgroup/getsockopt", getsockopt_buffer_read_past, "r2 = *(u64 *)(r1 + 8); r3 = *(u64 *)(r1 + 16); r4 = r2;"
       "r4 += 4; if r4 > r3 goto 1f; r0 = *(u32 *)(r2 + 2); 1: r0 = 1; exit;")
/* sock_ops: sk read whole */
C_CASE("sockops", sockops_sk_whole, "r2 = *(u64 *)(r1 + 184); r0 = 1; exit;")
/* the upper half of sk */
C_CASE("sockops", sockops_sk_upper_half, "r2 = *(u32 *)(r1 + 188); r0 = 1; exit;")
/* the upper half of skb_data_end */
C_CASE("sockops", sockops_skb_data_end_upper_half, "r2 = *(u32 *)(r1 + 204); r0 = 1; exit;")
/* the upper half of skb_hwtstamp */
C_CASE("sockops", sockops_hwtstamp_upper_half, "r2 = *(u32 *)(r1 + 220); r0 = 1; exit;")
/* the lower half of bytes_received */
C_CASE("sockops", sockops_bytes_received_lower_half, "r2 = *(u32 *)(r1 + 168); r0 = 1; exit;")
