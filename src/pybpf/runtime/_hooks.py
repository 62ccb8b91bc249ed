"""Arguments of BTF-typed hooks (fentry, fexit, tp_btf) and which hooks fire by themselves.

``rt.trigger(hook, ...)`` passes each argument as the kernel would: a scalar as its value, and
a pointer argument as the address of memory holding it. Bytes are placed as they are; a dict is
laid out as the struct the hook's prototype points to (from the modelled kernel's BTF, or the
target BTF the runtime was given), through the same conversion as map values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..btf import Func, FuncProto, Ptr, Spec, from_python
from ..engine import Region
from ..timers import IrqContext

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["HOOK_CONTEXTS", "TEST_RUN_HOOKS", "fired_by", "hook_context", "place_arguments"]

#: hooks that fire without rt.trigger: test_run of a tracing program calls these kernel
#: test functions (net/bpf/test_run.c), so programs attached to them run
TEST_RUN_HOOKS = frozenset(f"bpf_fentry_test{n}" for n in range(1, 9))


#: hooks that run in a context other than the caller's: the hrtimer tracepoints run with the
#: hrtimer base lock held and IRQs disabled, which the timer helpers treat as hard IRQ
HOOK_CONTEXTS: dict[str, IrqContext] = {
    name: IrqContext.HARDIRQ
    for name in ("hrtimer_start", "hrtimer_cancel", "hrtimer_expire_entry", "hrtimer_expire_exit")
}


def hook_context(hook: str) -> IrqContext | None:
    """The context ``hook`` runs in, or None when it runs in its caller's."""
    return HOOK_CONTEXTS.get(hook)


def fired_by(hook: str) -> str:
    """What fires ``hook`` in pybpf, for :attr:`Link.fired_by`."""
    if hook in TEST_RUN_HOOKS:
        return "test_run of a tracing program, and rt.trigger"
    return "rt.trigger only"


def place_arguments(runtime: Runtime, hook: str, args: Sequence[Any]) -> tuple[list[int], list[Region]]:
    """The u64 values of ``args`` and the regions holding what pointer arguments point to.

    Raises:
        TypeError: an argument that is neither an int, bytes nor a dict; a dict for a hook
            whose prototype pybpf does not know, or for a parameter that is not a pointer.
    """
    values: list[int] = []
    regions: list[Region] = []
    for index, arg in enumerate(args):
        if isinstance(arg, int):
            values.append(arg)
            continue
        if isinstance(arg, (bytes, bytearray)):
            data = bytes(arg)
        elif isinstance(arg, Mapping):
            spec, pointee = _pointee(runtime, hook, index)
            data = from_python(spec, pointee, dict(arg))
        else:
            raise TypeError(f"trigger {hook}: argument {index} must be an int, bytes or a dict, not {type(arg).__name__}")
        region = Region.from_bytes(data, f"{hook} argument {index}", writable=False)
        regions.append(region)
        values.append(region.base)
    return values, regions


def _pointee(runtime: Runtime, hook: str, index: int) -> tuple[Spec, int]:
    """The BTF and type id that parameter ``index`` of ``hook`` points to."""
    targets, _ = runtime._core_targets()
    for spec in targets:
        for func in spec.types_by_name(hook, Func):
            proto = spec.type_by_id(func.type)
            if not isinstance(proto, FuncProto) or index >= len(proto.params):
                continue
            param = spec.type_by_id(spec.skip_modifiers(proto.params[index].type))
            if not isinstance(param, Ptr):
                raise TypeError(f"trigger {hook}: parameter {index} is not a pointer; pass an int")
            return spec, param.type
    raise TypeError(f"trigger {hook}: no prototype for it in the target BTF; pass bytes for argument {index}")
