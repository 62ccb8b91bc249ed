/* Contexts of more program types (loaded, not run): cgroup socket hooks (struct bpf_sock:
 * bound_dev_if 0, family 4, type 8, protocol 12, mark 16, priority 20), sk_msg (struct
 * sk_msg_md: data 0, data_end 8, family 16), lwt and flow dissector programs (struct
 * __sk_buff, as ctx_skb.bpf.c lays it out). */
#include "corpus.h"

/* sock_create: read the family */
ASM_CASE("cgroup/sock_create", sock_create_read_family, "r2 = *(u32 *)(r1 + 4); r0 = 1; exit;")
/* sock_create: write bound_dev_if */
ASM_CASE("cgroup/sock_create", sock_create_write_bound_dev_if, "r2 = 0; *(u32 *)(r1 + 0) = r2; r0 = 1; exit;")
/* sock_create: write mark */
ASM_CASE("cgroup/sock_create", sock_create_write_mark, "r2 = 0; *(u32 *)(r1 + 16) = r2; r0 = 1; exit;")
/* sock_create: the family is read-only */
ASM_CASE("cgroup/sock_create", sock_create_write_family, "r2 = 0; *(u32 *)(r1 + 4) = r2; r0 = 1; exit;")
/* sock_create: must return 0 or 1 */
ASM_CASE("cgroup/sock_create", sock_create_returns_2, "r0 = 2; exit;")
/* sk_msg: data and data_end are 8-byte pointers */
ASM_CASE("sk_msg", sk_msg_read_data, "r2 = *(u64 *)(r1 + 0); r3 = *(u64 *)(r1 + 8); r0 = 1; exit;")
/* sk_msg: a 4-byte read of data */
ASM_CASE("sk_msg", sk_msg_narrow_data, "r2 = *(u32 *)(r1 + 0); r0 = 1; exit;")
/* sk_msg: the family */
ASM_CASE("sk_msg", sk_msg_read_family, "r2 = *(u32 *)(r1 + 16); r0 = 1; exit;")
/* sk_msg: packet bytes below a checked data_end */
ASM_CASE("sk_msg", sk_msg_packet_read, "r2 = *(u64 *)(r1 + 0); r3 = *(u64 *)(r1 + 8); r4 = r2; r4 += 4; if r4 > r3 goto 1f;"
	 "r0 = *(u32 *)(r2 + 0); 1: r0 = 1; exit;")
/* lwt_in: read len */
ASM_CASE("lwt_in", lwt_read_len, "r2 = *(u32 *)(r1 + 0); r0 = 0; exit;")
/* lwt_in: write mark */
ASM_CASE("lwt_in", lwt_write_mark, "r2 = 0; *(u32 *)(r1 + 8) = r2; r0 = 0; exit;")
/* lwt_xmit: write cb[0] */
ASM_CASE("lwt_xmit", lwt_xmit_write_cb, "r2 = 0; *(u32 *)(r1 + 48) = r2; r0 = 0; exit;")
/* flow dissector: the flow_keys pointer */
ASM_CASE("flow_dissector", flow_read_keys, "r2 = *(u64 *)(r1 + 144); r0 = 0; exit;")
/* flow dissector: len is not offered */
ASM_CASE("flow_dissector", flow_read_len, "r2 = *(u32 *)(r1 + 0); r0 = 0; exit;")
/* sk_skb: read len */
ASM_CASE("sk_skb/stream_parser", sk_skb_read_len, "r0 = *(u32 *)(r1 + 0); exit;")
/* sk_skb: write tc_index */
ASM_CASE("sk_skb/stream_verdict", sk_skb_write_tc_index, "r2 = 0; *(u32 *)(r1 + 44) = r2; r0 = 1; exit;")
/* tracepoint: the record's fields follow its 8-byte common header */
ASM_CASE("tracepoint/syscalls/sys_enter_getpid", tp_read_field, "r2 = *(u64 *)(r1 + 8); r0 = 0; exit;")
/* tracepoint: the common header itself is not offered */
ASM_CASE("tracepoint/syscalls/sys_enter_getpid", tp_read_header, "r2 = *(u32 *)(r1 + 0); r0 = 0; exit;")
/* tracepoint: far into the record, below the largest trace size */
ASM_CASE("tracepoint/syscalls/sys_enter_getpid", tp_read_far, "r2 = *(u64 *)(r1 + 8184); r0 = 0; exit;")
/* tracepoint: at the largest trace size */
ASM_CASE("tracepoint/syscalls/sys_enter_getpid", tp_read_past_max, "r2 = *(u64 *)(r1 + 8192); r0 = 0; exit;")
/* perf_event: a saved register, read whole */
ASM_CASE("perf_event", pe_read_reg, "r2 = *(u64 *)(r1 + 8); r0 = 0; exit;")
/* perf_event: half a saved register */
ASM_CASE("perf_event", pe_read_reg_half, "r2 = *(u32 *)(r1 + 8); r0 = 0; exit;")
/* perf_event: the low half of sample_period */
ASM_CASE("perf_event", pe_read_sample_period_half, "r2 = *(u32 *)(r1 + 168); r0 = 0; exit;")
/* perf_event: the sampled address */
ASM_CASE("perf_event", pe_read_addr, "r2 = *(u64 *)(r1 + 176); r0 = 0; exit;")
/* perf_event: past the end of the structure */
ASM_CASE("perf_event", pe_read_past_end, "r2 = *(u64 *)(r1 + 184); r0 = 0; exit;")
/* perf_event: the context is read-only */
ASM_CASE("perf_event", pe_write_addr, "r2 = 0; *(u64 *)(r1 + 176) = r2; r0 = 0; exit;")
