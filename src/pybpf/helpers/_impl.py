"""The table of implementations, filled by the ``@implements`` decorator of each family module.

An implementation is a :data:`pybpf.engine.HelperFn`: it receives the run's
:class:`ExecContext` and r1-r5 and returns r0, a negative errno for failures the program sees.
"""

from __future__ import annotations

from collections.abc import Callable

from ..engine import BpfRuntimeError, ExecContext, HelperFn
from ._host import HelperHost
from ._registry import BY_NAME

__all__ = ["IMPLEMENTATIONS", "UNMODELLED", "host", "implements", "map_arg", "no_lock_held", "unmodelled"]

#: helper id -> implementation
IMPLEMENTATIONS: dict[int, HelperFn] = {}
#: helper id -> why a call of it fails the run: helpers declared so that programs load as on
#: the kernel, whose objects pybpf does not model (their docs say so)
UNMODELLED: dict[int, str] = {}


def implements(name: str) -> Callable[[HelperFn], HelperFn]:
    """Register the decorated function as the implementation of the declared helper ``name``."""
    proto = BY_NAME[name]

    def register(fn: HelperFn) -> HelperFn:
        assert proto.id not in IMPLEMENTATIONS, f"{name} implemented twice"
        IMPLEMENTATIONS[proto.id] = fn
        return fn

    return register


def host(ctx: ExecContext) -> HelperHost:
    """The runtime of this run; helpers that need one fail cleanly without it."""
    runtime = ctx.runtime
    if runtime is None:
        raise BpfRuntimeError("helper needs a runtime, and this run has none")
    return runtime  # type: ignore[no-any-return]


def no_lock_held(ctx: ExecContext, helper: str) -> None:
    """Fault a call of ``helper`` by a run holding a ``bpf_spin_lock``: the verifier's rule,
    kept at run time, which makes spin locks the innermost locks of the runtime."""
    if ctx.held:
        raise BpfRuntimeError(f"{helper}: function calls are not allowed while holding a lock")


def map_arg(ctx: ExecContext, address: int, helper: str):  # type: ignore[no-untyped-def]
    """The map a map-pointer argument points to, if the running program may use it.

    Map operations take the map's lock, and a user-space ``BPF_F_LOCK`` update takes that lock
    and then an element's spin lock: a run holding a spin lock may therefore not reach a map
    (the verifier's rule, kept at run time for unverified code), or the two would deadlock.
    """
    no_lock_held(ctx, helper)
    m = host(ctx).map_at(address)
    if m is None or not ctx.visible.allows(m):
        raise BpfRuntimeError(f"{helper}: 0x{address:x} is not a map")
    return m


def unmodelled(name: str, why: str) -> None:
    """Declare that pybpf does not model what the declared helper ``name`` acts on: a program
    calling it loads as on the kernel, and a run that reaches the call fails, saying ``why``
    (never a made-up result)."""

    def refuse(ctx: ExecContext, *_: int) -> int:
        raise BpfRuntimeError(f"{name}: not modelled by pybpf: {why}")

    implements(name)(refuse)
    UNMODELLED[BY_NAME[name].id] = why
