/* bpf_timer at the instruction level: the pointer's kind and offset, the map argument,
 * direct access to the timer bytes, helper memory overlapping them, and the program types
 * that may not touch a map holding a timer at all. */
#include "corpus.h"

struct elem8 {
	__u64 before;
	struct bpf_timer t;
	__u64 after;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem8);
} tmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem8);
} tmap2 SEC(".maps");

#define T_IMMS IMMS, __imm_addr(tmap), __imm_addr(tmap2), __imm(bpf_timer_init), __imm(bpf_timer_start), \
	__imm(bpf_timer_cancel), __imm(bpf_timer_set_callback)
#define T_CASE(sec, name, body)                                                                   \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: T_IMMS : __clobber_all);                                    \
	}
/* r6 = &tmap[0] (exit 0 when missing); the timer is at r6 + 8 */
#define TVAL "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[tmap] ll; call %[bpf_map_lookup_elem];" \
	"if r0 == 0 goto 9f; r6 = r0;"
#define DONE "9: r0 = 0; exit;"
#define INIT(ptr_setup) ptr_setup "r2 = %[tmap] ll; r3 = 1; call %[bpf_timer_init]; exit;"

/* init at the timer */
T_CASE("syscall", init_at_timer, TVAL INIT("r1 = r6; r1 += 8;") DONE)
/* init 8 bytes past the timer */
T_CASE("syscall", init_past_timer, TVAL INIT("r1 = r6; r1 += 16;") DONE)
/* init at a variable offset */
T_CASE("syscall", init_variable_offset, TVAL "call %[bpf_get_prandom_u32]; r0 &= 8; r1 = r6; r1 += r0;" INIT("") DONE)
/* init before the null check */
T_CASE("syscall", init_or_null, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[tmap] ll; call %[bpf_map_lookup_elem];"
       INIT("r1 = r0;"))
