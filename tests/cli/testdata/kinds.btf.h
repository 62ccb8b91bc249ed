#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

typedef unsigned int __u32;

struct flags {
	unsigned int low: 3;
	int mid: 5;
	unsigned char ch;
	char name[6];
	_Bool on;
};

typedef unsigned char __u8;

union either {
	__u32 number;
	__u8 bytes[4];
};

enum color {
	RED = 0,
	GREEN = 5,
	BLUE = -1,
};

enum big {
	HUGE = 4294967296ULL,
};

typedef short __s16;

typedef unsigned long long __u64;

struct kind_value {
	struct flags f;
	union either u;
	enum color color;
	enum big big;
	volatile const __s16 s;
	void *ptr;
	__u64 list[2];
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
