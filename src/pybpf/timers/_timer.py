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

Return codes follow the runtime's kernel release (:class:`pybpf._releases.Release`; Linux 6.18,
era E2, by default), in the kernel's order:
init ``-EINVAL`` (flags, clock) / ``-EBUSY`` / ``-ENOMEM`` / ``-EPERM`` (no user references);
set_callback ``-EINVAL`` / ``-EPERM`` (before 7.0); start ``-EINVAL`` (flags the release does not
accept, uninitialised, no callback); cancel ``-EINVAL`` / ``-EDEADLK`` (own timer, or from 6.10 a
cancel cycle between callbacks, which hard-locks older releases: pybpf raises instead) / 1 / 0.

The clock decides when an armed timer fires and calls :meth:`TimerTable.fire`. Callbacks run
as ``cb(map, key, value)`` from the subprogram's entry with a fresh stack.
"""

from __future__ import annotations

import ctypes
import enum
import struct
import threading
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, final

from .._releases import DEFAULT_RELEASE, Behaviour, Release
from ..engine import BpfRuntimeError, Region
from ..engine._tcallgen import JOURNAL_SLOTS, RECORD_SLOTS, JournalOp, TRecord
from ._clock import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, Clock
from ._desk import NO_RECORD, TimerRecords, desk, desk_map_field, flags_of

__all__ = [
    "BPF_F_TIMER_ABS",
    "BPF_F_TIMER_CPU_PIN",
    "KTIME_SAFE_MAX",
    "TIMER_CHARGE",
    "HrtimerHook",
    "IrqContext",
    "TimerEvent",
    "TimerInfo",
    "TimerOwner",
    "TimerTable",
    "hrtimer_base_clock",
    "kernel_expiry",
]

EPERM, ENOENT, ENOMEM, EBUSY, EINVAL, EDEADLK, EOPNOTSUPP, ECANCELED = 1, 2, 12, 16, 22, 35, 95, 125
BPF_F_TIMER_ABS = 1 << 0
BPF_F_TIMER_CPU_PIN = 1 << 1
TIMER_CLOCKS = (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME)
TIMER_SIZE = 16
# enum hrtimer_mode bits: bpf_timer_start starts a soft timer, relative unless BPF_F_TIMER_ABS,
# pinned with BPF_F_TIMER_CPU_PIN
HRTIMER_MODE_REL, HRTIMER_MODE_PINNED, HRTIMER_MODE_SOFT = 0x1, 0x2, 0x4


def hrtimer_base_clock(clock_id: int) -> int:
    """The clock of the hrtimer base a bpf_timer of ``clock_id`` runs on: bpf_timer_init sets
    its hrtimer up in relative mode, which moves CLOCK_REALTIME to the monotonic base."""
    return CLOCK_MONOTONIC if clock_id == CLOCK_REALTIME else clock_id
#: Bytes each initialised timer charges against ``Runtime(memory_limit=...)``: the size of the
#: kernel's hidden timer object (an hrtimer plus map, program, callback and value pointers).
TIMER_CHARGE = 96

_WORD = struct.Struct("<Q")
DEFAULT_TRACE_LIMIT = 100_000  #: timer events a runtime keeps by default

S64_MAX = (1 << 63) - 1
#: the latest expiry an hrtimer can have: KTIME_SEC_MAX whole seconds (what ktime_add_safe
#: saturates to), about 292 years
KTIME_SAFE_MAX = S64_MAX // 1_000_000_000 * 1_000_000_000


#: the hrtimer mode of a start, by its flags' ABS and CPU_PIN bits
_MODES = tuple(
    HRTIMER_MODE_SOFT | (0 if flags & BPF_F_TIMER_ABS else HRTIMER_MODE_REL)
    | (HRTIMER_MODE_PINNED if flags & BPF_F_TIMER_CPU_PIN else 0)
    for flags in range(4)
)


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


class IrqContext(enum.Enum):
    """The kernel context a program runs in, which decides what the timer helpers may do: NMI
    refuses them before 7.0, and from 7.0 hard-IRQ (or IRQs-disabled) code defers start and
    cancel_async and may not wait in bpf_timer_cancel."""

    TASK = "task"  #: process context: test runs, syscall programs, workqueue callbacks
    SOFTIRQ = "softirq"  #: timer callbacks (the hrtimer softirq)
    HARDIRQ = "hardirq"  #: hard IRQ, or IRQs disabled (hooks inside hrtimer code)
    NMI = "nmi"  #: perf_event programs


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
        now, on this thread (in softirq context for a timer, task context for a wq).
        ``program`` is the program that set it. Returns how long the callback ran, in host
        nanoseconds, when the owner measures it."""
        ...

    def context(self) -> IrqContext:
        """The context this thread's program runs in now."""
        ...

    def fire_hook(self, hook: HrtimerHook) -> None:
        """Run the programs attached to an hrtimer tracepoint, with its arguments, in the
        context that tracepoint runs in."""
        ...


@final
@dataclass(frozen=True)
class HrtimerHook:
    """One firing of an hrtimer tracepoint for ``timer``: ``mode`` and ``was_armed`` are
    hrtimer_start's arguments (``was_armed`` only on releases that pass it), ``now_ns`` the
    base clock's time hrtimer_expire_entry points to."""

    name: str  #: hrtimer_start, hrtimer_cancel, hrtimer_expire_entry or hrtimer_expire_exit
    timer: Timer
    mode: int = 0
    was_armed: bool | None = None
    now_ns: int = 0


