/* Legacy packet loads and tail calls beyond the main program: a packet too short ends a
 * subprogram early with 0, so only subprograms whose BTF prototype returns an integer may use
 * them (or make a tail call); the main program may not use them while holding a reference; and
 * the context in r6 must be the unmoved context pointer. */
#include "corpus.h"

#include "prog_array.h"

#define L_IMMS IMMS, __imm_addr(progs)
#define L_CASE(sec, name, body)                                                                   \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: L_IMMS : __clobber_all);                                    \
	}
/* a static asm function of the given C return type */
#define FUNC(type, name) static __naked __noinline __attribute__((used)) type name(void)

/* returns 1 after loading a byte, or (hidden) 0 when the packet is too short */
FUNC(int, abs_returns_int)
{
	asm volatile ("r6 = r1; r0 = *(u8 *)skb[0]; r0 = 1; exit;" ::: __clobber_all);
}
/* the same with an indirect load */
FUNC(int, ind_returns_int)
{
	asm volatile ("r6 = r1; r7 = 1; r0 = *(u8 *)skb[r7]; r0 = 1; exit;" ::: __clobber_all);
}
/* the same, returning a long */
FUNC(long, abs_returns_long)
{
	asm volatile ("r6 = r1; r0 = *(u8 *)skb[0]; r0 = 1; exit;" ::: __clobber_all);
}
/* a void function */
FUNC(void, abs_returns_void)
{
	asm volatile ("r6 = r1; r0 = *(u8 *)skb[0]; r0 = 1; exit;" ::: __clobber_all);
}
/* a function returning a pointer */
FUNC(void *, abs_returns_pointer)
{
	asm volatile ("r6 = r1; r0 = *(u8 *)skb[0]; r0 = 0; exit;" ::: __clobber_all);
}
/* tail calls: from a void function and from an int one */
FUNC(void, tail_call_returns_void)
{
	asm volatile ("r2 = %[progs] ll; r3 = 0; call %[bpf_tail_call]; exit;" :: L_IMMS : __clobber_all);
}
FUNC(int, tail_call_returns_int)
{
	asm volatile ("r2 = %[progs] ll; r3 = 0; call %[bpf_tail_call]; r0 = 1; exit;" :: L_IMMS : __clobber_all);
}
/* an int function's load: accepted, and it returns 1 on this packet */
L_CASE("socket", call_abs_int, "call abs_returns_int; exit;")
/* the indirect form */
L_CASE("socket", call_ind_int, "call ind_returns_int; exit;")
/* a long is an integer too */
L_CASE("tc", call_abs_long, "call abs_returns_long; exit;")
/* a void function may not use LD_ABS */
L_CASE("socket", call_abs_void, "call abs_returns_void; r0 = 0; exit;")
/* nor may one returning a pointer */
L_CASE("socket", call_abs_pointer, "call abs_returns_pointer; r0 = 0; exit;")
/* a void function may not tail-call */
L_CASE("tc", call_tail_call_void, "call tail_call_returns_void; r0 = 0; exit;")
/* an int function may */
L_CASE("tc", call_tail_call_int, "call tail_call_returns_int; exit;")
/* the caller sees the hidden early return: r0 may be 0, where r8 was never set */
L_CASE("socket", early_return_reaches_caller, "call abs_returns_int; if r0 != 0 goto 1f; r0 = r8; exit; 1: r0 = 0; exit;")
/* both outcomes handled */
L_CASE("socket", early_return_handled, "r8 = 5; call abs_returns_int; if r0 != 0 goto 1f; r0 = r8; exit; 1: r0 = 0; exit;")
/* not while a ring buffer record is held */
L_CASE("socket", abs_holding_record, "r6 = r1; r1 = %[rb] ll; r2 = 8; r3 = 0; call %[bpf_ringbuf_reserve];"
       "if r0 == 0 goto 1f; r7 = r0; r0 = *(u8 *)skb[0]; r1 = r7; r2 = 0; call %[bpf_ringbuf_discard]; 1: r0 = 0; exit;")
/* the record released first */
L_CASE("socket", abs_after_release, "r6 = r1; r1 = %[rb] ll; r2 = 8; r3 = 0; call %[bpf_ringbuf_reserve];"
       "if r0 == 0 goto 1f; r1 = r0; r2 = 0; call %[bpf_ringbuf_discard]; r0 = *(u8 *)skb[0]; 1: r0 = 0; exit;")
/* a subprogram's load while the caller holds a record: only the main program's exits leak */
L_CASE("socket", subprog_abs_caller_holds_record, "r6 = r1; r1 = %[rb] ll; r2 = 8; r3 = 0; call %[bpf_ringbuf_reserve];"
       "if r0 == 0 goto 1f; r7 = r0; r1 = r6; call abs_returns_int; r1 = r7; r2 = 0; call %[bpf_ringbuf_discard];"
       "1: r0 = 0; exit;")
/* r6 never set */
L_CASE("socket", abs_r6_unset, "r0 = *(u8 *)skb[0]; exit;")
/* the index register of an indirect load never set */
L_CASE("socket", ind_index_unset, "r6 = r1; r0 = *(u8 *)skb[r7]; exit;")
/* r6 is the context moved forward */
L_CASE("socket", abs_ctx_moved, "r6 = r1; r6 += 8; r0 = *(u8 *)skb[0]; exit;")
/* r6 is the context moved backward */
L_CASE("socket", abs_ctx_moved_back, "r6 = r1; r6 += -8; r0 = *(u8 *)skb[0]; exit;")
/* a helper given a context moved backward */
L_CASE("tc", helper_ctx_moved_back, "r1 += -4; r2 = 0; r3 = r10; r3 += -8; r4 = 4; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
