/* progs: a program array of one slot, for the families that tail-call (nothing is ever put in
 * it, so every tail call falls through). */
#ifndef PROG_ARRAY_H
#define PROG_ARRAY_H

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

#endif