@final
@dataclass(eq=False, slots=True)
class Timer:
    """The hidden kernel object of one initialised timer."""

    id: int
    map: Any
    slot: int
    clock_id: int
    engine: Any = None
    callback_pc: int | None = None
    program: Any = None
    armed: bool = False
    expires_ns: int | None = None
    #: counts starts; the clock knows each arming as (timer, generation), so an expiry it took
    #: off its queue before a new start is told apart from the new one
    generation: int = 0
    cpu: int = 0
    running_on: int | None = None  #: the thread running the callback now
    cancelling: int = 0  #: callbacks waiting in bpf_timer_cancel for this timer
    freed: bool = False
    kind: str = "timer"  #: "timer" (struct bpf_timer) or "wq" (struct bpf_wq)
    #: what the owner keeps to pass the element's key to each callback (made at the first
    #: run: an element's key never changes while its timer lives)
    callback_key: Any = None
    mode: int = 0  #: the hrtimer mode of the latest start (HRTIMER_MODE_*)
    address: int = 0  #: the field's address, once a helper found it there
    hrtimer: Any = None  #: the owner's memory image of the ``struct hrtimer`` (see fire_hook)
    #: what the native lane (:mod:`._native`) keeps of it between batches: its static record
    #: fields, made for one (engine, callback) while the timer lives
    lane: Any = None
    rec: int = NO_RECORD  #: its native record (:class:`._desk.TimerRecords`), while it lives

    @property
    def value_address(self) -> int:
        """The address of the value holding the timer (what its callback gets)."""
        address: int = self.map.value_address(self.slot)
        return address


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
    kind: str = "timer"  #: "timer" or "wq"


@final
@dataclass(frozen=True)
class TimerEvent:
    """One step in a timer's life, for the runtime's event trace.

    ``time_ns`` is CLOCK_MONOTONIC when it happened; ``key`` is typed as the map's keys are.
    A ``start`` event's ``expires_ns`` is the expiry on the same monotonic scale (the timer's
    own clock may be another: ``rt.timers()`` shows the expiry on that one).
    """

    time_ns: int
    event: str  #: init, set_callback, start, fire, cancel, free, or defer/dropped (7.0 hard-IRQ)
    map: str
    key: Any
    detail: str = ""
    expires_ns: int | None = None
    raw_key: bytes = b""  #: the key's bytes, as the program sees them
    #: a ``fire`` event's callback run time, in host nanoseconds (None while it runs)
    duration_ns: int | None = None
    kind: str = "timer"  #: "timer" or "wq"


# record slots and journal operations as plain ints (applying a journal reads them per entry)
_ID, _FIELD, _MAP, _FLAGS = int(TRecord.ID), int(TRecord.FIELD), int(TRecord.MAP), int(TRecord.FLAGS)
_INIT, _SET_CALLBACK, _START = int(JournalOp.INIT), int(JournalOp.SET_CALLBACK), int(JournalOp.START)
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
    """Per thread: the timer whose callback this thread is running, if any; the timers whose
    (pre-7.0) spin lock it holds while hrtimer code runs; commands deferred to irq_work (7.0)
    and the timer whose commands it is applying."""

    running: Timer | None = None
    locked: frozenset[int] = frozenset()
    base_locked: int | None = None  #: the CPU whose hrtimer base lock hrtimer code holds here
    expiring: Timer | None = None  #: the timer whose expiry hooks run here (callback not yet begun)
    deferred: list[tuple[str, Timer, int, int, int]] | None = None
    processing: Timer | None = None



@final
class _Synced:
    """A table's lock, taken with what the timer desk did applied first: a bound run on
    another thread may end (leaving its journal pending) between a method's
    :meth:`TimerTable._sync` and its taking the lock, and what the method then does to a timer
    (drop it, arm it) must come after what that run did."""

    __slots__ = ("table",)

    def __init__(self, table: TimerTable) -> None:
        self.table = table

    def __enter__(self) -> None:
        table = self.table
        table.lock.acquire()
        if table.pending:
            try:
                desk().flush(table)
            except BaseException:
                table.lock.release()
                raise

    def __exit__(self, *exc: object) -> None:
        self.table.lock.release()

