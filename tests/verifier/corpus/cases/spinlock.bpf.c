/* bpf_spin_lock: one lock held at a time, taken and released on map values that have one at
 * the pointer's exact offset, no calls and no exit while held, no direct access to the lock. */
#include "corpus.h"

struct locked {
	__u64 before;
	struct bpf_spin_lock lock;
	__u64 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} locks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct locked);
} hlocks SEC(".maps");

#define LOCK_IMMS IMMS, __imm_addr(locks), __imm_addr(hlocks), __imm(bpf_spin_lock), __imm(bpf_spin_unlock)
/* a naked case with the lock maps among its operands */
#define LOCK_CASE(sec, name, body)                                                                \
	SEC(sec) __naked int name(void)                                                           \
	{                                                                                         \
		asm volatile (body :: LOCK_IMMS : __clobber_all);                                 \
	}
/* r6 = &locks[0] (exit 0 when missing); the lock is at r6 + 8 */
#define LOCKS "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[locks] ll; call %[bpf_map_lookup_elem];" \
	"if r0 == 0 goto 9f; r6 = r0;"
#define LOCK "r1 = r6; r1 += 8; call %[bpf_spin_lock];"
#define UNLOCK "r1 = r6; r1 += 8; call %[bpf_spin_unlock];"
#define DONE "9: r0 = 0; exit;"

/* lock, write, unlock */
LOCK_CASE("tc", lock_write_unlock, LOCKS LOCK "r1 = 3; *(u64 *)(r6 + 16) = r1;" UNLOCK "r0 = *(u64 *)(r6 + 16); exit;" DONE)
/* the same in C */
SEC("tc") int lock_in_c(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *l = bpf_map_lookup_elem(&hlocks, &key);

	if (!l)
		return 0;
	bpf_spin_lock(&l->lock);
	l->value += 1;
	bpf_spin_unlock(&l->lock);
	return 1;
}
/* locked and never unlocked */
LOCK_CASE("tc", lock_without_unlock, LOCKS LOCK "r0 = 0; exit;" DONE)
/* unlocked without a lock */
LOCK_CASE("tc", unlock_without_lock, LOCKS UNLOCK "r0 = 0; exit;" DONE)
/* locked twice */
LOCK_CASE("tc", lock_twice, LOCKS LOCK LOCK UNLOCK UNLOCK "r0 = 0; exit;" DONE)
/* a helper called while locked */
LOCK_CASE("tc", helper_while_locked, LOCKS LOCK "call %[bpf_ktime_get_ns];" UNLOCK "r0 = 0; exit;" DONE)
/* a static subprogram called while locked */
SUBPROG(plain_subprog)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}
LOCK_CASE("tc", subprog_while_locked, LOCKS LOCK "call plain_subprog;" UNLOCK "r0 = 0; exit;" DONE)
/* unlocked on one path only */
LOCK_CASE("tc", unlock_on_one_path, LOCKS LOCK "r1 = *(u64 *)(r6 + 0); if r1 == 0 goto 9f;" UNLOCK "r0 = 0; exit;" DONE)
/* the pointer is not at the lock */
LOCK_CASE("tc", lock_wrong_offset, LOCKS "r1 = r6; call %[bpf_spin_lock]; r1 = r6; call %[bpf_spin_unlock]; r0 = 0; exit;" DONE)
/* a map value with no lock */
LOCK_CASE("tc", lock_map_without_lock, LOOKUP(array) "if r0 == 0 goto 9f; r1 = r0; call %[bpf_spin_lock]; r0 = 0; exit;" DONE)
/* a lock on the stack */
LOCK_CASE("tc", lock_on_stack, "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; call %[bpf_spin_lock]; r0 = 0; exit;")
/* a lock taken before the null check */
LOCK_CASE("tc", lock_or_null, "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hlocks] ll; call %[bpf_map_lookup_elem];"
	  "r1 = r0; r1 += 8; call %[bpf_spin_lock]; r0 = 0; exit;")
/* a load of the lock word */
LOCK_CASE("tc", load_lock_word, LOCKS "r0 = *(u32 *)(r6 + 8); exit;" DONE)
/* a store over the lock word */
LOCK_CASE("tc", store_lock_word, LOCKS "r1 = 0; *(u32 *)(r6 + 8) = r1; r0 = 0; exit;" DONE)
/* a store beside the lock word */
LOCK_CASE("tc", store_beside_lock, LOCKS "r1 = 0; *(u32 *)(r6 + 12) = r1; r0 = 0; exit;" DONE)
/* a store just before the lock */
LOCK_CASE("tc", store_before_lock, LOCKS "r1 = 1; *(u64 *)(r6 + 0) = r1; r0 = *(u64 *)(r6 + 0); exit;" DONE)
/* unlocking another value's lock */
LOCK_CASE("tc", unlock_other_value, LOCKS "r7 = r6;" "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[hlocks] ll; call %[bpf_map_lookup_elem];"
	  "if r0 == 0 goto 9f; r8 = r0;" LOCK "r1 = r8; r1 += 8; call %[bpf_spin_unlock]; r0 = 0; exit;" DONE)
/* a kprobe may not take spin locks */
LOCK_CASE("kprobe", lock_in_kprobe, LOCKS LOCK UNLOCK "r0 = 0; exit;" DONE)
/* a socket filter */
LOCK_CASE("socket", lock_in_socket_filter, LOCKS LOCK UNLOCK "r0 = 0; exit;" DONE)
/* a syscall program */
LOCK_CASE("syscall", lock_in_syscall, LOCKS LOCK UNLOCK "r0 = 0; exit;" DONE)
/* an xdp program */
LOCK_CASE("xdp", lock_in_xdp, LOCKS LOCK UNLOCK "r0 = 2; exit;" DONE)
/* a map update of the locked map with BPF_F_LOCK */
LOCK_CASE("tc", update_with_f_lock, "r1 = 0; *(u32 *)(r10 - 4) = r1; *(u64 *)(r10 - 24) = r1; *(u64 *)(r10 - 16) = r1; *(u64 *)(r10 - 8) = r1;"
	  "r1 = %[locks] ll; r2 = r10; r2 += -4; r3 = r10; r3 += -24; r4 = 4; call %[bpf_map_update_elem]; exit;")
/* a map value holding a lock passed whole as an update's value */
LOCK_CASE("tc", update_from_locked_value, LOCKS "r1 = %[locks] ll; r2 = r10; r2 += -4; r3 = r6; r4 = 0; call %[bpf_map_update_elem]; exit;" DONE)
