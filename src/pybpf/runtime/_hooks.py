"""Arguments of BTF-typed hooks (fentry, fexit, tp_btf) and which hooks fire by themselves.

``rt.trigger(hook, ...)`` passes each argument as the kernel would: a scalar as its value, and
a pointer argument as the address of memory holding it. Bytes are placed as they are; a dict is
laid out as the struct the hook's prototype points to (from the modelled kernel's BTF, or the
target BTF the runtime was given), through the same conversion as map values.

The hrtimer tracepoints fire by themselves from pybpf's timers (:func:`hrtimer_arguments`): each
timer has a ``struct hrtimer`` laid out as the modelled BTF says, at an address that stays the
same for the timer's life, and the tracepoints pass it as the kernel's do: ``raw_tp`` and
``tp_btf`` programs get the prototype's arguments, ``tp/timer/...`` programs the event record.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..btf import Func, FuncProto, Ptr, Spec, from_python
from ..engine import Region
from ..timers import (
    CLOCK_BOOTTIME,
    CLOCK_MONOTONIC,
    CLOCK_REALTIME,
    HrtimerHook,
    IrqContext,
    Timer,
    hrtimer_base_clock,
)
from ._kernel_btf import struct_offsets

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = [
    "HOOK_CONTEXTS",
    "HRTIMER_HOOKS",
    "TEST_RUN_HOOKS",
    "TIMER_FUNCTION",
    "HookArguments",
    "fired_by",
    "hook_context",
    "hrtimer_arguments",
    "place_arguments",
]

#: hooks that fire without rt.trigger: test_run of a tracing program calls these kernel
#: test functions (net/bpf/test_run.c), so programs attached to them run
TEST_RUN_HOOKS = frozenset(f"bpf_fentry_test{n}" for n in range(1, 9))


#: the tracepoints pybpf's timers fire (as ``raw_tp``/``tp_btf`` hooks; ``timer/<name>`` for
#: classic tracepoint programs)
HRTIMER_HOOKS = ("hrtimer_start", "hrtimer_cancel", "hrtimer_expire_entry", "hrtimer_expire_exit")

#: hooks that run in a context other than the caller's: hrtimer_start and hrtimer_cancel run
#: with the hrtimer base lock held and IRQs disabled, which the timer helpers treat as hard IRQ;
#: a bpf_timer is a soft hrtimer, so its expiry hooks run in the hrtimer softirq
HOOK_CONTEXTS: dict[str, IrqContext] = {
    "hrtimer_start": IrqContext.HARDIRQ,
    "hrtimer_cancel": IrqContext.HARDIRQ,
    "hrtimer_expire_entry": IrqContext.SOFTIRQ,
    "hrtimer_expire_exit": IrqContext.SOFTIRQ,
}
HOOK_CONTEXTS.update({f"timer/{name}": context for name, context in list(HOOK_CONTEXTS.items())})

#: what ``hrtimer->function`` holds: stands for the address of the kernel's ``bpf_timer_cb``
#: (no pybpf memory is there)
TIMER_FUNCTION = 0xFFFF_FFFF_8152_4C30
HRTIMER_STATE_ENQUEUED = 0x01
#: the soft clock bases' indexes (HRTIMER_BASE_*_SOFT) by the clock a bpf_timer's base runs on
_SOFT_BASE_INDEX = {CLOCK_MONOTONIC: 4, CLOCK_REALTIME: 5, CLOCK_BOOTTIME: 6}
#: held while a clock base or a timer's hrtimer is made (hooks may fire on several threads)
_MAKING = threading.Lock()
_RECORDS = {"hrtimer_start": "trace_event_raw_hrtimer_start", "hrtimer_expire_entry": "trace_event_raw_hrtimer_expire_entry"}


def hook_context(hook: str) -> IrqContext | None:
    """The context ``hook`` runs in, or None when it runs in its caller's."""
    return HOOK_CONTEXTS.get(hook)


def fired_by(hook: str) -> str:
    """What fires ``hook`` in pybpf, for :attr:`Link.fired_by`."""
    if hook in TEST_RUN_HOOKS:
        return "test_run of a tracing program, and rt.trigger"
    if hook.removeprefix("timer/") in HRTIMER_HOOKS:
        return "pybpf's timers (bpf_timer start, cancel and expiry), and rt.trigger"
    return "rt.trigger only"


