/* bpf_snprintf: output and return values, truncation, refused formats. */
#include <bpf/bpf_helpers.h>

char out[8][48];
long res[16];

SEC("syscall")
int format(void *ctx)
{
	char word[] = "hey";
	__u64 args[5] = { -5, 7, 255, 0, 'c' };
	__u64 nums[6] = { -5, 7, 255, -1, 0x1234, 0xfedcba9876543210ULL };
	int i = 0;

	args[3] = (__u64)(long)word;
	res[i] = bpf_snprintf(out[i], sizeof(out[i]), "d=%d u=%u x=%x s=%s c=%c", args, 40); i++;
	res[i] = bpf_snprintf(out[i], sizeof(out[i]), "%lld|%llu|%llx|%5d|%-4u|%03x|%%", nums, 48); i++;
	res[i] = bpf_snprintf(out[i], 6, "%d and more", nums, 8); i++;          /* truncated */
	res[i] = bpf_snprintf(out[i], sizeof(out[i]), "%i %X %ld %lx", nums + 2, 32); i++;
	res[i] = bpf_snprintf(out[i], sizeof(out[i]), "no args", 0, 0); i++;
	res[i] = bpf_snprintf(0, 0, "%d", nums, 8); i++;                        /* size only */
	res[i] = bpf_snprintf(out[i], sizeof(out[i]), "[%s] [%5s] [%-5s]", args + 3, 24); i++;
	res[i] = bpf_snprintf(out[i], sizeof(out[i]), "%d %u %x", nums + 3, 24); i++;
	return i;
}

#ifdef FMT
/* One format on its own (built with -DFMT=... -DLEN=...): the verifier checks formats at load. */
SEC("syscall")
int format_one(void *ctx)
{
	__u64 args[4] = { 42, 0x1234, 7, 8 };

	res[15] = bpf_snprintf(out[7], sizeof(out[7]), FMT, args, LEN);
	return 0;
}
#endif

char LICENSE[] SEC("license") = "GPL";
