/* Legacy packet loads at negative offsets: SKF_NET_OFF (-0x100000) + k reads k bytes past the
 * network header, SKF_LL_OFF (-0x200000) + k k bytes past the MAC header, whatever the program
 * type's packet start; anything else below 0 ends the run with 0. Each case adds 1000 to what it
 * read, so a run ended by the load returns 0. The packet: 14 bytes of Ethernet, IPv4, UDP. */
#include "corpus.h"

#define LDB(k) RAW(0x30, 0, 0, 0, k)
#define LDH(k) RAW(0x28, 0, 0, 0, k)
#define LDW(k) RAW(0x20, 0, 0, 0, k)
#define NEG_CASE(sec, name, load) ASM_CASE(sec, name, "r6 = r1;" load "r0 += 1000; exit;")

/* the IP protocol byte, network-relative, in a socket filter */
NEG_CASE("socket", net_proto_socket, LDB(-1048567))
/* the IP protocol byte, network-relative, in tc */
NEG_CASE("tc", net_proto_tc, LDB(-1048567))
/* the first IP word, network-relative */
NEG_CASE("socket", net_word_socket, LDW(-1048576))
/* the EtherType, MAC-relative, in a socket filter (before its packet start) */
NEG_CASE("socket", ll_ethertype_socket, LDH(-2097140))
/* the EtherType, MAC-relative, in tc */
NEG_CASE("tc", ll_ethertype_tc, LDH(-2097140))
/* the first MAC byte */
NEG_CASE("socket", ll_first_byte_socket, LDB(-2097152))
/* the last word of the packet, network-relative */
NEG_CASE("tc", net_last_word, LDW(-1048530))
/* a word one byte past the packet, network-relative */
NEG_CASE("tc", net_word_past_end, LDW(-1048529))
/* the last word of the packet, MAC-relative */
NEG_CASE("socket", ll_last_word, LDW(-2097092))
/* a word one byte past the packet, MAC-relative */
NEG_CASE("socket", ll_word_past_end, LDW(-2097091))
/* a byte before the MAC header */
NEG_CASE("tc", ll_before_mac, LDB(-2097153))
/* -1 is network-relative, far past the packet */
NEG_CASE("socket", minus_one, LDB(-1))
/* the ancillary area's base (SKF_AD_OFF) is no ancillary field in eBPF */
NEG_CASE("socket", ad_off, LDW(-4096))
/* far below SKF_LL_OFF */
NEG_CASE("tc", below_ll, LDB(-3000000))
/* an indirect load: a register holding SKF_NET_OFF, the offset in imm */
ASM_CASE("socket", ind_net, "r6 = r1; r7 = -1048576;" RAW(0x50, 0, 7, 0, 9) "r0 += 1000; exit;")
/* an indirect load: a register holding SKF_LL_OFF in tc */
ASM_CASE("tc", ind_ll, "r6 = r1; r7 = -2097152;" RAW(0x48, 0, 7, 0, 12) "r0 += 1000; exit;")
/* an indirect load whose sum wraps to 32 bits: only the low 32 bits count */
ASM_CASE("socket", ind_wraps, "r6 = r1; r7 = 0x1fff00000 ll;" RAW(0x50, 0, 7, 0, 9) "r0 += 1000; exit;")
