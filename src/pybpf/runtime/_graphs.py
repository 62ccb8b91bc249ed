"""What allocated objects own and are linked into at run time: the lists and red-black trees
whose heads live in map values and objects, reference counts, and objects stashed in
``__kptr`` fields (the kernel's ``bpf_list_*``/``bpf_rbtree_*`` kfuncs, ``bpf_refcount``,
``bpf_kptr_xchg`` and ``bpf_obj_free_fields``).

A head or root is known by its address; its nodes are kept here, in order (a tree's in the
order its ``less`` callback gives), as the addresses of their ``bpf_list_node``/``bpf_rb_node``
fields. The bytes of heads and nodes in memory are never touched: the verifier lets no
program read them, and user space reads them as zeros, as the kernel's special fields.
Freeing a value or an object (a map element deleted or overwritten, a map closed,
``bpf_obj_drop``) drops every object its lists and trees hold and each object its kptrs
hold, recursively, as the kernel does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final, final

from ..btf import Spec
from ..engine import AddressSpace, Region
from ..maps import FreeFieldsHook
from ..verifier._graph_fields import record_of

__all__ = ["ObjectGraphs", "free_owned", "owned_fields"]

EINVAL: Final = 22

#: less(a, b): whether node ``a`` sorts before node ``b`` (the program's callback)
Less = Callable[[int, int], bool]


@final
class ObjectGraphs:
    """The links between one runtime's allocated objects and the values that hold them."""

    def __init__(self, space: AddressSpace, free_region: Callable[[int], None]) -> None:
        self._space = space
        self._free_region = free_region
        self._lock = threading.RLock()
        self._chains: dict[int, list[int]] = {}  #: head or root address -> node addresses
        self._linked: dict[int, int] = {}  #: node address -> the head or root holding it
        self._types: dict[int, tuple[Spec, int]] = {}  #: object address -> (BTF, struct id)
        self._counts: dict[int, int] = {}  #: refcounted object address -> references

    # -- objects ---------------------------------------------------------------------------

    def created(self, address: int, spec: Spec, type_id: int) -> None:
        """Note a new object (``bpf_obj_new``): its type, and one reference if it counts them."""
        with self._lock:
            self._types[address] = (spec, type_id)
            if record_of(spec, type_id).refcount_off >= 0:
                self._counts[address] = 1

    def acquire(self, address: int) -> int:
        """``bpf_refcount_acquire``: one more reference; NULL if the object is already gone."""
        with self._lock:
            if self._counts.get(address, 0) <= 0:
                return 0
            self._counts[address] += 1
            return address

    def drop(self, address: int) -> None:
        """``bpf_obj_drop``: give up a reference; the last one frees the object and what it owns."""
        with self._lock:
            count = self._counts.get(address)
            if count is not None and count > 1:
                self._counts[address] = count - 1
                return
            self._counts.pop(address, None)
            typed = self._types.pop(address, None)
        if typed is not None:
            self.free_fields(typed[0], typed[1], address)
        self._free_region(address)

    def free_fields(self, spec: Spec, type_id: int, base: int) -> None:
        """Drop what the value or object of type ``type_id`` at ``base`` owns: the objects of
        its lists and trees, and the local objects its kptrs hold (``bpf_obj_free_fields``)."""
        record = record_of(spec, type_id)
        for root in record.roots:
            with self._lock:
                nodes = self._chains.pop(base + root.offset, [])
                for node in nodes:
                    self._linked.pop(node, None)
            for node in nodes:
                self.drop(node - root.node_offset)
        for kptr in record.kptrs:
            held = self.exchange(base + kptr.offset, 0)
            if held and self._is_object(held):  # a kernel object's release does nothing here
                self.drop(held)

    def is_object_lock(self, address: int) -> bool:
        """Whether ``address`` is the ``bpf_spin_lock`` of a live allocated object."""
        base = self._object_of(address)
        with self._lock:
            typed = self._types.get(base)
        return typed is not None and record_of(*typed).lock_off == address - base

    def _is_object(self, address: int) -> bool:
        with self._lock:
            return address in self._types

    # -- kptrs -----------------------------------------------------------------------------

    def exchange(self, field: int, new: int) -> int:
        """``bpf_kptr_xchg``: store ``new`` in the 8-byte kptr field at ``field`` and return
        what it held (the field's reference passes to the caller)."""
        region = self._space.find(field, 8)
        if region is None:
            return 0
        at = field - region.base
        with self._lock:
            old = int.from_bytes(region.buf[at : at + 8], "little")
            region.buf[at : at + 8] = new.to_bytes(8, "little")
        return old

    # -- lists -----------------------------------------------------------------------------

    def push(self, head: int, node: int, front: bool) -> int:
        """Link ``node`` at the front or back of ``head``; a node already linked elsewhere
        (a refcounted object's second reference) is dropped instead, and -EINVAL returned."""
        with self._lock:
            linked = node in self._linked
            if not linked:
                chain = self._chains.setdefault(head, [])
                chain.insert(0, node) if front else chain.append(node)
                self._linked[node] = head
        if linked:
            self.drop(self._object_of(node))
            return -EINVAL
        return 0

    def _object_of(self, node: int) -> int:
        """The address of the object whose node is at ``node``."""
        region = self._space.find(node, 1)
        return node if region is None else region.base

    def pop(self, head: int, back: bool) -> int:
        """Unlink and return the first (or last) node of ``head``; NULL when it is empty."""
        with self._lock:
            chain = self._chains.get(head)
            if not chain:
                return 0
            node = chain.pop() if back else chain.pop(0)
            del self._linked[node]
            return node

    def peek(self, head: int, back: bool) -> int:
        """The first (or last) node of ``head`` (or tree ``root``), still linked; NULL if none."""
        with self._lock:
            chain = self._chains.get(head)
            if not chain:
                return 0
            return chain[-1] if back else chain[0]

    # -- red-black trees ---------------------------------------------------------------------

    def add(self, root: int, node: int, less: Less) -> int:
        """Link ``node`` into ``root`` after every node it does not sort before (equal keys
        keep their insertion order, as the kernel's walk goes right on a tie)."""
        with self._lock:
            if node in self._linked:
                linked = True
            else:
                linked = False
                chain = self._chains.setdefault(root, [])
                lo, hi = 0, len(chain)
                while lo < hi:
                    mid = (lo + hi) // 2
                    if less(node, chain[mid]):
                        hi = mid
                    else:
                        lo = mid + 1
                chain.insert(lo, node)
                self._linked[node] = root
        if linked:
            self.drop(self._object_of(node))
            return -EINVAL
        return 0

    def remove(self, root: int, node: int) -> int:
        """Unlink ``node`` from ``root`` and return it; NULL if it is not in that tree."""
        with self._lock:
            if self._linked.get(node) != root:
                return 0
            self._chains[root].remove(node)
            del self._linked[node]
            return node


def owned_fields(spec: Spec | None, type_id: int) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """``(offset, size)`` of the fields of a map value that own objects: its list heads and
    tree roots (16 bytes, which programs never touch: special fields), and its kptrs (8
    bytes, which programs load and store)."""
    if spec is None or not type_id:
        return (), ()
    record = record_of(spec, type_id)
    return tuple((r.offset, _ROOT_SIZE) for r in record.roots), tuple((k.offset, 8) for k in record.kptrs)


_ROOT_SIZE: Final = 16  #: struct bpf_list_head and struct bpf_rb_root


def free_owned(
    graphs: ObjectGraphs, spec: Spec, type_id: int, then: FreeFieldsHook, slot: int, region: Region, offset: int
) -> None:
    """A map's special-field hook: what the element owns is dropped, then ``then`` (the timer
    layer's hook) frees the rest."""
    graphs.free_fields(spec, type_id, region.base + offset)
    then(slot, region, offset)
