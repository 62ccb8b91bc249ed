/* What the graph and kptr families share: the kfuncs of allocated objects, lists, red-black
 * trees and reference counts, declared as the kernel exports them, and the short names
 * programs call them by (the *_impl kfuncs take a hidden metadata argument the verifier fills
 * in: programs pass NULL, and 0 for the node offset). */
#ifndef GRAPH_H
#define GRAPH_H

#include "corpus.h"
#include <bpf/bpf_core_read.h>

extern void *bpf_obj_new_impl(__u64 local_type_id__k, void *meta__ign) __ksym;
extern void bpf_obj_drop_impl(void *p__alloc, void *meta__ign) __ksym;
extern void *bpf_refcount_acquire_impl(void *kptr__ref, void *meta__ign) __ksym;
extern void *bpf_percpu_obj_new_impl(__u64 local_type_id__k, void *meta__ign) __ksym;
extern void bpf_percpu_obj_drop_impl(void *p__alloc, void *meta__ign) __ksym;
extern int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				    void *meta__ign, __u64 off) __ksym;
extern int bpf_list_push_back_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				   void *meta__ign, __u64 off) __ksym;
extern struct bpf_list_node *bpf_list_pop_front(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_pop_back(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_front(struct bpf_list_head *head) __ksym __weak;
extern struct bpf_list_node *bpf_list_back(struct bpf_list_head *head) __ksym __weak;
extern int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			       bool (less)(struct bpf_rb_node *a, const struct bpf_rb_node *b),
			       void *meta__ign, __u64 off) __ksym;
extern struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root, struct bpf_rb_node *node) __ksym;
extern struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root) __ksym;
extern struct bpf_rb_node *bpf_rbtree_root(struct bpf_rb_root *root) __ksym __weak;
extern struct bpf_rb_node *bpf_rbtree_left(struct bpf_rb_root *root, struct bpf_rb_node *node) __ksym __weak;
extern struct bpf_rb_node *bpf_rbtree_right(struct bpf_rb_root *root, struct bpf_rb_node *node) __ksym __weak;
extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

#define new_obj(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), 0))
#define drop_obj(p) bpf_obj_drop_impl(p, 0)
#define refcount_acquire(p) bpf_refcount_acquire_impl(p, 0)
#define push_front(head, node) bpf_list_push_front_impl(head, node, 0, 0)
#define push_back(head, node) bpf_list_push_back_impl(head, node, 0, 0)
#define rbtree_add(root, node, less) bpf_rbtree_add_impl(root, node, less, 0, 0)
/* the struct a member pointer points into */
#define owner_of(ptr, type, member) ((type *)((void *)(ptr) - __builtin_offsetof(type, member)))
/* a list head or tree root holds objects of one type, linked through one of its members */
#define __holds(type, member) __attribute__((btf_decl_tag("contains:" #type ":" #member)))
/* a global in a data section of its own, beside the lock that guards it */
#define in_section(name) SEC(".data." #name) __attribute__((visibility("hidden"), aligned(8)))
#define __kptr __attribute__((btf_type_tag("kptr")))
#define __kptr_untrusted __attribute__((btf_type_tag("kptr_untrusted")))

#endif
