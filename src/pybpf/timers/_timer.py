"""The ``struct bpf_timer`` state machine: the kernel object behind the 16 bytes in a map value.

A program sees a timer only as the address of the 16-byte field inside a map value. As in the
kernel, the field's first word holds a reference to a hidden object (here: a nonzero id into
:class:`TimerTable`); all zeros means "not initialised". The object records the owning map
element, the clock, the callback (a subprogram and a counted reference on its program), and
whether it is armed or running. User space never sees the word (maps mask special fields) and
programs cannot address it (the memory model leaves a hole there).

Timers cannot be forged: a helper acts only when its pointer is exactly the timer field of an
element its map holds now, of a map the running program may see, and the hidden word there is
the id recorded for that very element. Anything else is ``-EINVAL`` and touches no timer.

Return codes follow Linux 6.18 (``../shared/spec/bpf_timer.md``, era E2), in the kernel's order:
init ``-EINVAL`` (flags, clock) / ``-EBUSY`` / ``-ENOMEM`` / ``-EPERM`` (no user references);
set_callback ``-EINVAL`` / ``-EPERM``; start ``-EINVAL`` (flags, uninitialised, no callback);
cancel ``-EINVAL`` / ``-EDEADLK`` (own timer, or a cancel cycle between callbacks) / 1 / 0.

The clock decides when an armed timer fires and calls :meth:`TimerTable.fire`. Callbacks run
as ``cb(map, key, value)`` from the subprogram's entry with a fresh stack.
"""

from __future__ import annotations

import itertools
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, final

from ..engine import Region
from ._clock import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, Clock

__all__ = [
    "BPF_F_TIMER_ABS",
    "BPF_F_TIMER_CPU_PIN",
    "KTIME_SAFE_MAX",
    "TIMER_CHARGE",
    "TimerEvent",
    "TimerInfo",
    "TimerOwner",
    "TimerTable",
    "kernel_expiry",
]

EPERM, ENOMEM, EBUSY, EINVAL, EDEADLK = 1, 12, 16, 22, 35
BPF_F_TIMER_ABS = 1 << 0
BPF_F_TIMER_CPU_PIN = 1 << 1
TIMER_CLOCKS = (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME)
TIMER_SIZE = 16
#: Bytes each initialised timer charges against ``Runtime(memory_limit=...)``: the size of the
#: kernel's hidden timer object (an hrtimer plus map, program, callback and value pointers).
TIMER_CHARGE = 96

_WORD = struct.Struct("<Q")
DEFAULT_TRACE_LIMIT = 100_000  #: timer events a runtime keeps by default

S64_MAX = (1 << 63) - 1
#: the latest expiry an hrtimer can have: KTIME_SEC_MAX whole seconds (what ktime_add_safe
#: saturates to), about 292 years
KTIME_SAFE_MAX = S64_MAX // 1_000_000_000 * 1_000_000_000