@dataclass(frozen=True)
class HookArguments:
    """What one hrtimer tracepoint passes: ``args`` (u64 values) for raw_tp/tp_btf programs,
    ``record`` (the event) for tracepoint programs, and the memory both point into."""

    args: tuple[int, ...]
    record: bytes
    regions: tuple[Region, ...]


def hrtimer_arguments(hook: HrtimerHook, now: Callable[[int], int], pid: int, bases: dict[tuple[int, int], Region]) -> HookArguments:
    """The arguments of ``hook``, with the timer's ``struct hrtimer`` refreshed from its state.

    ``now(clock_id)`` reads the runtime's clock; ``bases`` keeps one clock base per (CPU,
    clock), which the hrtimers point to. A bpf_timer's hrtimer is set up in relative mode,
    which puts a CLOCK_REALTIME timer on the monotonic base, as the kernel's hrtimer_setup does.
    """
    timer = hook.timer
    clock = hrtimer_base_clock(timer.clock_id)
    times = (now(timer.clock_id), now(clock))
    with _MAKING:
        base = bases.get((timer.cpu, clock))
        if base is None:
            size, fields = struct_offsets("hrtimer_clock_base")
            base = bases[timer.cpu, clock] = Region(size, f"hrtimer clock base {clock} of CPU {timer.cpu}", writable=False)
            struct.pack_into("<Ii", base.buf, fields["index"], _SOFT_BASE_INDEX[clock], clock)
        image = _hrtimer_image(timer, base, times)
    args: list[int] = [image.base]
    regions = [image, base]
    expires = struct.unpack_from("<q", image.buf, struct_offsets("hrtimer")[1]["_softexpires"])[0]
    values: dict[str, int] = {"hrtimer": image.base, "function": TIMER_FUNCTION, "expires": expires, "softexpires": expires}
    if hook.name == "hrtimer_start":
        args.append(hook.mode)
        values["mode"] = hook.mode
        if hook.was_armed is not None:
            args.append(int(hook.was_armed))
            values["was_armed"] = int(hook.was_armed)
    elif hook.name == "hrtimer_expire_entry":
        pointed = Region.from_bytes(struct.pack("<q", hook.now_ns), "hrtimer_expire_entry now", writable=False)
        regions.append(pointed)
        args.append(pointed.base)
        values["now"] = hook.now_ns
    return HookArguments(tuple(args), _record(hook.name, values, pid), tuple(regions))


def _hrtimer_image(timer: Timer, base: Region, times: tuple[int, int]) -> Region:
    """The timer's ``struct hrtimer``, made on first use and kept at the same address;
    ``times`` is the time of the timer's clock and of its base's."""
    size, fields = struct_offsets("hrtimer")
    image: Region | None = timer.hrtimer
    if image is None:
        image = timer.hrtimer = Region(size, f"hrtimer of timer #{timer.id}", writable=False)
        struct.pack_into("<Q", image.buf, fields["function"], TIMER_FUNCTION)
        image.buf[fields["is_soft"]] = 1
    if timer.expires_ns is not None:  # the base's time: a realtime timer's expiry moves to it
        expires = timer.expires_ns - times[0] + times[1]
        struct.pack_into("<q", image.buf, struct_offsets("timerqueue_node")[1]["expires"], expires)
        struct.pack_into("<q", image.buf, fields["_softexpires"], expires)
    struct.pack_into("<Q", image.buf, fields["base"], base.base)
    image.buf[fields["state"]] = HRTIMER_STATE_ENQUEUED if timer.armed else 0
    return image


def _record(name: str, values: dict[str, int], pid: int) -> bytes:
    """The event record a ``tp/timer/<name>`` program reads: the common header (its type
    left 0), then the fields, laid out as the modelled BTF's ``trace_event_raw_*`` struct."""
    size, fields = struct_offsets(_RECORDS.get(name, "trace_event_raw_hrtimer_class"))
    record = bytearray(size)
    struct.pack_into("<i", record, struct_offsets("trace_entry")[1]["pid"], pid)
    widths = {"mode": "<i", "was_armed": "<B"}
    for field, offset in fields.items():
        if field in values:
            struct.pack_into(widths.get(field, "<q" if field in ("expires", "softexpires", "now") else "<Q"),
                             record, offset, values[field])
    return bytes(record)


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
