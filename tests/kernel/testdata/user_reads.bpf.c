/* Reads of user memory against reads of kernel memory. The program's own memory (its stack,
 * its maps) is kernel memory: a user read of it faults, a kernel read (or the old
 * bpf_probe_read, which picks by the address) succeeds. The calling process's memory, whose
 * address the context carries, is user memory: the other way round. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

long got[24];
char text[16];

SEC("syscall")
int user_reads(__u64 *ctx)
{
	long word = 0x1122334455667788;
	long out[4] = {};
	char str[16];
	void *user = (void *)ctx[0];

	got[0] = bpf_probe_read_user(&out[0], 8, &word);  /* a kernel address: -EFAULT, zeroed */
	got[1] = out[0];
	got[2] = bpf_probe_read_user(&out[1], 8, user);
	got[3] = out[1];
	got[4] = bpf_probe_read_user_str(str, sizeof(str), text);
	got[5] = str[0];
	got[6] = bpf_probe_read_user_str(str, sizeof(str), user + 16);
	got[7] = str[3];
	got[8] = bpf_probe_read_user_str(str, 4, user + 16);  /* cut: 3 bytes and a NUL */
	got[9] = str[2] + (str[3] << 8);
	got[10] = bpf_probe_read_kernel(&out[2], 8, user);  /* a user address: -ERANGE */
	got[11] = out[2];
	got[12] = bpf_probe_read_kernel(&out[2], 8, &word);
	got[13] = out[2];
	got[14] = bpf_probe_read(&out[3], 8, &word);  /* the old helper reads kernel memory here */
	got[15] = out[3];
	got[16] = bpf_probe_read(&out[3], 8, user + 8);  /* and user memory here */
	got[17] = out[3];
	got[18] = bpf_probe_read_str(str, sizeof(str), user + 16);
	got[19] = bpf_probe_read_user(&out[0], 8, (void *)8);  /* nothing mapped: -EFAULT */
	got[20] = bpf_probe_read_user(&out[0], 0, &word);  /* nothing to read */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
