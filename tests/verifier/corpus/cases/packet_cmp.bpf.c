/* Packet bounds from comparisons: which comparisons of a packet pointer with data_end teach a
 * range (64-bit unsigned ones, either way round), which do not (JMP32, signed, against the
 * wrong pointer), and how ranges add up. Each case is a tc program reading the packet. */
#include "corpus.h"

/* r2 = data, r3 = data_end, r4 = data + 14 */
#define PKT14 "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); r4 = r2; r4 += 14;"
#define READ13 "r0 = *(u8 *)(r2 + 13); exit; 1: r0 = 0; exit;"

/* a JMP32 comparison teaches nothing */
ASM_CASE("tc", jmp32_compare, PKT14 "if w4 > w3 goto 1f;" READ13)
/* a signed comparison */
ASM_CASE("tc", signed_compare, PKT14 "if r4 s> r3 goto 1f;" READ13)
/* data_end >= data + 14 on the taken side */
ASM_CASE("tc", end_ge_taken, PKT14 "if r3 >= r4 goto 2f; r0 = 0; exit; 2: r0 = *(u8 *)(r2 + 13); exit;")
/* data + 14 < data_end on the taken side */
ASM_CASE("tc", lt_taken, PKT14 "if r4 < r3 goto 2f; r0 = 0; exit; 2: r0 = *(u8 *)(r2 + 14); exit;")
/* equality with data_end teaches nothing */
ASM_CASE("tc", eq_compare, PKT14 "if r4 != r3 goto 1f;" READ13)
/* a second, longer check extends the range */
ASM_CASE("tc", second_check_extends, PKT14 "if r4 > r3 goto 1f; r4 = r2; r4 += 20; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 19); exit; 1: r0 = 0; exit;")
/* a second, shorter check keeps the longer range */
ASM_CASE("tc", shorter_check_keeps_range, PKT14 "if r4 > r3 goto 1f; r4 = r2; r4 += 4; if r4 > r3 goto 1f;" READ13)
/* the range is learnt by copies of data made before the check */
ASM_CASE("tc", range_reaches_copies, PKT14 "r5 = r2; if r4 > r3 goto 1f; r0 = *(u8 *)(r5 + 13); exit; 1: r0 = 0; exit;")
/* a copy moved by a constant after the check */
ASM_CASE("tc", moved_copy_after_check, PKT14 "if r4 > r3 goto 1f; r5 = r2; r5 += 10; r0 = *(u8 *)(r5 + 3); exit; 1: r0 = 0; exit;")
/* a copy moved past the range */
ASM_CASE("tc", moved_copy_past_range, PKT14 "if r4 > r3 goto 1f; r5 = r2; r5 += 10; r0 = *(u8 *)(r5 + 4); exit; 1: r0 = 0; exit;")
/* data compared with data_end directly: no bytes proven */
ASM_CASE("tc", data_against_end, "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); if r2 >= r3 goto 1f; r0 = *(u8 *)(r2 + 0); exit; 1: r0 = 0; exit;")
/* data + 1 compared with data_end */
ASM_CASE("tc", one_byte_check, "r2 = *(u32 *)(r1 + 76); r3 = *(u32 *)(r1 + 80); r4 = r2; r4 += 1; if r4 > r3 goto 1f; r0 = *(u8 *)(r2 + 0); exit; 1: r0 = 0; exit;")
/* data_end compared with a map value pointer */
ASM_CASE("tc", end_against_map_value, "r6 = r1;" LOOKUP(array) "if r0 == 0 goto 1f; r3 = *(u32 *)(r6 + 80); if r0 > r3 goto 1f; r0 = 0; exit; 1: r0 = 0; exit;")
/* the range survives a spill and fill of the packet pointer */
ASM_CASE("tc", range_survives_spill, PKT14 "if r4 > r3 goto 1f; *(u64 *)(r10 - 8) = r2; r5 = *(u64 *)(r10 - 8); r0 = *(u8 *)(r5 + 13); exit; 1: r0 = 0; exit;")
