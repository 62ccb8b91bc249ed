/* Helpers whose errors pybpf gives as the kernel does although it lacks their objects: no
 * memory area at an address nothing maps, bad flags or sizes, an unknown encapsulation. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct task_struct;
struct btf_ptr_view { void *ptr; __u32 type_id; __u32 flags; };

long got[8];

static long on_vma(struct task_struct *task, void *vma, void *data)
{
	return 0;
}

SEC("syscall")
int checks(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct btf_ptr_view p = { .ptr = ctx, .type_id = 1 };
	char out[32];

	got[0] = bpf_find_vma(task, 8, on_vma, 0, 0);  /* nothing maps page 0 */
	got[1] = bpf_find_vma(task, 8, on_vma, 0, 1);  /* flags must be 0 */
	got[2] = bpf_snprintf_btf(out, sizeof(out), (void *)&p, sizeof(p), 1 << 4);  /* unknown flag */
	got[3] = bpf_snprintf_btf(out, sizeof(out), (void *)&p, 8, 0);  /* not a struct btf_ptr */
	p.type_id = 0;
	got[4] = bpf_snprintf_btf(out, sizeof(out), (void *)&p, sizeof(p), 0);  /* no type */
	return 0;
}

SEC("lwt_in")
int encap(struct __sk_buff *skb)
{
	char hdr[20] = {};

	return -bpf_lwt_push_encap(skb, 99, hdr, sizeof(hdr));  /* no such encapsulation */
}

char LICENSE[] SEC("license") = "GPL";
