/* pybpf's linux/types.h: the fixed-width types of the kernel's UAPI, so that BPF programs build
 * without kernel headers. */
#ifndef __PYBPF_LINUX_TYPES_H
#define __PYBPF_LINUX_TYPES_H
#ifndef __VMLINUX_H__
typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef short __s16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u64 __be64;
typedef __u16 __sum16;
typedef __u32 __wsum;
#endif
#endif
