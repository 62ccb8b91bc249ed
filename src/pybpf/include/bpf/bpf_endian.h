/* pybpf's bpf_endian.h: network/host byte order for BPF programs, which run little-endian
 * (bpfel, as on x86-64) unless built for bpfeb. Constants fold at compile time. */
#ifndef __PYBPF_BPF_ENDIAN_H
#define __PYBPF_BPF_ENDIAN_H

#define ___pybpf_swab16(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define ___pybpf_swab32(x) ((__u32)__builtin_bswap32((__u32)(x)))
#define ___pybpf_swab64(x) ((__u64)__builtin_bswap64((__u64)(x)))

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define __bpf_htons(x) ___pybpf_swab16(x)
#define __bpf_htonl(x) ___pybpf_swab32(x)
#define __bpf_cpu_to_be64(x) ___pybpf_swab64(x)
#else
#define __bpf_htons(x) ((__u16)(x))
#define __bpf_htonl(x) ((__u32)(x))
#define __bpf_cpu_to_be64(x) ((__u64)(x))
#endif

#define bpf_htons(x) __bpf_htons(x)
#define bpf_ntohs(x) __bpf_htons(x)
#define bpf_htonl(x) __bpf_htonl(x)
#define bpf_ntohl(x) __bpf_htonl(x)
#define bpf_cpu_to_be64(x) __bpf_cpu_to_be64(x)
#define bpf_be64_to_cpu(x) __bpf_cpu_to_be64(x)
/* The same, for use where only constant expressions are allowed (case labels). */
#define __bpf_constant_htons(x) bpf_htons(x)
#define __bpf_constant_ntohs(x) bpf_ntohs(x)
#define __bpf_constant_htonl(x) bpf_htonl(x)
#define __bpf_constant_ntohl(x) bpf_ntohl(x)
#define __bpf_constant_cpu_to_be64(x) bpf_cpu_to_be64(x)
#define __bpf_constant_be64_to_cpu(x) bpf_be64_to_cpu(x)

#endif /* __PYBPF_BPF_ENDIAN_H */
