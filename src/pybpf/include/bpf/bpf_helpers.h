/* pybpf's bpf_helpers.h: the macros libbpf-style BPF C programs use, and the helper
 * declarations generated from pybpf's registry. Enough to build programs for pybpf (and the
 * kernel) without a system libbpf. */
#ifndef __PYBPF_BPF_HELPERS_H
#define __PYBPF_BPF_HELPERS_H

#include <linux/types.h>
#if !defined(__VMLINUX_H__) && !defined(__cplusplus) && !defined(bool) && !defined(__bool_true_false_are_defined)
typedef _Bool bool;
enum { false = 0, true = 1 };
#endif

#include "bpf_helper_defs.h"

/* Put a function or variable into an ELF section: the section names the program type. */
#define SEC(name) __attribute__((section(name), used))

/* BTF-defined map fields: the value is encoded in the type, as libbpf reads it. */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
#define __ulong(name, val) enum { ___pybpf_concat(__unique_value, __COUNTER__) = val } name
#define ___pybpf_concat(a, b) a##b

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif
#ifndef __weak
#define __weak __attribute__((weak))
#endif

/* Externs the loader resolves: kernel symbols and kfuncs, and Kconfig values. */
#define __ksym __attribute__((section(".ksyms")))
#define __kconfig __attribute__((section(".kconfig")))
#ifndef __kptr
#define __kptr __attribute__((btf_type_tag("kptr")))
#define __kptr_untrusted __attribute__((btf_type_tag("kptr_untrusted")))
#define __percpu_kptr __attribute__((btf_type_tag("percpu_kptr")))
#endif
/* Whether a weak extern was resolved (its address is non-zero). */
#define bpf_ksym_exists(sym) ({ _Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); !!sym; })

/* Open-coded number iterator (kfuncs) and the loops built on it. */
#ifndef __VMLINUX_H__
struct bpf_iter_num { __u64 __opaque[1]; } __attribute__((aligned(8)));
#endif
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

/* The timer family's kfuncs: bpf_wq (Linux 6.10), and 7.0's bpf_timer_cancel_async and
 * bpf_wq_set_callback. Weak, so that bpf_ksym_exists() tells a program which release it runs on. */
#ifndef __VMLINUX_H__
struct bpf_wq { __u64 __opaque[2]; } __attribute__((aligned(8)));
#endif
extern int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags) __weak __ksym;
extern int bpf_wq_set_callback_impl(struct bpf_wq *wq, int (callback_fn)(void *map, int *key, void *value),
				    unsigned int flags, void *aux__ign) __weak __ksym;
extern int bpf_wq_set_callback(struct bpf_wq *wq, int (callback_fn)(void *map, int *key, void *value),
			       unsigned int flags) __weak __ksym;
extern int bpf_wq_start(struct bpf_wq *wq, unsigned int flags) __weak __ksym;
extern int bpf_timer_cancel_async(struct bpf_timer *timer) __weak __ksym;

/* bpf_for(i, start, end): i runs over [start, end) through a number iterator the verifier
 * can bound; bpf_repeat(n): the body runs n times. The iterator is destroyed on scope exit. */
#define bpf_for(i, start, end)                                                         \
	for (struct bpf_iter_num ___it __attribute__((aligned(8),                       \
						      cleanup(bpf_iter_num_destroy))),   \
	     *___p __attribute__((unused)) = (bpf_iter_num_new(&___it, (start), (end)),   \
		     (void)bpf_iter_num_destroy, (void *)0);                              \
	     ({ int *___t = bpf_iter_num_next(&___it); (___t && ((i) = *___t, 1)); });)
#define bpf_repeat(n)                                                                  \
	for (struct bpf_iter_num ___it __attribute__((aligned(8),                       \
						      cleanup(bpf_iter_num_destroy))),   \
	     *___p __attribute__((unused)) = (bpf_iter_num_new(&___it, 0, (n)),           \
		     (void)bpf_iter_num_destroy, (void *)0);                              \
	     bpf_iter_num_next(&___it);)

/* Map update flags. */
#define BPF_ANY 0
#define BPF_NOEXIST 1
#define BPF_EXIST 2
#define BPF_F_LOCK 4

