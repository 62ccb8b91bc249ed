/* Per-CPU kernel variables declared as typed __ksym externs: the address is a per-CPU pointer
 * (percpu_ptr_) that only bpf_per_cpu_ptr and bpf_this_cpu_ptr take, and what they return
 * is read-only memory of the variable's size (an int) or a pointer to its struct. A typeless
 * __ksym is a plain number. The runs read cpu_number, which holds each CPU's own number. */
#include "corpus.h"
#include <bpf/bpf_core_read.h>

struct rq {
	unsigned int nr_running;
} __attribute__((preserve_access_index));

extern const int cpu_number __ksym;
extern const struct rq runqueues __ksym;

/* this CPU's copy of cpu_number is the number of the CPU the program runs on */
SEC("syscall") int this_cpu_number(void *ctx)
{
	const int *n = bpf_this_cpu_ptr(&cpu_number);

	return *n == bpf_get_smp_processor_id();
}

/* CPU 0's copy, checked for NULL, holds 0 */
SEC("syscall") int cpu0_number(void *ctx)
{
	const int *n = bpf_per_cpu_ptr(&cpu_number, 0);

	if (!n)
		return 7;
	return *n + 3;
}

/* bpf_per_cpu_ptr returns NULL past the last possible CPU */
SEC("syscall") int cpu_past_end(void *ctx)
{
	return bpf_per_cpu_ptr(&cpu_number, 1 << 20) == 0;
}

/* bpf_per_cpu_ptr's result may be NULL: read unchecked */
SEC("syscall") __naked int cpu0_unchecked(void)
{
	asm volatile("r1 = %[cpu_number] ll; r2 = 0; call %[bpf_per_cpu_ptr]; r0 = *(u32 *)(r0 + 0); exit;"
		     :: __imm_addr(cpu_number), __imm(bpf_per_cpu_ptr) : __clobber_all);
}

/* the memory is read-only */
SEC("syscall") __naked int this_cpu_write(void)
{
	asm volatile("r1 = %[cpu_number] ll; call %[bpf_this_cpu_ptr]; r1 = 1; *(u32 *)(r0 + 0) = r1;"
		     "r0 = 0; exit;" :: __imm_addr(cpu_number), __imm(bpf_this_cpu_ptr) : __clobber_all);
}

/* and as large as the variable */
SEC("syscall") __naked int this_cpu_past_size(void)
{
	asm volatile("r1 = %[cpu_number] ll; call %[bpf_this_cpu_ptr]; r0 = *(u32 *)(r0 + 4); exit;"
		     :: __imm_addr(cpu_number), __imm(bpf_this_cpu_ptr) : __clobber_all);
}

/* the per-CPU pointer itself cannot be read through */
SEC("syscall") __naked int percpu_read(void)
{
	asm volatile("r1 = %[cpu_number] ll; r0 = *(u32 *)(r1 + 0); exit;"
		     :: __imm_addr(cpu_number) : __clobber_all);
}

/* nor moved */
SEC("syscall") __naked int percpu_arith(void)
{
	asm volatile("r1 = %[cpu_number] ll; r1 += 4; call %[bpf_this_cpu_ptr]; r0 = 0; exit;"
		     :: __imm_addr(cpu_number), __imm(bpf_this_cpu_ptr) : __clobber_all);
}

/* a number is not a per-CPU pointer */
SEC("syscall") __naked int scalar_percpu(void)
{
	asm volatile("r1 = 0; call %[bpf_this_cpu_ptr]; r0 = 0; exit;" :: __imm(bpf_this_cpu_ptr) : __clobber_all);
}

/* a struct variable: a pointer to this CPU's run queue, whose fields may be read */
SEC("syscall") int this_rq(void *ctx)
{
	const struct rq *rq = bpf_this_cpu_ptr(&runqueues);

	return BPF_CORE_READ(rq, nr_running) < (1u << 31);
}

/* the same through bpf_per_cpu_ptr, checked for NULL */
SEC("syscall") int cpu0_rq(void *ctx)
{
	const struct rq *rq = bpf_per_cpu_ptr(&runqueues, 0);

	if (!rq)
		return 7;
	return rq->nr_running < (1u << 31);
}

/* the struct pointer, unchecked */
SEC("syscall") int cpu0_rq_unchecked(void *ctx)
{
	const struct rq *rq = bpf_per_cpu_ptr(&runqueues, 0);

	return rq->nr_running < (1u << 31);
}
