/* One access of a context field, for types whose programs only load here: built with
 * -DSECTION='"..."' -DOFF=n -DTYPE=<integer type> and -DWRITE=0 or 1. The kernel and pybpf
 * must both accept or both refuse it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 seen;

SEC(SECTION)
int access(void *ctx)
{
#if WRITE
	*(volatile TYPE *)((char *)ctx + OFF) = 1;
#else
	TYPE v = *(volatile TYPE *)((char *)ctx + OFF);
	__u32 low = v;  /* a number may be stored in part; a pointer may not */

	seen = low;
#endif
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
