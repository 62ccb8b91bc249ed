/* bpf_find_vma on the calling task (this process): the memory area holding an address, read
 * by the callback; -ENOENT where nothing is mapped. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct file;
struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_flags;
	unsigned long vm_pgoff;
	struct file *vm_file;
} __attribute__((preserve_access_index));
struct task_struct;

__u64 address;
__u64 found[5];
long result;

static long seen(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	found[0] = vma->vm_start;
	found[1] = vma->vm_end;
	found[2] = vma->vm_flags & 0xf; /* VM_READ, VM_WRITE, VM_EXEC, VM_SHARED */
	found[3] = vma->vm_pgoff;
	found[4] = vma->vm_file != 0;
	return 0;
}

SEC("raw_tp")
int find(void *ctx)
{
	result = bpf_find_vma(bpf_get_current_task_btf(), address, seen, 0, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