/* a stack pointer as the timer */
T_CASE("syscall", init_stack_timer, INIT("r1 = r10; r1 += -16;"))
/* a map without a timer */
T_CASE("syscall", init_map_without_timer, LOOKUP(array) "if r0 == 0 goto 9f; r1 = r0; r2 = %[array] ll; r3 = 1; call %[bpf_timer_init]; exit;" DONE)
/* the map argument is not a map */
T_CASE("syscall", init_scalar_map, TVAL "r1 = r6; r1 += 8; r2 = 0; r3 = 1; call %[bpf_timer_init]; exit;" DONE)
/* the map argument is another map of the same type */
T_CASE("syscall", init_other_map, TVAL "r1 = r6; r1 += 8; r2 = %[tmap2] ll; r3 = 1; call %[bpf_timer_init]; exit;" DONE)
/* start with a scalar as the timer */
T_CASE("syscall", start_scalar_timer, "r1 = 0; r2 = 0; r3 = 0; call %[bpf_timer_start]; exit;")
/* set_callback with a scalar as the callback */
T_CASE("syscall", set_callback_scalar, TVAL "r1 = r6; r1 += 8; r2 = 0; call %[bpf_timer_set_callback]; exit;" DONE)
/* cancel at the timer */
T_CASE("syscall", cancel_at_timer, TVAL "r1 = r6; r1 += 8; call %[bpf_timer_cancel]; r0 = -r0; exit;" DONE)
/* cancel past the timer */
T_CASE("syscall", cancel_past_timer, TVAL "r1 = r6; r1 += 16; call %[bpf_timer_cancel]; exit;" DONE)
/* a load of the timer's first word */
T_CASE("syscall", load_timer_word, TVAL "r0 = *(u64 *)(r6 + 8); exit;" DONE)
/* a load of the timer's last byte */
T_CASE("syscall", load_timer_last_byte, TVAL "r0 = *(u8 *)(r6 + 23); exit;" DONE)
/* a load straddling the timer's start */
T_CASE("syscall", load_straddling_timer_start, TVAL "r0 = *(u64 *)(r6 + 4); exit;" DONE)
/* a store into the timer */
T_CASE("syscall", store_timer_word, TVAL "r1 = 0; *(u64 *)(r6 + 16) = r1; r0 = 0; exit;" DONE)
/* an immediate store into the timer */
T_CASE("syscall", store_imm_timer, TVAL "*(u32 *)(r6 + 12) = 0; r0 = 0; exit;" DONE)
/* an atomic add on the timer */
T_CASE("syscall", atomic_on_timer, TVAL "r1 = 1; lock *(u64 *)(r6 + 8) += r1; r0 = 0; exit;" DONE)
/* a load at a variable offset that may reach the timer */
T_CASE("syscall", load_variable_may_overlap, TVAL "call %[bpf_get_prandom_u32]; r0 &= 8; r1 = r6; r1 += r0; r0 = *(u64 *)(r1 + 0); exit;" DONE)
/* a load at a variable offset that stays after the timer */
T_CASE("syscall", load_variable_after_timer, TVAL "call %[bpf_get_prandom_u32]; r0 &= 4; r1 = r6; r1 += r0; r0 = *(u32 *)(r1 + 24); exit;" DONE)
/* the word before and the word after the timer */
T_CASE("syscall", access_around_timer, TVAL "r1 = 3; *(u64 *)(r6 + 0) = r1; *(u64 *)(r6 + 24) = r1; r0 = *(u64 *)(r6 + 24); exit;" DONE)
/* a helper writing memory over the timer */
T_CASE("syscall", helper_writes_over_timer, TVAL "r1 = r6; r2 = 16; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;" DONE)
/* a helper writing the word before the timer */
T_CASE("syscall", helper_writes_before_timer, TVAL "r1 = r6; r2 = 8; r3 = 0; call %[bpf_probe_read_kernel]; r0 = 0; exit;" DONE)
/* a helper reading the whole value (its source is an unchecked address, not memory) */
T_CASE("syscall", helper_reads_whole_value, TVAL "r3 = r6; r1 = r10; r1 += -40; r2 = 32; call %[bpf_probe_read_kernel]; r0 = 0; exit;" DONE)
/* a map value holding a timer as an update's value */
T_CASE("syscall", update_from_timer_value, TVAL "r1 = %[tmap] ll; r2 = r10; r2 += -4; r3 = r6; r4 = 0; call %[bpf_map_update_elem]; exit;" DONE)
/* the 4 bytes before a value's timer as a lookup key */
T_CASE("syscall", timer_value_as_key, TVAL "r1 = %[hash] ll; r2 = r6; call %[bpf_map_lookup_elem]; r0 = 0; exit;" DONE)
/* a kprobe may not reference a map holding a timer */
T_CASE("kprobe", kprobe_looks_up_timer_map, TVAL "r0 = 0; exit;" DONE)
/* nor a tracepoint */
T_CASE("tracepoint/syscalls/sys_enter_nanosleep", tracepoint_looks_up_timer_map, TVAL "r0 = 0; exit;" DONE)
/* nor a perf_event program */
T_CASE("perf_event", perf_event_looks_up_timer_map, TVAL "r0 = 0; exit;" DONE)
/* nor a raw tracepoint */
T_CASE("raw_tracepoint/sys_enter", raw_tp_looks_up_timer_map, TVAL "r0 = 0; exit;" DONE)
/* a socket filter may */
T_CASE("socket", socket_uses_timer, TVAL "r1 = r6; r1 += 8; call %[bpf_timer_cancel]; r0 = -r0; exit;" DONE)

SUBPROG(frame_200)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 200) = r1; r0 = 0; exit;" ::: __clobber_all);
}
SUBPROG(cb_frame_400)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 400) = r1; r0 = 0; exit;" ::: __clobber_all);
}
SUBPROG(cb_frame_400_calls_200)
{
	asm volatile ("r1 = 0; *(u64 *)(r10 - 400) = r1; call frame_200; r0 = 0; exit;" ::: __clobber_all);
}
SUBPROG(cb_returns_r1)
{
	asm volatile ("r0 = r1; exit;" ::: __clobber_all);
}

/* a timer callback is a root: its 400 bytes do not add to the 400 of the program setting it */
T_CASE("syscall", callback_frame_separate, "r1 = 0; *(u64 *)(r10 - 400) = r1;" TVAL
       "r1 = r6; r1 += 8; r2 = cb_frame_400 ll; call %[bpf_timer_set_callback]; r0 = -r0; exit;" DONE)
/* but its own call chain counts: 400 + 200 bytes */
T_CASE("syscall", callback_chain_too_deep, TVAL "r1 = r6; r1 += 8; r2 = cb_frame_400_calls_200 ll; call %[bpf_timer_set_callback];"
       "r0 = -r0; exit;" DONE)
/* a callback that returns a pointer */
T_CASE("syscall", callback_returns_pointer, TVAL "r1 = r6; r1 += 8; r2 = cb_returns_r1 ll; call %[bpf_timer_set_callback]; r0 = -r0; exit;" DONE)
