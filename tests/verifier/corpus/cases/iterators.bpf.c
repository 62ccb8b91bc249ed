/* Iterator programs (SEC("iter/<target>")): the context is the target's arguments, the
 * iterator's meta (never NULL, its seq_file trusted) and the object it is at (NULL once the walk
 * is over), for targets pybpf models (task) and for one it does not (tcp); return 0 or 1. */
#include "corpus.h"

struct seq_file;
struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

/* the contexts' layouts are fixed: no CO-RE for them */
struct iter_task_ctx {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

struct sock_common;
struct iter_tcp_ctx {
	struct bpf_iter_meta *meta;
	struct sock_common *sk_common;
	__u32 uid;
};

/* the task's pid written to the seq_file, after the NULL check */
SEC("iter/task") int task_writes_pid(struct iter_task_ctx *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	int pid;

	if (!task)
		return 0;
	pid = task->pid;
	bpf_seq_write(seq, &pid, sizeof(pid));
	return 0;
}

/* the task read without the NULL check */
SEC("iter/task") int task_without_null_check(struct iter_task_ctx *ctx)
{
	return ctx->task->pid & 1;
}

/* the meta's sequence number, for a target pybpf does not model */
SEC("iter/tcp") int tcp_writes_seq_num(struct iter_tcp_ctx *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;
	__u64 n = meta->seq_num;
	__u32 uid = ctx->uid;

	bpf_seq_write(meta->seq, &n, sizeof(n));
	bpf_seq_write(meta->seq, &uid, sizeof(uid));
	return 0;
}

/* a number passed where the helper wants the seq_file */
SEC("iter/task") int seq_from_a_number(struct iter_task_ctx *ctx)
{
	__u64 n = ctx->meta->seq_num;

	bpf_seq_write((struct seq_file *)n, &n, sizeof(n));
	return 0;
}

/* an iterator returns 0 or 1 */
SEC("iter/task") int returns_two(struct iter_task_ctx *ctx)
{
	return 2;
}
