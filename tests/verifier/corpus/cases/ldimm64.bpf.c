/* lddw's pseudo sources written raw, with operands no loader relocated: a map by fd, a map
 * value by fd, a kernel variable by BTF id, a source no release defines, and
 * a second half that is not zero. */
#include "corpus.h"

/* a map fd that is no map */
ASM_CASE("socket", map_fd_bogus, RAW(0x18, 1, 1, 0, 9999) RAW(0, 0, 0, 0, 0) "r0 = 0; exit;")
/* a map value by an fd that is no map */
ASM_CASE("socket", map_value_fd_bogus, RAW(0x18, 1, 2, 0, 9999) RAW(0, 0, 0, 0, 0) "r0 = 0; exit;")
/* a BTF id that names nothing */
ASM_CASE("socket", btf_id_bogus, RAW(0x18, 1, 3, 0, 999999) RAW(0, 0, 0, 0, 0) "r0 = 0; exit;")
/* an unknown pseudo source */
ASM_CASE("socket", unknown_source, RAW(0x18, 1, 7, 0, 0) RAW(0, 0, 0, 0, 0) "r0 = 0; exit;")
/* a plain constant whose second half has a register set */
ASM_CASE("socket", second_half_reg, RAW(0x18, 0, 0, 0, 1) RAW(0, 1, 0, 0, 0) "exit;")
/* a plain constant whose second half has an offset set */
ASM_CASE("socket", second_half_off, RAW(0x18, 0, 0, 0, 1) RAW(0, 0, 0, 1, 0) "exit;")
/* a plain 64-bit constant, high half set */
ASM_CASE("socket", plain_high_half, RAW(0x18, 0, 0, 0, 1) RAW(0, 0, 0, 0, 2) "r0 >>= 32; exit;")
/* lddw with an offset in its first half */
ASM_CASE("socket", first_half_off, RAW(0x18, 0, 0, 1, 1) RAW(0, 0, 0, 0, 0) "exit;")
