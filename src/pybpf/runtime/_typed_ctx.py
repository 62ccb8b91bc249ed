"""Contexts as Python values: ``test_run(ctx={...})`` packs the program's context struct from a
dict, and the result gives the context back typed.

The struct is the one the program's own BTF says its context argument points to: the
argument struct of a ``SEC("syscall")`` program, ``struct __sk_buff`` for socket and tc
programs, ``struct xdp_md`` for XDP ones (the types of ``linux/bpf.h``, which the program
includes). A program declared with ``void *ctx`` has no such type: it takes bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..btf import Func, FuncProto, Ptr, Spec, Struct, from_python, to_python

__all__ = ["context_type", "pack_context", "unpack_context"]

_BYTES = (bytes, bytearray, memoryview)


def context_type(btf: Spec | None, func_type_id: int | None) -> int:
    """The BTF id of the struct the function's first argument points to, or 0."""
    if btf is None or not func_type_id:
        return 0
    func = btf.type_by_id(func_type_id)
    if not isinstance(func, Func):
        return 0
    proto = btf.type_by_id(func.type)
    if not isinstance(proto, FuncProto) or not proto.params:
        return 0
    ptr = btf.type_by_id(btf.skip_modifiers(proto.params[0].type))
    if not isinstance(ptr, Ptr):
        return 0
    target = btf.skip_modifiers(ptr.type)
    return target if isinstance(btf.type_by_id(target), Struct) else 0


def pack_context(ctx: object, btf: Spec | None, type_id: int, program: str) -> bytes | None:
    """``ctx`` as the bytes ``BPF_PROG_TEST_RUN`` takes: bytes as they are, a dict packed into
    the context struct (members left out are zero).

    Raises:
        TypeError: ``ctx`` is neither bytes, a dict nor None; or a dict for a program whose
            BTF gives no context struct; or a member of the wrong type.
        ValueError: a member that does not exist or does not fit.
    """
    if ctx is None or isinstance(ctx, _BYTES):
        return None if ctx is None else bytes(ctx)
    if not isinstance(ctx, Mapping):
        raise TypeError(f"test_run: ctx must be bytes, a dict or None, not {type(ctx).__name__}")
    if btf is None or not type_id:
        raise TypeError(f"test_run: ctx: program '{program}' has no BTF type for its context "
                        "(declared void *ctx?): give the context as bytes")
    return from_python(btf, type_id, dict(ctx), what="test_run: ctx")


def unpack_context(ctx_out: bytes | None, btf: Spec | None, type_id: int) -> Any:
    """``ctx_out`` typed through the context struct, or None without one."""
    if ctx_out is None or btf is None or not type_id:
        return None
    size = btf.resolve_size(type_id)
    return to_python(btf, type_id, ctx_out[:size].ljust(size, b"\0"))
