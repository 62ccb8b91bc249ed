/* What the structure tests share: code that uses exactly N bytes of its frame's stack. */
#ifndef STACK_H
#define STACK_H

/* Store value in the lowest of N bytes the compiler must keep (they escape into an asm) and
 * read it back: the frame's depth is then N. */
#define USE_STACK(bytes, value)                                        \
	({                                                             \
		char __buf[bytes];                                     \
		__buf[0] = (value);                                    \
		asm volatile("" : : "r"(__buf) : "memory");            \
		__buf[0];                                              \
	})

/* A function of its own (never inlined) whose frame uses N bytes. */
#define STACK_FUNCTION(name, bytes)                                    \
	static __attribute__((noinline)) int name(int x)               \
	{                                                              \
		return USE_STACK(bytes, x);                            \
	}

#endif
