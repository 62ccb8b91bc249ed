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

/* Map update flags. */
#define BPF_ANY 0
#define BPF_NOEXIST 1
#define BPF_EXIST 2
#define BPF_F_LOCK 4

/* Map flags and types used with __uint(type, ...). */
#define BPF_F_NO_PREALLOC (1U << 0)
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
