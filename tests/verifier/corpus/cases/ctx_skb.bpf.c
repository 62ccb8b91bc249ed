/* The context of skb programs (struct __sk_buff): which fields socket filters and tc
 * programs may read and write, at which sizes and alignments. Offsets are the uapi's:
 * len 0, pkt_type 4, mark 8, queue_mapping 12, protocol 16, priority 32, ifindex 40,
 * tc_index 44, cb 48-67, hash 68, tc_classid 72, data 76, data_end 80, family 88, data_meta 140,
 * tstamp 152, wire_len 160, sk 168, hwtstamp 184; the struct is 192 bytes. */
#include "corpus.h"

/* socket filters: len, returned */
ASM_CASE("socket", sock_read_len, "r0 = *(u32 *)(r1 + 0); exit;")
/* socket filters: protocol, returned */
ASM_CASE("socket", sock_read_protocol, "r0 = *(u32 *)(r1 + 16); exit;")
/* socket filters: mark, returned */
ASM_CASE("socket", sock_read_mark, "r0 = *(u32 *)(r1 + 8); exit;")
/* socket filters: cb[4] */
ASM_CASE("socket", sock_read_cb4, "r0 = *(u32 *)(r1 + 64); exit;")
/* socket filters: write cb[0], read it back */
ASM_CASE("socket", sock_write_cb0, "r2 = 9; *(u32 *)(r1 + 48) = r2; r0 = *(u32 *)(r1 + 48); exit;")
/* socket filters may not write mark */
ASM_CASE("socket", sock_write_mark, "r2 = 9; *(u32 *)(r1 + 8) = r2; r0 = 0; exit;")
/* nobody may write len */
ASM_CASE("socket", sock_write_len, "r2 = 9; *(u32 *)(r1 + 0) = r2; r0 = 0; exit;")
/* socket filters may not read data */
ASM_CASE("socket", sock_read_data, "r0 = *(u32 *)(r1 + 76); r0 = 0; exit;")
/* socket filters may not read data_meta */
ASM_CASE("socket", sock_read_data_meta, "r0 = *(u32 *)(r1 + 140); r0 = 0; exit;")
/* socket filters: family */
ASM_CASE("socket", sock_read_family, "r0 = *(u32 *)(r1 + 88); r0 = 0; exit;")
/* socket filters: tstamp, 8 bytes */
ASM_CASE("socket", sock_read_tstamp, "r0 = *(u64 *)(r1 + 152); r0 = 0; exit;")
/* socket filters: the sk pointer */
ASM_CASE("socket", sock_read_sk, "r0 = *(u64 *)(r1 + 168); r0 = 0; exit;")
/* socket filters: tc_classid is tc's */
ASM_CASE("socket", sock_read_tc_classid, "r0 = *(u32 *)(r1 + 72); r0 = 0; exit;")
/* the last field, hwtstamp */
ASM_CASE("socket", sock_read_hwtstamp, "r0 = *(u64 *)(r1 + 184); r0 = 0; exit;")
/* past the end of the struct */
ASM_CASE("socket", sock_read_past_end, "r0 = *(u32 *)(r1 + 192); exit;")
/* a negative offset */
ASM_CASE("socket", sock_read_negative, "r0 = *(u32 *)(r1 - 4); exit;")
/* a byte of len (a narrow load) */
ASM_CASE("socket", narrow_len_byte0, "r0 = *(u8 *)(r1 + 0); exit;")
/* the high byte of len */
ASM_CASE("socket", narrow_len_byte3, "r0 = *(u8 *)(r1 + 3); exit;")
/* the high half of len */
ASM_CASE("socket", narrow_len_half1, "r0 = *(u16 *)(r1 + 2); exit;")
/* a misaligned word */
ASM_CASE("socket", misaligned_len_word, "r0 = *(u32 *)(r1 + 2); exit;")
/* an 8-byte read of a 4-byte field */
ASM_CASE("socket", wide_read_of_len, "r0 = *(u64 *)(r1 + 0); exit;")
/* a 4-byte read of the 8-byte tstamp */
ASM_CASE("socket", narrow_tstamp, "r0 = *(u32 *)(r1 + 152); r0 = 0; exit;")
/* a narrow write of cb[0] */
ASM_CASE("socket", narrow_write_cb0, "r2 = 9; *(u8 *)(r1 + 48) = r2; r0 = 0; exit;")
/* an immediate store into the context */
ASM_CASE("socket", st_imm_into_ctx, "*(u32 *)(r1 + 48) = 9; r0 = 0; exit;")
/* an access through a moved context pointer */
ASM_CASE("socket", modified_ctx_pointer, "r1 += 8; r0 = *(u32 *)(r1 + 0); exit;")
/* an access through a context pointer at a variable offset */
ASM_CASE("socket", variable_ctx_offset, "r6 = r1; call %[bpf_get_prandom_u32]; r0 &= 4; r6 += r0; r0 = *(u32 *)(r6 + 0); exit;")
/* tc: data and data_end are readable */
ASM_CASE("tc", tc_read_data_end, "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); r0 = 0; exit;")
/* tc: write mark, read it back */
ASM_CASE("tc", tc_write_mark, "r2 = 9; *(u32 *)(r1 + 8) = r2; r0 = *(u32 *)(r1 + 8); exit;")
/* tc: write priority */
ASM_CASE("tc", tc_write_priority, "r2 = 3; *(u32 *)(r1 + 32) = r2; r0 = 0; exit;")
/* tc: write tc_classid */
ASM_CASE("tc", tc_write_tc_classid, "r2 = 3; *(u32 *)(r1 + 72) = r2; r0 = 0; exit;")
/* tc: write tc_index */
ASM_CASE("tc", tc_write_tc_index, "r2 = 3; *(u32 *)(r1 + 44) = r2; r0 = 0; exit;")
/* tc: protocol is read-only */
ASM_CASE("tc", tc_write_protocol, "r2 = 3; *(u32 *)(r1 + 16) = r2; r0 = 0; exit;")
/* tc: data is read-only */
ASM_CASE("tc", tc_write_data, "r2 = 3; *(u32 *)(r1 + 76) = r2; r0 = 0; exit;")
/* tc: tstamp is writable */
ASM_CASE("tc", tc_write_tstamp, "r2 = 0; *(u64 *)(r1 + 152) = r2; r0 = 0; exit;")
/* tc: a narrow read of data */
ASM_CASE("tc", tc_narrow_read_data, "r2 = *(u16 *)(r1 + 76); r0 = 0; exit;")
/* tc: data_meta is readable */
ASM_CASE("tc", tc_read_data_meta, "r2 = *(u32 *)(r1 + 140); r0 = 0; exit;")
/* tc: len, returned */
ASM_CASE("tc", tc_read_len, "r0 = *(u32 *)(r1 + 0); exit;")
/* tc: the sk field may be null */
ASM_CASE("tc", tc_sk_unchecked, "r1 = *(u64 *)(r1 + 168); r0 = *(u32 *)(r1 + 0); exit;")
