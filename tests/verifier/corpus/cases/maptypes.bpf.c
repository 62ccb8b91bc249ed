/* Map types and the helpers each takes: per-CPU maps, queues, maps of maps (whose lookups
 * give map pointers, not memory) and program arrays. */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u64);
} queue SEC(".maps");

struct inner_t {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct inner_t);
} outer SEC(".maps") = {
	.values = {[0] = &inner},
};

#include "prog_array.h"

#define M_IMMS IMMS, __imm_addr(pcpu), __imm_addr(queue), __imm_addr(outer), __imm_addr(inner), __imm_addr(progs), \
	__imm(bpf_map_pop_elem), __imm(bpf_map_peek_elem)
#define M_CASE(sec, name, body)                                                                   \
	SEC(sec) __naked int name(void)                                                     \
	{                                                                                         \
		asm volatile (body :: M_IMMS : __clobber_all);                                    \
	}
#define KEY0 "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4;"

/* a per-CPU array: this CPU's value, written and read back */
M_CASE("syscall", percpu_write_read, KEY0 "r1 = %[pcpu] ll; call %[bpf_map_lookup_elem]; if r0 == 0 goto 1f; r1 = 6; *(u64 *)(r0 + 0) = r1;"
       "r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* a per-CPU value is 8 bytes, not 8 per CPU */
M_CASE("syscall", percpu_past_value, KEY0 "r1 = %[pcpu] ll; call %[bpf_map_lookup_elem]; if r0 == 0 goto 1f; r0 = *(u64 *)(r0 + 8); exit; 1: r0 = 0; exit;")
/* push, peek and pop a queue */
M_CASE("syscall", queue_push_pop, "r1 = 9; *(u64 *)(r10 - 8) = r1; r1 = %[queue] ll; r2 = r10; r2 += -8; r3 = 0; call %[bpf_map_push_elem];"
       "r1 = %[queue] ll; r2 = r10; r2 += -16; call %[bpf_map_peek_elem]; r1 = %[queue] ll; r2 = r10; r2 += -24;"
       "call %[bpf_map_pop_elem]; r0 = *(u64 *)(r10 - 24); r1 = *(u64 *)(r10 - 16); r0 += r1; exit;")
/* a queue pop into too little stack */
M_CASE("syscall", queue_pop_too_small, "r1 = %[queue] ll; r2 = r10; r2 += -4; call %[bpf_map_pop_elem]; r0 = 0; exit;")
/* a queue has no lookup */
M_CASE("syscall", queue_lookup, KEY0 "r1 = %[queue] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* a pop from an array */
M_CASE("syscall", array_pop, "r1 = %[array] ll; r2 = r10; r2 += -48; call %[bpf_map_pop_elem]; r0 = 0; exit;")
/* an outer lookup gives a map to look into */
M_CASE("syscall", outer_then_inner, KEY0 "r1 = %[outer] ll; call %[bpf_map_lookup_elem]; if r0 == 0 goto 1f; r1 = r0; r2 = r10; r2 += -4;"
       "call %[bpf_map_lookup_elem]; if r0 == 0 goto 1f; r1 = 8; *(u64 *)(r0 + 0) = r1; r0 = *(u64 *)(r0 + 0); exit; 1: r0 = 0; exit;")
/* an outer lookup's result read as memory */
M_CASE("syscall", outer_result_read, KEY0 "r1 = %[outer] ll; call %[bpf_map_lookup_elem]; if r0 == 0 goto 1f; r0 = *(u64 *)(r0 + 0); r0 = 0; exit; 1: r0 = 0; exit;")
/* an outer lookup's result used as a map before its null check */
M_CASE("syscall", outer_result_unchecked, KEY0 "r1 = %[outer] ll; call %[bpf_map_lookup_elem]; r1 = r0; r2 = r10; r2 += -4; call %[bpf_map_lookup_elem];"
       "r0 = 0; exit;")
/* the inner value past its end */
M_CASE("syscall", inner_value_past_end, KEY0 "r1 = %[outer] ll; call %[bpf_map_lookup_elem]; if r0 == 0 goto 1f; r1 = r0; r2 = r10; r2 += -4;"
       "call %[bpf_map_lookup_elem]; if r0 == 0 goto 1f; r0 = *(u64 *)(r0 + 8); exit; 1: r0 = 0; exit;")
/* a program array has no lookup from programs */
M_CASE("tc", prog_array_lookup, KEY0 "r1 = %[progs] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* a program array update from a program (the context as the value) */
M_CASE("tc", prog_array_update, KEY0 "*(u32 *)(r10 - 8) = r1; r1 = %[progs] ll; r3 = r10; r3 += -8; r4 = 0; call %[bpf_map_update_elem]; r0 = 0; exit;")
/* an update of an outer map from a program */
M_CASE("tc", outer_update, KEY0 "*(u32 *)(r10 - 8) = r1; r1 = %[outer] ll; r3 = r10; r3 += -8; r4 = 0; call %[bpf_map_update_elem]; r0 = 0; exit;")
/* syscall programs are sleepable: a program array is not among the maps they may use */
M_CASE("syscall", sleepable_uses_prog_array, KEY0 "r1 = %[progs] ll; call %[bpf_map_lookup_elem]; r0 = 0; exit;")
/* a queue is allowed all the same */
M_CASE("syscall", sleepable_uses_queue, "r1 = 9; *(u64 *)(r10 - 8) = r1; r1 = %[queue] ll; r2 = r10; r2 += -8; r3 = 0; call %[bpf_map_push_elem]; exit;")
