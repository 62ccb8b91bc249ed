"""Implementations of the kfuncs of lists, red-black trees and reference counts of allocated
objects, and of ``bpf_kptr_xchg``: they act on the runtime's :class:`ObjectGraphs` (the
verifier has proved every argument: a head or root under its lock, a node of the right
struct, an owning or non-owning reference as each kfunc wants).
"""

from __future__ import annotations

from ..engine import BpfRuntimeError, ExecContext
from ._impl import host, implements
from ._kfunc_impl import implements_kfunc

__all__: list[str] = []


@implements_kfunc("bpf_list_push_front_impl")
def list_push_front(ctx: ExecContext, head: int, node: int, *_: int) -> int:
    """Link an object at the front of a list: 0, or -EINVAL (and the reference dropped)
    when it is already in one."""
    return host(ctx).graphs.push(head, node, front=True)  # type: ignore[no-any-return]


@implements_kfunc("bpf_list_push_back_impl")
def list_push_back(ctx: ExecContext, head: int, node: int, *_: int) -> int:
    """Link an object at the back of a list (see :func:`list_push_front`)."""
    return host(ctx).graphs.push(head, node, front=False)  # type: ignore[no-any-return]


@implements_kfunc("bpf_list_pop_front")
def list_pop_front(ctx: ExecContext, head: int, *_: int) -> int:
    """Unlink the first node of a list, NULL when it is empty."""
    return host(ctx).graphs.pop(head, back=False)  # type: ignore[no-any-return]


@implements_kfunc("bpf_list_pop_back")
def list_pop_back(ctx: ExecContext, head: int, *_: int) -> int:
    """Unlink the last node of a list, NULL when it is empty."""
    return host(ctx).graphs.pop(head, back=True)  # type: ignore[no-any-return]


@implements_kfunc("bpf_list_front", "bpf_rbtree_first")
def first_node(ctx: ExecContext, head: int, *_: int) -> int:
    """The first node of a list, or the leftmost of a tree, left linked; NULL if none."""
    return host(ctx).graphs.peek(head, back=False)  # type: ignore[no-any-return]


@implements_kfunc("bpf_list_back")
def list_back(ctx: ExecContext, head: int, *_: int) -> int:
    """The last node of a list, left linked; NULL if none."""
    return host(ctx).graphs.peek(head, back=True)  # type: ignore[no-any-return]


@implements_kfunc("bpf_rbtree_add_impl")
def rbtree_add(ctx: ExecContext, root: int, node: int, less: int, *_: int) -> int:
    """Link a node into a tree, ordered by the program's ``less(a, b)`` callback."""
    entry = ctx.engine.function_at(less)
    if entry is None:
        raise BpfRuntimeError(f"bpf_rbtree_add: 0x{less:x} is not a subprogram of this program")

    def before(a: int, b: int) -> bool:
        return bool(ctx.engine.call_nested(ctx, entry, a, b, 0, 0, 0) & 1)

    return host(ctx).graphs.add(root, node, before)  # type: ignore[no-any-return]


@implements_kfunc("bpf_rbtree_remove")
def rbtree_remove(ctx: ExecContext, root: int, node: int, *_: int) -> int:
    """Unlink a node from a tree and return it (owned again); NULL if it is not in that tree."""
    return host(ctx).graphs.remove(root, node)  # type: ignore[no-any-return]


@implements_kfunc("bpf_refcount_acquire_impl")
def refcount_acquire(ctx: ExecContext, p: int, *_: int) -> int:
    """One more reference on a refcounted object (the same pointer)."""
    return host(ctx).graphs.acquire(p)  # type: ignore[no-any-return]


@implements("bpf_kptr_xchg")
def kptr_xchg(ctx: ExecContext, field: int, new: int, *_: int) -> int:
    """Swap the pointer in a map value's kptr field; the old one's reference passes to the
    program."""
    return host(ctx).graphs.exchange(field, new)  # type: ignore[no-any-return]
