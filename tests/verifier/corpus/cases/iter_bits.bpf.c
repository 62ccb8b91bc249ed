/* The bit iterator (bpf_iter_bits_new/_next/_destroy): which bits it yields, from a copy taken
 * when it starts, and the arguments that make it yield nothing. The runs' return values are
 * what the kernel's implementation computed. */
#include "corpus.h"

struct bpf_iter_bits {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

extern int bpf_iter_bits_new(struct bpf_iter_bits *it, const __u64 *unsafe_ptr__ign, __u32 nr_words) __ksym;
extern int *bpf_iter_bits_next(struct bpf_iter_bits *it) __ksym;
extern void bpf_iter_bits_destroy(struct bpf_iter_bits *it) __ksym;

/* sum * 100 + count of the bits yielded over nr words at p; the first call's error in the
 * thousands */
static __always_inline int walk(const __u64 *p, __u32 nr)
{
	struct bpf_iter_bits it;
	int sum = 0, count = 0, err, *bit;

	err = bpf_iter_bits_new(&it, p, nr);
	while ((bit = bpf_iter_bits_next(&it))) {
		sum += *bit;
		count++;
	}
	bpf_iter_bits_destroy(&it);
	return (err < 0 ? -err * 10000 : 0) + sum * 100 + count;
}

/* one word, bits 1, 5 and 63 */
SEC("syscall") int one_word(void *ctx)
{
	__u64 w = (1ull << 1) | (1ull << 5) | (1ull << 63);

	return walk(&w, 1);
}

/* three words: bits 0, 64 + 2 and 128 + 7 */
SEC("syscall") int three_words(void *ctx)
{
	__u64 w[3] = { 1, 4, 128 };

	return walk(w, 3);
}

/* the iterator walks its copy: words changed after the start do not count */
SEC("syscall") int copy_taken_at_start(void *ctx)
{
	__u64 w[2] = { 2, 0 };
	struct bpf_iter_bits it;
	int sum = 0, *bit;

	bpf_iter_bits_new(&it, w, 2);
	w[0] = 0;
	w[1] = 1;
	while ((bit = bpf_iter_bits_next(&it)))
		sum += *bit + 10;
	bpf_iter_bits_destroy(&it);
	return sum;
}

/* no words: -EINVAL, and nothing yielded */
SEC("syscall") int zero_words(void *ctx)
{
	__u64 w = 7;

	return walk(&w, 0);
}

/* a NULL bitmap: -EINVAL */
SEC("syscall") int null_bitmap(void *ctx)
{
	return walk(0, 1);
}

/* more words than the iterator takes: -E2BIG */
SEC("syscall") int too_many_words(void *ctx)
{
	__u64 w = 7;

	return walk(&w, 4096);
}

/* a bitmap whose words cannot be read (a user address): the iterator yields nothing */
SEC("syscall") int unreadable_words(void *ctx)
{
	return walk((const __u64 *)0x1000, 2);
}