def _s64(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value > S64_MAX else value


def _add_safe(lhs: int, rhs: int) -> int:
    """The kernel's ``ktime_add_safe``: a signed 64-bit sum saturating at KTIME_SEC_MAX."""
    res = _s64(lhs + rhs)
    return KTIME_SAFE_MAX if res < 0 or res < lhs or res < rhs else res


def kernel_expiry(nsecs: int, absolute: bool, now: int) -> int:
    """When ``bpf_timer_start(timer, nsecs, flags)`` makes the timer expire, as the kernel
    computes it: ``nsecs`` becomes a signed 64-bit ktime; a relative one is added to now with
    ``ktime_add_safe``, and ``hrtimer_set_expires_range_ns`` adds the zero slack with it too.
    So any u64 at or past 2^63, relative or absolute, and any sum that overflows, saturates
    to :data:`KTIME_SAFE_MAX` (in practice: never)."""
    tim = _s64(nsecs)
    if not absolute:
        tim = _add_safe(tim, now)
    return _add_safe(tim, 0)


class TimerOwner(Protocol):
    """What the timer table needs from the runtime that owns it."""

    def map_users(self, m: Any) -> int:
        """How many user references (handles, pins) map ``m`` has."""
        ...

    def hold_program(self, program: Any) -> None:
        """Keep ``program`` alive: a timer references its callback."""
        ...

    def release_program(self, program: Any) -> None:
        """Drop a reference taken by :meth:`hold_program`."""
        ...

    def charge(self, nbytes: int) -> bool:
        """Charge ``nbytes`` against the memory limit; False when it does not fit."""
        ...

    def uncharge(self, nbytes: int) -> None:
        """Give back a charge."""
        ...

    def key_reader(self, m: Any) -> Callable[[bytes], Any]:
        """How user space sees the keys of map ``m`` (typed through BTF, as in maps)."""
        ...

    def callback_name(self, program: Any, entry: int) -> str:
        """The name of the subprogram at ``entry`` of ``program``, for traces."""
        ...

    def run_callback(self, timer: Timer, engine: Any, entry: int, program: Any) -> int | None:
        """Run the callback at ``entry`` of ``engine`` as ``cb(map, key, value)`` for ``timer``,
        now, on this thread. ``program`` is the program that set it. Returns how long the
        callback ran, in host nanoseconds, when the owner measures it."""
        ...


@final
@dataclass(eq=False, slots=True)
class Timer:
    """The hidden kernel object of one initialised timer."""

    id: int
    map: Any
    slot: int
    value_address: int
    clock_id: int
    engine: Any = None
    callback_pc: int | None = None
    program: Any = None
    armed: bool = False
    expires_ns: int | None = None
    #: counts starts; the clock knows each arming as (id, generation), so an expiry it took
    #: off its queue before a new start is told apart from the new one
    generation: int = 0
    cpu: int = 0
    running_on: int | None = None  #: the thread running the callback now
    cancelling: int = 0  #: callbacks waiting in bpf_timer_cancel for this timer
    freed: bool = False


@final
@dataclass(frozen=True)
class TimerInfo:
    """One initialised timer as ``rt.timers()`` shows it; ``key`` is typed as the map's keys
    are (an int, a dict for a struct, bytes without BTF). ``expires_ns`` is on the timer's own
    clock (``clock``)."""

    map: str
    key: Any
    clock: str
    state: str  #: "idle", "armed" or "running"
    expires_ns: int | None
    callback: str | None
    program: str | None
    raw_key: bytes = b""  #: the key's bytes, as the program sees them


@final
@dataclass(frozen=True)
class TimerEvent:
    """One step in a timer's life, for the runtime's event trace.

    ``time_ns`` is CLOCK_MONOTONIC when it happened; ``key`` is typed as the map's keys are.
    A ``start`` event's ``expires_ns`` is the expiry on the same monotonic scale (the timer's
    own clock may be another: ``rt.timers()`` shows the expiry on that one).
    """

    time_ns: int
    event: str  #: init, set_callback, start, fire, cancel or free
    map: str
    key: Any
    detail: str = ""
    expires_ns: int | None = None
    raw_key: bytes = b""  #: the key's bytes, as the program sees them
    #: a ``fire`` event's callback run time, in host nanoseconds (None while it runs)
    duration_ns: int | None = None


_CLOCK_NAMES = {CLOCK_REALTIME: "realtime", CLOCK_MONOTONIC: "monotonic", CLOCK_BOOTTIME: "boottime"}


class _Readers(dict[Any, Callable[[bytes], Any]]):
    """The key readers of one listing, asked of the owner once per map."""

    def __init__(self, owner: TimerOwner) -> None:
        super().__init__()
        self.owner = owner

    def __missing__(self, m: Any) -> Callable[[bytes], Any]:
        reader = self[m] = self.owner.key_reader(m)
        return reader


class _Local(threading.local):
    """Per thread: the timer whose callback this thread is running, if any."""

    running: Timer | None = None


@final
class TimerTable:
    """Every timer of one runtime, and the four helpers' logic."""

    def __init__(self, clock: Clock, owner: TimerOwner, *, trace_limit: int = DEFAULT_TRACE_LIMIT) -> None:
        self.clock = clock
        self.owner = owner
        self._timers: dict[int, Timer] = {}
        #: the timer recorded for each (map, slot): one per element, never a ghost
        self._by_element: dict[tuple[Any, int], Timer] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._local = _Local()
        #: the latest events as raw tuples (typed by :attr:`events`): always on, bounded
        self._events: deque[tuple[int, str, Any, bytes, str, int | None]] = deque(maxlen=max(1, trace_limit))
        #: events dropped from the front of the trace to keep it bounded; an event's number
        #: counts from the first one ever traced, so it is its position plus this
        self.events_lost = 0
        #: callback run times by the number of their fire event
        self._durations: dict[int, int] = {}
        #: callbacks fired so far (counted apart from the trace, which forgets)
        self.fired = 0
        clock.set_fire(self.fire)
        clock.set_describe(self.describe)

    # -- finding a timer from its field ----------------------------------------------------

    def _word(self, region: Region, address: int) -> int:
        value: int = _WORD.unpack_from(region.buf, address - region.base)[0]
        return value

    @staticmethod
    def _field(ctx: Any, address: int, m: Any = None) -> tuple[Any, int, Region] | None:
        """(map, slot, region) of the timer field at ``address``: exactly the field of an
        element a map holds now, of a map this run may see (and ``m`` itself, if given)."""
        area = ctx.space.area_at(address, ctx.visible)
        owner = None if area is None else area.owner
        if owner is None or (m is not None and owner is not m) or not hasattr(owner, "field_at"):
            return None
        found = owner.field_at(address, TIMER_SIZE)
        return None if found is None else (owner, found[0], found[1])

    def _timer_at(self, ctx: Any, address: int) -> Timer | None:
        field = self._field(ctx, address)
        if field is None:
            return None
        m, slot, region = field
        timer = self._timers.get(self._word(region, address))
        if timer is None or timer.freed or timer.map is not m or timer.slot != slot:
            return None
        return timer

    def _event(self, event: str, timer: Timer, detail: str = "", expires_ns: int | None = None) -> None:
        events = self._events
        if len(events) == events.maxlen:
            self._durations.pop(self.events_lost, None)
            self.events_lost += 1
        key = timer.map.element_key(timer.slot)
        events.append((self.clock.now(), event, timer.map, key, detail, expires_ns))

    def slots_of(self, m: Any) -> list[int]:
        """The slots of ``m`` that hold a timer (what freeing the map's fields must visit)."""
        with self._lock:
            return [slot for owner, slot in self._by_element if owner is m]

    @property
    def events(self) -> list[TimerEvent]:
        """The events still in the trace, oldest first, keys typed (see :class:`TimerEvent`)."""
        with self._lock:
            raw, durations, first = list(self._events), dict(self._durations), self.events_lost
        readers = _Readers(self.owner)
        return [TimerEvent(t, event, m.name, readers[m](key), detail, expires, key, durations.get(first + i))
                for i, (t, event, m, key, detail, expires) in enumerate(raw)]

    # -- the helpers -------------------------------------------------------------------------

    def init(self, ctx: Any, address: int, m: Any, flags: int) -> int:
        """``bpf_timer_init(timer, map, flags)``: flags select the clock."""
        if flags >= 16 or flags not in TIMER_CLOCKS:
            return -EINVAL
        field = self._field(ctx, address, m)
        if field is None:  # not a timer of the named map (the verifier's map_uid check)
            return -EINVAL
        _, slot, region = field
        with self._lock:
            if self._word(region, address):
                return -EBUSY
            if not self.owner.charge(TIMER_CHARGE):
                return -ENOMEM
            if not self.owner.map_users(m):
                self.owner.uncharge(TIMER_CHARGE)
                return -EPERM
            stale = self._by_element.get((m, slot))
            if stale is not None:  # its word was zeroed when a new element took the slot
                self._drop(stale)
            timer = Timer(next(self._ids), m, slot, m.value_address(slot), flags, cpu=ctx.cpu)
            self._timers[timer.id] = timer
            self._by_element[m, slot] = timer
            _WORD.pack_into(region.buf, address - region.base, timer.id)
            self._event("init", timer, f"clock {_CLOCK_NAMES[flags]}")
        return 0

    def set_callback(self, ctx: Any, address: int, callback: int) -> int:
        """``bpf_timer_set_callback(timer, cb)``: the timer now references the calling program."""
        entry = ctx.engine.function_at(callback)
        with self._lock:
            timer = self._timer_at(ctx, address)
            if timer is None or entry is None:
                return -EINVAL
            if not self.owner.map_users(timer.map):
                return -EPERM
            if timer.program is not ctx.program:
                self.owner.hold_program(ctx.program)
                if timer.program is not None:
                    self.owner.release_program(timer.program)
            timer.program, timer.engine, timer.callback_pc = ctx.program, ctx.engine, entry
            self._event("set_callback", timer, f"callback {self.owner.callback_name(ctx.program, entry)}")
        return 0

    def start(self, ctx: Any, address: int, nsecs: int, flags: int) -> int:
        """``bpf_timer_start(timer, nsecs, flags)``: arm (or re-arm) relative or absolute."""
        if flags & ~(BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN):
            return -EINVAL
        with self._lock:
            timer = self._timer_at(ctx, address)
            if timer is None or timer.callback_pc is None:
                return -EINVAL
            expires = kernel_expiry(nsecs, bool(flags & BPF_F_TIMER_ABS), self.clock.now(timer.clock_id))
            # Without CPU_PIN the kernel may fire anywhere; pybpf keeps the starting CPU, which
            # is one of the kernel's choices and keeps virtual runs reproducible.
            timer.cpu = ctx.cpu
            self.clock.disarm((timer.id, timer.generation))
            timer.generation += 1
            timer.armed, timer.expires_ns = True, expires
            self.clock.arm((timer.id, timer.generation), expires, timer.clock_id, ctx.cpu)
            monotonic = expires - self.clock.now(timer.clock_id) + self.clock.now()
            self._event("start", timer, f"expires {monotonic}ns", monotonic)
        return 0

    def cancel(self, ctx: Any, address: int) -> int:
        """``bpf_timer_cancel(timer)``: disarm, detach the callback, wait for a running one."""
        running = self._local.running
        with self._lock:
            timer = self._timer_at(ctx, address)
            if timer is None:
                return -EINVAL
            if running is timer or (running is not None and running.cancelling):
                return -EDEADLK  # waiting would never end
            self._detach(timer)
            was_armed = self._disarm(timer)
            self._event("cancel", timer, "was armed" if was_armed else "was idle")
            self._wait_idle(timer, from_callback=running is not None)
        return 1 if was_armed else 0

    # -- internals -------------------------------------------------------------------------

    def _detach(self, timer: Timer) -> None:
        if timer.program is not None:
            self.owner.release_program(timer.program)
        timer.program = timer.engine = timer.callback_pc = None

    def _disarm(self, timer: Timer) -> bool:
        was_armed = timer.armed
        timer.armed, timer.expires_ns = False, None
        self.clock.disarm((timer.id, timer.generation))
        return was_armed

    def _wait_idle(self, timer: Timer, *, from_callback: bool) -> None:
        """Wait (lock held) until ``timer``'s callback is not running on another thread."""
        me = threading.get_ident()
        if timer.running_on in (None, me):
            return
        if from_callback:
            timer.cancelling += 1
        try:
            while timer.running_on not in (None, me):
                self._idle.wait()
        finally:
            if from_callback:
                timer.cancelling -= 1

    def free_element(self, m: Any, slot: int, region: Region, value_offset: int) -> None:
        """The special fields of an element are being freed (update, delete, eviction, uref
        release, map free): cancel its timer and drop it, as ``bpf_timer_cancel_and_free``.
        Only the timer recorded for this very element goes, whatever its word says."""
        offset = next((o for o, size in m.special_fields if size == TIMER_SIZE), None)
        if offset is None:
            return
        address = region.base + value_offset + offset
        with self._lock:
            timer = self._timers.get(self._word(region, address))
            if timer is None or timer.map is not m or timer.slot != slot:
                return
            self._drop(timer)
            # A free requested from callback context never waits (the kernel defers it);
            # anyone else waits for a callback running on another thread to finish.
            if self._local.running is None:
                self._wait_idle(timer, from_callback=False)

    def _drop(self, timer: Timer) -> None:
        """Forget ``timer`` (lock held): disarm it, detach its callback, give back its charge."""
        del self._timers[timer.id]
        self._by_element.pop((timer.map, timer.slot), None)
        timer.freed = True
        self._detach(timer)
        self._disarm(timer)
        self._event("free", timer)
        self.owner.uncharge(TIMER_CHARGE)

    def fire(self, key: Any) -> None:
        """The clock says the arming ``key`` (timer id, generation) expired: run the timer's
        callback once, on this thread."""
        timer_id, generation = key
        with self._lock:
            timer = self._timers.get(timer_id)
            # Callbacks of one timer never overlap: wait for a run on another CPU to end.
            while timer is not None and timer.running_on not in (None, threading.get_ident()):
                self._idle.wait()
            if timer is None or timer.freed or timer.callback_pc is None:
                return
            if generation == timer.generation:
                if not timer.armed:
                    return
                timer.armed, timer.expires_ns = False, None
            # Otherwise the timer was started again after the clock took this expiry: like an
            # hrtimer callback already dequeued, it runs, and the new arming stays armed.
            timer.running_on = threading.get_ident()
            # What runs is what was set when it fired: a concurrent cancel cannot pull the
            # callback from under a run that has started.
            engine, entry, program = timer.engine, timer.callback_pc, timer.program
            self.fired += 1
            self._event("fire", timer)
            traced = self.events_lost + len(self._events) - 1
        outer, self._local.running = self._local.running, timer
        took = None
        try:
            took = self.owner.run_callback(timer, engine, entry, program)
        finally:
            self._local.running = outer
            with self._lock:
                if took is not None and traced >= self.events_lost:  # the run time, for timelines
                    self._durations[traced] = took
                timer.running_on = None
                self._idle.notify_all()

    # -- seeing timers ---------------------------------------------------------------------

    def describe(self, key: Any) -> str:
        """``map[key]`` for the timer of the clock key ``key`` (timer id, generation), the
        map's key typed as the map's keys are."""
        with self._lock:
            timer = self._timers.get(key[0])
        if timer is None:
            return f"#{key[0]}"
        key = self.owner.key_reader(timer.map)(timer.map.element_key(timer.slot))
        return f"{timer.map.name}[{key!r}]"

    def infos(self) -> list[TimerInfo]:
        """Every initialised timer, in initialisation order."""
        with self._lock:
            timers = sorted(self._timers.values(), key=lambda t: t.id)
            readers = _Readers(self.owner)
            return [self._info(t, t.map.element_key(t.slot), readers[t.map]) for t in timers]

    def _info(self, t: Timer, key: bytes, read_key: Callable[[bytes], Any]) -> TimerInfo:
        return TimerInfo(
            t.map.name,
            read_key(key),
            _CLOCK_NAMES[t.clock_id],
            "running" if t.running_on is not None else "armed" if t.armed else "idle",
            t.expires_ns,
            None if t.callback_pc is None else self.owner.callback_name(t.program, t.callback_pc),
            t.program.name if t.program is not None else None,
            key,
        )

    def __len__(self) -> int:
        return len(self._timers)