/* Map flags and types used with __uint(type, ...). */
#define BPF_F_NO_PREALLOC (1U << 0)
#define BPF_F_ZERO_SEED (1U << 6)
#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_ARRAY 2
#define BPF_MAP_TYPE_PROG_ARRAY 3
#define BPF_MAP_TYPE_PERCPU_HASH 5
#define BPF_MAP_TYPE_PERCPU_ARRAY 6
#define BPF_MAP_TYPE_LRU_HASH 9
#define BPF_MAP_TYPE_LRU_PERCPU_HASH 10
#define BPF_MAP_TYPE_ARRAY_OF_MAPS 12
#define BPF_MAP_TYPE_HASH_OF_MAPS 13
#define BPF_MAP_TYPE_QUEUE 22
#define BPF_MAP_TYPE_STACK 23
#define BPF_MAP_TYPE_RINGBUF 27
#define BPF_MAP_TYPE_PERF_EVENT_ARRAY 4
#define BPF_MAP_TYPE_STACK_TRACE 7
#define BPF_MAP_TYPE_CGROUP_ARRAY 8
#define BPF_MAP_TYPE_LPM_TRIE 11
#define BPF_MAP_TYPE_DEVMAP 14
#define BPF_MAP_TYPE_SOCKMAP 15
#define BPF_MAP_TYPE_CPUMAP 16
#define BPF_MAP_TYPE_XSKMAP 17
#define BPF_MAP_TYPE_SOCKHASH 18
#define BPF_MAP_TYPE_CGROUP_STORAGE 19
#define BPF_MAP_TYPE_REUSEPORT_SOCKARRAY 20
#define BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE 21
#define BPF_MAP_TYPE_SK_STORAGE 24
#define BPF_MAP_TYPE_DEVMAP_HASH 25
#define BPF_MAP_TYPE_INODE_STORAGE 28
#define BPF_MAP_TYPE_TASK_STORAGE 29
#define BPF_MAP_TYPE_BLOOM_FILTER 30
#define BPF_MAP_TYPE_USER_RINGBUF 31
#define BPF_MAP_TYPE_CGRP_STORAGE 32

/* Flags of perf output, stack ids, local storage and redirects. */
#define BPF_F_INDEX_MASK 0xffffffffULL
#define BPF_F_CURRENT_CPU BPF_F_INDEX_MASK
#define BPF_F_CTXLEN_MASK (0xfffffULL << 32)
#define BPF_F_SKIP_FIELD_MASK 0xffULL
#define BPF_F_USER_STACK (1ULL << 8)
#define BPF_F_FAST_STACK_CMP (1ULL << 9)
#define BPF_F_REUSE_STACKID (1ULL << 10)
#define BPF_LOCAL_STORAGE_GET_F_CREATE (1ULL << 0)
#define BPF_SK_STORAGE_GET_F_CREATE BPF_LOCAL_STORAGE_GET_F_CREATE
#define BPF_F_INGRESS (1ULL << 0)
#define BPF_F_BROADCAST (1ULL << 3)
#define BPF_F_EXCLUDE_INGRESS (1ULL << 4)
#define BPF_F_RECOMPUTE_CSUM (1ULL << 0)
#define BPF_F_INVALIDATE_HASH (1ULL << 1)
#define BPF_F_HDR_FIELD_MASK 0xfULL
#define BPF_F_PSEUDO_HDR (1ULL << 4)
#define BPF_F_MARK_MANGLED_0 (1ULL << 5)

/* Pinning of BTF-defined maps. */
#define LIBBPF_PIN_NONE 0
#define LIBBPF_PIN_BY_NAME 1

/* Timer flags and clocks. */
#define BPF_F_TIMER_ABS (1ULL << 0)
#define BPF_F_TIMER_CPU_PIN (1ULL << 1)
#ifndef CLOCK_REALTIME
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#endif

/* bpf_printk("fmt", args...): bpf_trace_printk with the format on the stack. */
#define bpf_printk(fmt, ...)                                                   \
	({                                                                     \
		char ____fmt[] = fmt;                                          \
		bpf_trace_printk(____fmt, sizeof(____fmt), ##__VA_ARGS__);     \
	})

#endif /* __PYBPF_BPF_HELPERS_H */