@final
class TimerTable:
    """Every timer of one runtime, and the four helpers' logic."""

    def __init__(
        self,
        clock: Clock,
        owner: TimerOwner,
        *,
        trace_limit: int = DEFAULT_TRACE_LIMIT,
        release: Release | None = None,
    ) -> None:
        self.clock = clock
        #: the kernel release whose return codes and rules the helpers follow
        self.release = release if release is not None else Release(DEFAULT_RELEASE)
        self.owner = owner
        #: every live timer and wq, as recorded for its element, by (map, kind) and then slot:
        #: one each per element, never a ghost (a dictionary per map keeps a million timers to
        #: one small entry each; the clock's keys hold the timers themselves, so no other
        #: index is needed)
        self._by_element: dict[tuple[Any, str], dict[int, Timer]] = {}
        #: each live timer's native record, which the timer desk (:mod:`._desk`) reads
        self.records = TimerRecords()
        self._on_record: dict[int, Timer] = {}  #: the live timers with a record, by record
        #: the maps timers were created in, by address (weakly: a map may go), and how often
        #: one was added (the desk's plans depend on them)
        self._timer_maps: dict[int, weakref.ref[Any]] = {}
        self.maps_version = 0
        self._lock = threading.RLock()
        self._synced = _Synced(self)
        self._idle = threading.Condition(self._lock)
        self._local = _Local()
        self._waiting: dict[int, Timer] = {}  #: thread -> the timer it waits for in cancel
        self._waiters = 0  #: threads waiting on _idle (a callback ending wakes them)
        #: the latest events as raw records (typed by :attr:`events`, when read): always on,
        #: bounded. A record is ``[time, event, map, key, detail, expires, kind, duration]``: a
        #: list, so a fire event's run time is written into it when the callback returns, and a
        #: start's detail is None until read (it says the expiry)
        self._events: deque[list[Any]] = deque(maxlen=max(1, trace_limit))
        self._traced = 0  #: events ever traced (the trace keeps the latest)
        #: callbacks fired so far (counted apart from the trace, which forgets)
        self.fired = 0
        self._hooked: frozenset[str] = frozenset()
        #: whether the timer desk holds calls of this table's runs not applied yet, and
        #: whether it is bound to a run of this table now (which holds the table's lock)
        self.pending = False
        self.desk_bound = False
        # The release's rules the helpers ask on every call, asked once.
        self._nmi_refuses = self.release.has(Behaviour.NMI_EOPNOTSUPP)
        self._any_context = self.release.has(Behaviour.TIMERS_IN_ANY_CONTEXT)
        self._reports_was_armed = self.release.has(Behaviour.HRTIMER_START_WAS_ARMED)
        self._start_flags = self.release.timer_start_flags
        self._spinning = 0  #: threads holding a timer's spin lock in hrtimer code (hooks)
        clock.set_fire(self.fire)
        clock.set_describe(self.describe)
        clock.set_sync(self._sync)

    @property
    def hooked(self) -> frozenset[str]:
        """The hrtimer tracepoints programs are attached to (the owner keeps it current): the
        table builds no :class:`HrtimerHook` nobody would see."""
        return self._hooked

    @hooked.setter
    def hooked(self, names: frozenset[str]) -> None:
        self._sync()  # what the desk did happened before these hooks were attached
        self._hooked = names

    def _sync(self) -> None:
        """Apply what the timer desk did for this table's runs and has not applied yet: every
        method that reads or changes timers calls this first (on another thread than a bound
        run's, it waits for that run to end)."""
        if self.pending or self.desk_bound:
            with self._lock:
                if self.pending:
                    desk().flush(self)

    @property
    def lock(self) -> threading.RLock:
        """The table's lock: whoever holds it may change timers (the desk's bound runs hold it)."""
        return self._lock

    # -- finding a timer from its field ----------------------------------------------------

    def _word(self, region: Region, address: int) -> int:
        value: int = _WORD.unpack_from(region.buf, address - region.base)[0]
        return value

    @staticmethod
    def _field(ctx: Any, address: int, m: Any = None) -> tuple[Any, int, Region] | None:
        """(map, slot, region) of the timer or wq field at ``address``: exactly the field of an
        element a map holds now, of a map this run may see (and ``m`` itself, if given). Both
        are 16-byte special fields, which is how the map knows them."""
        area = ctx.space.area_at(address, ctx.visible)
        owner = None if area is None else area.owner
        if owner is None or (m is not None and owner is not m) or not hasattr(owner, "field_at"):
            return None
        found = owner.field_at(address, TIMER_SIZE)
        return None if found is None else (owner, found[0], found[1])

    def _timer_at(self, ctx: Any, address: int, kind: str = "timer") -> Timer | None:
        """The live timer (or wq) whose field is at ``address``, for this run (lock held).

        A callback re-arming its own timer (a periodic timer: the common case) skips the
        search: the running timer remembers where a helper found its field, and stands while
        it lives (not freed: an element that leaves its map frees it), its word still names it
        and the run may see its map, when the search would find that very timer again.
        """
        timer = self._local.running
        # A live timer's element is live memory: its word can be read in place.
        if (timer is not None and timer.address == address and not timer.freed and timer.kind == kind
                and ctx.visible.allows(timer.map) and timer.id == ctypes.c_uint64.from_address(address).value):
            if self._spinning:
                self._check_spin_lock(timer)
            return timer
        field = self._field(ctx, address)
        if field is None:
            return None
        m, slot, region = field
        found = self._recorded(m, slot, kind)
        if found is None or found.freed or found.id != self._word(region, address):
            return None
        found.address = address
        self._check_spin_lock(found)
        return found

    def _check_spin_lock(self, timer: Timer) -> None:
        if timer.id in self._local.locked:
            # The kernel's bpf_spin_lock of this timer is held by this CPU, in hrtimer code
            # below bpf_timer_start: taking it again spins forever.
            raise BpfRuntimeError(
                f"timer deadlock: a hook inside hrtimer code used the {timer.map.name} timer whose lock"
                f" bpf_timer_start holds: {self.release.lacks(Behaviour.TIMERS_IN_ANY_CONTEXT)}"
            )

    def _recorded(self, m: Any, slot: int, kind: str) -> Timer | None:
        """The timer (or wq) recorded for the element in ``slot`` of ``m`` (lock held)."""
        slots = self._by_element.get((m, kind))
        return None if slots is None else slots.get(slot)

    def _nmi_refused(self) -> bool:
        """Before 7.0 every timer helper and wq kfunc returns -EOPNOTSUPP in NMI."""
        return self._nmi_refuses and self.owner.context() is IrqContext.NMI

    def _defers(self) -> bool:
        """Whether start and cancel_async go through irq_work now (7.0, hard IRQ or NMI)."""
        return self._any_context and self.owner.context() in (IrqContext.HARDIRQ, IrqContext.NMI)

    def _event(self, event: str, timer: Timer, detail: str | None = "", expires_ns: int | None = None) -> list[Any]:
        """Trace ``event`` (lock held) and return its record."""
        record = [self.clock.now(), event, timer.map, timer.map.element_key(timer.slot), detail, expires_ns, timer.kind, None]
        self._events.append(record)
        self._traced += 1
        return record

    @property
    def events_lost(self) -> int:
        """Events dropped from the front of the trace to keep it bounded."""
        self._sync()
        return max(0, self._traced - len(self._events))

    def slots_of(self, m: Any) -> list[int]:
        """The slots of ``m`` that hold a timer or a wq (what freeing the map's fields must
        visit)."""
        self._sync()
        with self._synced:
            return list({**self._by_element.get((m, "timer"), {}), **self._by_element.get((m, "wq"), {})})

    # -- the timer desk (see ._desk) -------------------------------------------------------

    def offer_desk(self, ctx: Any) -> None:
        """A timer helper ran in Python for ``ctx``: if it is a compiled run, let the desk
        serve its next timer calls natively (when the run allows it)."""
        if getattr(ctx, "native", None) is not None and ctx.engine is not None:
            desk().bind(self, ctx)

    def desk_allowed(self) -> bool:
        """Whether this thread's run may have its timer calls served by the desk: no rule of
        a context, a hook, a lock or a running callback could change the answers."""
        local = self._local
        return (
            not self.hooked and not self._spinning and local.running is None and local.expiring is None
            and not local.locked and local.base_locked is None and not local.deferred
            and local.processing is None and self.owner.context() is IrqContext.TASK
        )

    def desk_maps(self, visible: Any) -> list[tuple[Any, int]]:
        """The maps timers were created in that a run seeing ``visible`` may have served by
        the desk, with their timer field's offset."""
        listed = []
        for ref in list(self._timer_maps.values()):
            m = ref()
            offset = None if m is None else desk_map_field(m, visible)
            if offset is not None:
                listed.append((m, offset))
        return listed

    def reserve(self, count: int) -> int:
        """Charge the memory of up to ``count`` timers in advance; how many it charged."""
        while count and not self.owner.charge(count * TIMER_CHARGE):
            count //= 2
        return count

    def unreserve(self, count: int) -> None:
        """Give back what :meth:`reserve` charged for timers never created."""
        if count:
            self.owner.uncharge(count * TIMER_CHARGE)

    def apply_journal(self, journal: list[int], runs: list[tuple[Any, Any]], maps: dict[int, Any]) -> None:
        """Do, in order, what the desk's native calls did (a flat list of
        :data:`JOURNAL_SLOTS`-word entries; ``runs`` the (program, engine) of each bound run,
        ``maps`` by address): as their Python paths do it, minus the checks native code made."""
        slots, on_record = self.records.slots, self._on_record
        with self._lock:
            for i in range(0, len(journal), JOURNAL_SLOTS):
                head, a, b, c = journal[i : i + JOURNAL_SLOTS]
                op, rec = head & 0xFF, head >> 8
                if op == _INIT:
                    base = rec * RECORD_SLOTS
                    m = maps[slots[base + _MAP]]
                    stale = self._recorded(m, a, "timer")
                    if stale is not None:  # its word was zeroed when a new element took the slot
                        self._drop(stale)
                    self._born(slots[base + _ID], m, a, b, c, "timer", slots[base + _FIELD], rec)
                elif op == _SET_CALLBACK:
                    self._set_callback(on_record[rec], *runs[b], a)
                elif op == _START:
                    self._arm(on_record[rec], a, b, c)
                else:
                    self._cancel(on_record[rec])

    @property
    def events(self) -> list[TimerEvent]:
        """The events still in the trace, oldest first, keys typed (see :class:`TimerEvent`)."""
        self._sync()
        with self._synced:
            raw = [tuple(record) for record in self._events]
        readers = _Readers(self.owner)
        return [
            TimerEvent(t, event, m.name, readers[m](key), f"expires {expires}ns" if detail is None else detail,
                       expires, key, duration, kind)
            for t, event, m, key, detail, expires, kind, duration in raw
        ]

    # -- the helpers -------------------------------------------------------------------------

    def init(self, ctx: Any, address: int, m: Any, flags: int) -> int:
        """``bpf_timer_init(timer, map, flags)``: flags select the clock."""
        self._sync()
        if self._nmi_refused():
            return -EOPNOTSUPP
        if flags >= 16 or flags not in TIMER_CLOCKS:
            return -EINVAL
        return self._create(ctx, address, m, flags, "timer")

    def wq_init(self, ctx: Any, address: int, m: Any, flags: int) -> int:
        """``bpf_wq_init(wq, map, flags)`` (6.10): flags must be 0; otherwise as timer init."""
        self._sync()
        if self._nmi_refused():
            return -EOPNOTSUPP
        if flags:
            return -EINVAL
        return self._create(ctx, address, m, CLOCK_MONOTONIC, "wq")  # work runs "now" on it

    def _create(self, ctx: Any, address: int, m: Any, clock_id: int, kind: str) -> int:
        field = self._field(ctx, address, m)
        if field is None:  # not a field of the named map (the verifier's map_uid check)
            return -EINVAL
        _, slot, region = field
        with self._synced:
            if self._word(region, address):
                return -EBUSY
            if not self.owner.charge(TIMER_CHARGE):
                return -ENOMEM
            if not self.owner.map_users(m):
                self.owner.uncharge(TIMER_CHARGE)
                return -EPERM
            stale = self._recorded(m, slot, kind)
            if stale is not None:  # its word was zeroed when a new element took the slot
                self._drop(stale)
            rec = self.records.allocate()
            timer = self._born(self.records.new_id(rec), m, slot, clock_id, ctx.cpu, kind, address, rec)
            _WORD.pack_into(region.buf, address - region.base, timer.id)
        return 0

    def _born(
        self, timer_id: int, m: Any, slot: int, clock_id: int, cpu: int, kind: str, address: int, rec: int
    ) -> Timer:
        """Record a timer (or wq) just initialised at ``address`` (lock held; its word is
        written, or is the caller's to write)."""
        timer = Timer(timer_id, m, slot, clock_id, cpu=cpu, kind=kind, address=address, rec=rec)
        self._by_element.setdefault((m, kind), {})[slot] = timer
        if rec != NO_RECORD:
            self._on_record[rec] = timer
            self.records.write(timer, flags_of(timer))
        if kind == "timer" and m.address not in self._timer_maps:
            self._timer_maps[m.address] = weakref.ref(m)
            self.maps_version += 1
        self._event("init", timer, f"clock {_CLOCK_NAMES[clock_id]}" if kind == "timer" else "")
        return timer

    def _mirror(self, timer: Timer) -> None:
        """Write ``timer``'s flags into its native record (after each change the desk reads)."""
        if timer.rec != NO_RECORD:
            self.records.slots[timer.rec * RECORD_SLOTS + _FLAGS] = flags_of(timer)

    def set_callback(self, ctx: Any, address: int, callback: int, kind: str = "timer") -> int:
        """``bpf_timer_set_callback(timer, cb)`` (and, with ``kind="wq"``, the common part of
        ``bpf_wq_set_callback``): the timer now references the calling program."""
        self._sync()
        if self._nmi_refused():
            return -EOPNOTSUPP
        entry = ctx.engine.function_at(callback)
        with self._synced:
            timer = self._timer_at(ctx, address, kind)
            if timer is None or entry is None:
                return -EINVAL
            if not self.owner.map_users(timer.map):
                return -EPERM if self.release.has(Behaviour.SET_CALLBACK_EPERM) else -EINVAL
            self._set_callback(timer, ctx.program, ctx.engine, entry)
        return 0

    def _set_callback(self, timer: Timer, program: Any, engine: Any, entry: int) -> None:
        """The timer now calls ``program``'s subprogram at ``entry`` (lock held)."""
        if timer.program is not program:
            self.owner.hold_program(program)
            if timer.program is not None:
                self.owner.release_program(timer.program)
        timer.program, timer.engine, timer.callback_pc = program, engine, entry
        self._mirror(timer)
        self._event("set_callback", timer, f"callback {self.owner.callback_name(program, entry)}")

    def start(self, ctx: Any, address: int, nsecs: int, flags: int) -> int:
        """``bpf_timer_start(timer, nsecs, flags)``: arm (or re-arm) relative or absolute; from
        7.0, in hard-IRQ context, queued to irq_work."""
        self._sync()
        if self._nmi_refuses and self.owner.context() is IrqContext.NMI:
            return -EOPNOTSUPP
        if flags & ~self._start_flags:
            return -EINVAL
        with self._synced:
            timer = self._timer_at(ctx, address)
            if timer is None or timer.callback_pc is None:
                return -EINVAL
            if self._any_context and self._defers():
                return self._defer("start", timer, nsecs, flags, ctx.cpu)
            self._arm(timer, nsecs, flags, ctx.cpu)
        return 0

    def _arm(self, timer: Timer, nsecs: int, flags: int, cpu: int) -> None:
        """Program the expiry (lock held). Re-arming removes the queued hrtimer first, which
        fires the ``hrtimer_cancel`` tracepoint; before 7.0 the timer's spin lock is held
        there."""
        clock = self.clock
        now = clock.now(timer.clock_id)
        expires = now + nsecs  # kernel_expiry's answer, short of its signed and overflow cases
        if flags & BPF_F_TIMER_ABS or not (0 <= nsecs and 0 <= now and expires <= S64_MAX):
            expires = kernel_expiry(nsecs, bool(flags & BPF_F_TIMER_ABS), now)
        was_armed = timer.armed
        timer.mode = _MODES[flags & (BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN)]
        if self.hooked:
            self._check_base_lock(timer, "bpf_timer_start", cpu)
        # Without CPU_PIN the kernel may fire anywhere; pybpf keeps the starting CPU, which
        # is one of the kernel's choices and keeps virtual runs reproducible.
        timer.cpu = cpu
        if was_armed:
            clock.disarm((timer, timer.generation))
        timer.generation += 1
        timer.armed, timer.expires_ns = True, expires
        self._mirror(timer)
        clock.arm((timer, timer.generation), expires, timer.clock_id, cpu)
        monotonic = expires if timer.clock_id == CLOCK_MONOTONIC else expires - now + clock.now()
        self._event("start", timer, None, monotonic)
        if not self.hooked:
            return
        reports_was_armed = self._reports_was_armed
        if was_armed and not reports_was_armed:
            self._in_hrtimer_code(HrtimerHook("hrtimer_cancel", timer), bpf_lock=True)
        self._in_hrtimer_code(
            HrtimerHook("hrtimer_start", timer, timer.mode, was_armed if reports_was_armed else None), bpf_lock=True
        )

    def _in_hrtimer_code(self, hook: HrtimerHook, *, bpf_lock: bool) -> None:
        """Fire ``hook`` from inside hrtimer code: before 7.0 with the hrtimer base lock of the
        timer's CPU held, and (from bpf_timer_start) the timer's own bpf_spin_lock."""
        if hook.name not in self.hooked:  # nothing runs there, nothing could see the locks
            return
        outer_locked, outer_base = self._local.locked, self._local.base_locked
        if not self._any_context:
            if bpf_lock:
                self._local.locked = outer_locked | {hook.timer.id}
                self._spinning += 1
            self._local.base_locked = hook.timer.cpu
        try:
            self.owner.fire_hook(hook)
        finally:
            self._local.locked, self._local.base_locked = outer_locked, outer_base
            if bpf_lock and not self._any_context:
                self._spinning -= 1

    def _check_base_lock(self, timer: Timer, helper: str, cpu: int) -> None:
        """A hook inside hrtimer code that reaches hrtimer code of the same CPU spins on the base
        lock it holds (before 7.0, which defers such calls): say so instead of hanging."""
        held = self._local.base_locked
        if held is not None and held in (timer.cpu, cpu):
            raise BpfRuntimeError(
                f"timer deadlock: {helper} from a hook inside hrtimer code (hrtimer_start or hrtimer_cancel)"
                f" takes the hrtimer base lock of CPU {held} that this CPU already holds:"
                f" {self.release.lacks(Behaviour.TIMERS_IN_ANY_CONTEXT)}"
            )

    def wq_start(self, ctx: Any, address: int, flags: int) -> int:
        """``bpf_wq_start(wq, flags)`` (6.10): queue the work; it runs once however often it is
        queued before it runs."""
        self._sync()
        if self._nmi_refused():
            return -EOPNOTSUPP
        if flags:
            return -EINVAL
        with self._synced:
            timer = self._timer_at(ctx, address, "wq")
            if timer is None or timer.callback_pc is None:
                return -EINVAL
            if not timer.armed:  # schedule_work of pending work does nothing
                timer.cpu = ctx.cpu
                timer.generation += 1
                timer.armed, timer.expires_ns = True, self.clock.now(CLOCK_MONOTONIC)
                self._mirror(timer)
                self.clock.arm((timer, timer.generation), timer.expires_ns, CLOCK_MONOTONIC, ctx.cpu)
                self._event("start", timer, "queued")
        return 0

    def cancel_async(self, ctx: Any, address: int) -> int:
        """``bpf_timer_cancel_async(timer)`` (7.0): never waits, keeps the callback. 1 when it
        disarmed the timer, 0 when it was idle, -1 when the callback is running, -ECANCELED
        when queued to irq_work (hard-IRQ context)."""
        self._sync()
        with self._synced:
            timer = self._timer_at(ctx, address)
            if timer is None:
                return -EINVAL
            if self._defers():
                rc = self._defer("cancel", timer, 0, 0, ctx.cpu)
                return rc if rc else -ECANCELED
            return self._try_to_cancel(timer)

    def _try_to_cancel(self, timer: Timer) -> int:
        """``hrtimer_try_to_cancel``: a running callback cannot be stopped (-1)."""
        if timer.running_on is not None:
            return -1
        was_armed = self._disarm(timer)
        self._event("cancel", timer, "async, was armed" if was_armed else "async, was idle")
        if was_armed:
            self._in_hrtimer_code(HrtimerHook("hrtimer_cancel", timer), bpf_lock=False)
        return 1 if was_armed else 0

    def _defer(self, command: str, timer: Timer, nsecs: int, flags: int, cpu: int) -> int:
        """Queue ``command`` for the irq_work this thread runs when it leaves hard-IRQ context
        (:meth:`run_irq_work`); -EDEADLK while applying this timer's commands (a loop through
        a hook in hrtimer code)."""
        if self._local.processing is timer and self.release.has(Behaviour.RECURSION_EDEADLK):
            return -EDEADLK
        if self._local.deferred is None:
            self._local.deferred = []
        self._local.deferred.append((command, timer, nsecs, flags, cpu))
        self._event("defer", timer, command)
        return 0

    def run_irq_work(self) -> None:
        """Apply, in order, the commands hard-IRQ code on this thread deferred (7.0's irq_work).
        A command for a timer freed meanwhile is dropped: its object is dying (-ENOENT)."""
        self._sync()
        while self._local.deferred:
            command, timer, nsecs, flags, cpu = self._local.deferred.pop(0)
            with self._synced:
                if timer.freed:  # its refcount reached 0: the command finds it dying
                    if self.release.has(Behaviour.DYING_TIMER_ENOENT):
                        self._event("dropped", timer, f"{command}: -ENOENT, the timer is being freed")
                    continue
                self._local.processing = timer
                try:
                    if command == "cancel":
                        self._try_to_cancel(timer)
                    elif timer.callback_pc is not None:
                        self._arm(timer, nsecs, flags, cpu)
                finally:
                    self._local.processing = None

    def cancel(self, ctx: Any, address: int) -> int:
        """``bpf_timer_cancel(timer)``: disarm, detach the callback, wait for a running one."""
        self._sync()
        if self._nmi_refused() or (
            self.release.has(Behaviour.CANCEL_HARDIRQ_EOPNOTSUPP) and self.owner.context() is not IrqContext.TASK
            and self.owner.context() is not IrqContext.SOFTIRQ
        ):
            return -EOPNOTSUPP  # waiting in hard-IRQ context could deadlock
        running = self._local.running
        with self._synced:
            timer = self._timer_at(ctx, address)
            if timer is None:
                return -EINVAL
            if running is timer:
                return -EDEADLK  # waiting for itself would never end
            if running is not None and running.cancelling and self.release.has(Behaviour.CANCEL_CYCLE_EDEADLK):
                return -EDEADLK  # someone waits for this callback: waiting here could close a cycle
            if timer is self._local.expiring:
                raise BpfRuntimeError(
                    f"timer deadlock: bpf_timer_cancel of the {timer.map.name} timer from its own hrtimer_expire_entry"
                    " or hrtimer_expire_exit hook waits for its callback to finish, on the CPU that must run it"
                )
            if timer.armed or timer.running_on is not None:  # hrtimer_try_to_cancel locks the base
                self._check_base_lock(timer, "bpf_timer_cancel", timer.cpu)
            was_armed = self._cancel(timer)
            if was_armed:
                self._in_hrtimer_code(HrtimerHook("hrtimer_cancel", timer), bpf_lock=False)
            self._wait_idle(timer, from_callback=running is not None)
        return 1 if was_armed else 0

    # -- internals -------------------------------------------------------------------------

    def _cancel(self, timer: Timer) -> bool:
        """bpf_timer_cancel's own work (lock held): detach, disarm, trace; whether it was armed."""
        self._detach(timer)
        was_armed = self._disarm(timer)
        self._event("cancel", timer, "was armed" if was_armed else "was idle")
        return was_armed

    def _detach(self, timer: Timer) -> None:
        if timer.program is not None:
            self.owner.release_program(timer.program)
        timer.program = timer.engine = timer.callback_pc = None
        self._mirror(timer)

    def _disarm(self, timer: Timer) -> bool:
        was_armed = timer.armed
        timer.armed, timer.expires_ns = False, None
        self._mirror(timer)
        self.clock.disarm((timer, timer.generation))
        return was_armed

    def _wait_idle(self, timer: Timer, *, from_callback: bool) -> None:
        """Wait (lock held) until ``timer``'s callback is not running on another thread."""
        me = threading.get_ident()
        if timer.running_on in (None, me):
            return
        if from_callback:
            timer.cancelling += 1
        self._waiting[me] = timer
        try:
            while timer.running_on not in (None, me):
                self._check_wait_cycle(timer, me)
                self._wait()
        finally:
            del self._waiting[me]
            if from_callback:
                timer.cancelling -= 1

    def _wait(self) -> None:
        """Wait (lock held) until a callback ends."""
        self._waiters += 1
        try:
            self._idle.wait()
        finally:
            self._waiters -= 1

    def _check_wait_cycle(self, timer: Timer, me: int) -> None:
        """Before 6.10 two callbacks waiting for each other hard-lock the machine: say so."""
        theirs = self._waiting.get(timer.running_on) if timer.running_on is not None else None
        if theirs is not None and theirs.running_on == me:
            raise BpfRuntimeError(
                "timer deadlock: the callbacks of two timers wait for each other (bpf_timer_cancel, or"
                " freeing the other's element), which hard-locks the machine:"
                f" {self.release.lacks(Behaviour.CANCEL_CYCLE_EDEADLK)}"
            )

    def free_element(self, m: Any, slot: int, region: Region, value_offset: int) -> None:
        """The special fields of an element are being freed (update, delete, eviction, uref
        release, map free): cancel its timer and its wq and drop them, as the kernel's
        ``bpf_timer_cancel_and_free`` and ``bpf_wq_cancel_and_free``. Only the timer and wq
        recorded for this very element go, whatever their words say."""
        self._sync()
        for offset, size in m.special_fields:
            if size == TIMER_SIZE:
                self._free(m, slot, self._word(region, region.base + value_offset + offset))

    def _free(self, m: Any, slot: int, timer_id: int) -> None:
        with self._synced:
            recorded = (self._recorded(m, slot, kind) for kind in ("timer", "wq"))
            timer = next((t for t in recorded if t is not None and t.id == timer_id), None)
            if timer is None:
                return
            self._drop(timer)
            # A free requested from callback context never waits (6.10 defers it to a workqueue;
            # before, only the callback freeing its own timer skips the wait), nor does 7.0's or a
            # wq's (cancel_work does not wait); anyone else waits for a callback running on
            # another thread to finish.
            running = self._local.running
            deferred = running is not None and (running is timer or self.release.has(Behaviour.CANCEL_CYCLE_EDEADLK))
            if timer.kind == "timer" and not deferred and not self.release.has(Behaviour.TIMERS_IN_ANY_CONTEXT):
                self._wait_idle(timer, from_callback=running is not None)

    def _drop(self, timer: Timer) -> None:
        """Forget ``timer`` (lock held): disarm it, detach its callback, give back its charge."""
        slots = self._by_element.get((timer.map, timer.kind))
        if slots is not None and slots.get(timer.slot) is timer:
            del slots[timer.slot]
            if not slots:  # the map may be gone: hold no reference to it
                del self._by_element[timer.map, timer.kind]
        timer.freed = True
        self._detach(timer)
        was_armed = self._disarm(timer)
        self._event("free", timer)
        if was_armed and timer.kind == "timer":  # bpf_timer_cancel_and_free: hrtimer_cancel
            self._in_hrtimer_code(HrtimerHook("hrtimer_cancel", timer), bpf_lock=False)
        if timer.rec != NO_RECORD:  # nothing may write it once it serves another timer
            del self._on_record[timer.rec]
            self.records.release(timer.rec)
            timer.rec = NO_RECORD
        self.owner.uncharge(TIMER_CHARGE)

    def fire(self, key: Any) -> None:
        """The clock says the arming ``key`` (timer, generation) expired: run the timer's
        callback once, on this thread."""
        self._sync()
        timer, generation = key
        me = threading.get_ident()
        with self._synced:
            # Callbacks of one timer never overlap: wait for a run on another CPU to end.
            while timer.running_on is not None and timer.running_on != me:
                self._wait()
            if timer.freed or timer.callback_pc is None:
                return
            if generation == timer.generation:
                if not timer.armed:
                    return
                timer.armed, timer.expires_ns = False, None
            # Otherwise the timer was started again after the clock took this expiry: like an
            # hrtimer callback already dequeued, it runs, and the new arming stays armed.
            timer.running_on = me
            self._mirror(timer)
            # What runs is what was set when it fired: a concurrent cancel cannot pull the
            # callback from under a run that has started.
            engine, entry, program = timer.engine, timer.callback_pc, timer.program
            self.fired += 1
            record = self._event("fire", timer)
        # A wq callback runs as work in process context, not as a timer callback.
        local = self._local
        outer = local.running
        is_timer = timer.kind == "timer"
        try:
            if is_timer:
                if "hrtimer_expire_entry" in self.hooked:
                    now = self.clock.now(hrtimer_base_clock(timer.clock_id))
                    self._expiry_hook(HrtimerHook("hrtimer_expire_entry", timer, now_ns=now))
                local.running = timer
            record[7] = self.owner.run_callback(timer, engine, entry, program)  # its run time
            local.running = outer
            if is_timer and "hrtimer_expire_exit" in self.hooked:
                self._expiry_hook(HrtimerHook("hrtimer_expire_exit", timer))
        finally:
            local.running = outer
            with self._synced:
                timer.running_on = None
                self._mirror(timer)
                if self._waiters:
                    self._idle.notify_all()

    def _expiry_hook(self, hook: HrtimerHook) -> None:
        """hrtimer_expire_entry/exit run around the callback, without hrtimer locks held."""
        outer = self._local.expiring
        self._local.expiring = hook.timer
        try:
            self.owner.fire_hook(hook)
        finally:
            self._local.expiring = outer

    # -- seeing timers ---------------------------------------------------------------------

    def describe(self, key: Any) -> str:
        """``map[key]`` for the timer of the clock key ``key`` (timer, generation), the
        map's key typed as the map's keys are."""
        self._sync()
        timer: Timer = key[0]
        if timer.freed:  # its element may hold another key by now
            return f"#{timer.id}"
        key = self.owner.key_reader(timer.map)(timer.map.element_key(timer.slot))
        return f"{timer.map.name}[{key!r}]"

    def infos(self) -> list[TimerInfo]:
        """Every initialised timer, in initialisation order."""
        self._sync()
        with self._synced:
            timers = sorted((t for slots in self._by_element.values() for t in slots.values()), key=lambda t: t.id)
            readers = _Readers(self.owner)
            return [self._info(t, t.map.element_key(t.slot), readers[t.map]) for t in timers]

    def _info(self, t: Timer, key: bytes, read_key: Callable[[bytes], Any]) -> TimerInfo:
        return TimerInfo(
            t.map.name,
            read_key(key),
            _CLOCK_NAMES[t.clock_id] if t.kind == "timer" else "-",
            "running" if t.running_on is not None else "armed" if t.armed else "idle",
            t.expires_ns,
            None if t.callback_pc is None else self.owner.callback_name(t.program, t.callback_pc),
            t.program.name if t.program is not None else None,
            key,
            t.kind,
        )

    def __len__(self) -> int:
        self._sync()
        with self._synced:
            return sum(len(slots) for slots in self._by_element.values())
