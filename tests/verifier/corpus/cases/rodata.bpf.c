/* Read-only memory: .rodata (frozen before load, so the verifier knows its bytes), maps the
 * program may only read (BPF_F_RDONLY_PROG) or only write (BPF_F_WRONLY_PROG), and the
 * writable .data and .bss for contrast. */
#include "corpus.h"

#define BPF_F_RDONLY_PROG (1U << 7)
#define BPF_F_WRONLY_PROG (1U << 8)

const volatile __u32 cfg_zero = 0;
const volatile __u32 cfg_seven = 7;
__u32 data_zero = 0;
__u32 bss_word;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, __u64);
} ro_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_WRONLY_PROG);
	__type(key, __u32);
	__type(value, __u64);
} wo_array SEC(".maps");

#define RO_IMMS __imm_addr(cfg_zero), __imm_addr(cfg_seven), __imm_addr(data_zero), __imm_addr(bss_word), \
	__imm_addr(ro_array), __imm_addr(wo_array), __imm(bpf_map_lookup_elem), __imm(bpf_map_update_elem), \
	__imm(bpf_probe_read_kernel), __imm(bpf_get_prandom_u32)
#define RO_CASE(name, body)                                                                       \
	SEC("socket") __naked int name(void)                                                      \
	{                                                                                         \
		asm volatile (body :: RO_IMMS : __clobber_all);                                   \
	}
#define LOOKUP_IN(map) "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[" #map "] ll; call %[bpf_map_lookup_elem];"

/* a .rodata constant, returned */
RO_CASE(rodata_read, "r1 = %[cfg_seven] ll; r0 = *(u32 *)(r1 + 0); exit;")
/* a .rodata store */
RO_CASE(rodata_write, "r1 = %[cfg_zero] ll; r2 = 1; *(u32 *)(r1 + 0) = r2; r0 = 0; exit;")
/* an atomic add on .rodata */
RO_CASE(rodata_atomic_add, "r1 = %[cfg_zero] ll; r2 = 1; lock *(u32 *)(r1 + 0) += r2; r0 = 0; exit;")
/* the frozen .rodata value makes a branch dead */
RO_CASE(rodata_const_prunes_branch, "r1 = %[cfg_zero] ll; r1 = *(u32 *)(r1 + 0); if r1 != 0 goto 1f; r0 = 0; exit; 1: r0 = r2; exit;")
/* the branch the .rodata value takes is judged */
RO_CASE(rodata_const_live_branch, "r1 = %[cfg_seven] ll; r1 = *(u32 *)(r1 + 0); if r1 != 0 goto 1f; r0 = 0; exit; 1: r0 = r2; exit;")
/* a .rodata value bounds a map value offset */
RO_CASE(rodata_const_as_offset, "r1 = %[cfg_seven] ll; r6 = *(u32 *)(r1 + 0);" LOOKUP_IN(ro_array) "if r0 == 0 goto 1f; r0 += r6; r0 = *(u8 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* .data is not frozen: its value is unknown */
RO_CASE(data_value_unknown, "r1 = %[data_zero] ll; r1 = *(u32 *)(r1 + 0); if r1 != 0 goto 1f; r0 = 0; exit; 1: r0 = r2; exit;")
/* .data may be written and read back */
RO_CASE(data_write_read, "r1 = %[data_zero] ll; r2 = 12; *(u32 *)(r1 + 0) = r2; r0 = *(u32 *)(r1 + 0); exit;")
/* .bss may be written */
RO_CASE(bss_write, "r1 = %[bss_word] ll; r2 = 3; *(u32 *)(r1 + 0) = r2; r0 = *(u32 *)(r1 + 0); exit;")
/* past the end of .bss */
RO_CASE(bss_past_end, "r1 = %[bss_word] ll; r0 = *(u32 *)(r1 + 4); exit;")
/* a program-read-only map, read */
RO_CASE(rdonly_map_read, LOOKUP_IN(ro_array) "if r0 == 0 goto 1f; r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* a program-read-only map, written */
RO_CASE(rdonly_map_write, LOOKUP_IN(ro_array) "if r0 == 0 goto 1f; r1 = 1; *(u64 *)(r0 + 0) = r1; 1: r0 = 0; exit;")
/* a program-read-only map, written by a helper */
RO_CASE(rdonly_map_helper_write, LOOKUP_IN(ro_array) "if r0 == 0 goto 1f; r1 = r0; r2 = 8; r3 = 0; call %[bpf_probe_read_kernel]; 1: r0 = 0; exit;")
/* a program-read-only map, updated through bpf_map_update_elem */
RO_CASE(rdonly_map_update, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 16) = r1; r1 = %[ro_array] ll; r2 = r10; r2 += -4;"
	"r3 = r10; r3 += -16; r4 = 0; call %[bpf_map_update_elem]; r0 = 0; exit;")
/* a program-write-only map, written */
RO_CASE(wronly_map_write, LOOKUP_IN(wo_array) "if r0 == 0 goto 1f; r1 = 5; *(u64 *)(r0 + 0) = r1; 1: r0 = 0; exit;")
/* a program-write-only map, read */
RO_CASE(wronly_map_read, LOOKUP_IN(wo_array) "if r0 == 0 goto 1f; r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* a program-read-only map value passed as a helper's source */
RO_CASE(rdonly_map_helper_source, LOOKUP_IN(ro_array) "if r0 == 0 goto 1f; r3 = r0; r1 = r10; r1 += -16; r2 = 8; call %[bpf_probe_read_kernel]; 1: r0 = 0; exit;")
