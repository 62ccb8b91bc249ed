"""Test runs of struct_ops programs (``bpf_struct_ops_test_run``): only ``bpf_dummy_ops``.

The kernel registers ``bpf_dummy_ops`` for this alone. ``ctx`` is the member's arguments, one
u64 each and exactly as many as its prototype has (else EINVAL). The first is the address of
the caller's ``struct bpf_dummy_ops_state``: the kernel copies it in (EFAULT where nothing is
mapped), hands the program its copy, and copies it back afterwards; 0 passes NULL, which only
``test_1`` accepts (any other NULL pointer argument is EINVAL). The program runs once whatever
``repeat`` asks, and its return value is the run's. Other struct_ops types cannot be test-run
(EOPNOTSUPP).

pybpf's caller is this process, so the state is read from and written back to its memory
through ``/proc/self/mem``, as the kernel's ``copy_from_user``/``copy_to_user`` would.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from ..btf import Ptr
from ..engine import Region
from ..verifier._struct_ops import StructOpsTarget
from ._contexts import RunInput
from ._errors import TestRunError

__all__ = ["dummy_ops_run"]

EFAULT = 14
EINVAL = 22
EOPNOTSUPP = 95
DUMMY_OPS = "bpf_dummy_ops"


def dummy_ops_run(target: StructOpsTarget, ctx: bytes | None, read: Callable[[int, int], bytes | None]) -> RunInput:
    """The run of a ``bpf_dummy_ops`` member with the arguments ``ctx``; ``read`` reads the
    caller's memory (None where it cannot).

    Raises:
        TestRunError: as the kernel refuses the run (EOPNOTSUPP, EINVAL, EFAULT).
    """
    if target.ops != DUMMY_OPS:
        raise TestRunError(f"test_run: {target.ops} programs cannot be test-run (EOPNOTSUPP)", EOPNOTSUPP)
    count = len(target.params)
    if ctx is None or len(ctx) != 8 * count:
        raise TestRunError(f"test_run: ctx must be the {count} u64 arguments of {target.member} (EINVAL)", EINVAL)
    args = list(struct.unpack(f"<{count}Q", ctx))
    user = args[0] if count else 0
    state = Region(max(_state_size(target), 1), "bpf_dummy_ops_state")
    if user:
        raw = read(user, state.size)
        if raw is None:
            raise TestRunError("test_run: cannot read the bpf_dummy_ops_state argument (EFAULT)", EFAULT)
        state.buf[:] = raw
        args[0] = state.base
    rules = target.rules
    nullable = rules.nullable.get(target.member, frozenset()) if rules is not None else frozenset()
    for i, param in enumerate(target.params):
        pointer = isinstance(target.btf.type_by_id(target.btf.skip_modifiers(param)), Ptr)
        if pointer and i not in nullable and not args[i]:
            raise TestRunError(f"test_run: argument {i} of {target.member} may not be NULL (EINVAL)", EINVAL)
    packed = Region.from_bytes(struct.pack(f"<{count}Q", *args), "bpf_dummy_ops args", writable=False)

    def finish() -> tuple[bytes | None, bytes | None]:
        if user and not _write_back(user, bytes(state.buf)):
            raise TestRunError("test_run: cannot write the bpf_dummy_ops_state argument back (EFAULT)", EFAULT)
        return None, None

    return RunInput(packed.base, (packed, state), None, finish)


def _state_size(target: StructOpsTarget) -> int:
    """The size of what the first argument points to (``struct bpf_dummy_ops_state``)."""
    if not target.params:
        return 0
    ptr = target.btf.type_by_id(target.btf.skip_modifiers(target.params[0]))
    return target.btf.resolve_size(ptr.type) if isinstance(ptr, Ptr) else 0


def _write_back(address: int, data: bytes) -> bool:
    try:
        with open("/proc/self/mem", "r+b", buffering=0) as mem:
            return os.pwrite(mem.fileno(), data, address) == len(data)
    except (OSError, OverflowError):
        return False
