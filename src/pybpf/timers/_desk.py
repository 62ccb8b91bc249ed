"""The timer desk: the four timer helpers served in compiled code without Python.

A timer table keeps a native *record* for each timer (:class:`TimerRecords`: its hidden word,
field, map, clock and whether it has a callback, is armed or runs), written wherever the table
changes those. While the process's one :class:`TimerDesk` is *bound* to a compiled run, the
native entry points (:mod:`pybpf.engine._tcallgen`) read the records, decide what the Python
helper would return, and journal what they did; the table applies the journal (creating the
:class:`Timer` objects, arming the clock, tracing) before anything looks at it: any of its
methods, the clock moving or counting its timers, hooks being attached.

A desk binds as a compiled run that calls timer helpers starts (and after a timer helper ran
in Python for it), only where its snapshot cannot go stale and the native rules are the whole
story: the virtual clock (whose time only moves between runs), task context (so no NMI or
hard-IRQ rule of any release applies), no hrtimer tracepoint program attached, no callback
running or expiring on this thread, no timer lock held. The bound run holds the table's lock,
so another thread that uses the table (or moves the clock) waits for the run to end, as it
waits for a helper running in Python. The desk lists the timer maps the run may see (a
preallocated layout, one 16-byte special field), their user references, and the running
program's subprogram entries; it charges the memory of the timers init may create in advance,
and gives back what is left when the run ends.
"""

from __future__ import annotations

import ctypes
import threading
from typing import TYPE_CHECKING, Any, final

from ..engine._tcallgen import (
    DESK_ENTRIES,
    DESK_MAPS,
    HEADER_SLOTS,
    JOURNAL_SLOTS,
    MAP_SLOTS,
    POOL_SLOTS,
    RECORD_BITS,
    RECORD_SLOTS,
    Desk,
    Flag,
    Pool,
    TRecord,
)
from ..engine._tiered import _jit_module
from ._clock import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME
from ._virtual import VirtualClock

if TYPE_CHECKING:
    from ._timer import Timer, TimerTable

__all__ = ["NO_RECORD", "TimerDesk", "TimerRecords", "desk", "desk_map_field", "flags_of"]

_RECORD_ID = int(TRecord.ID)
NO_RECORD = (1 << RECORD_BITS) - 1  #: the record number of a timer that has none (never allocated)
JOURNAL_CAP = 4096  #: journal entries a desk holds before its calls go to Python (which applies them)
RESERVE = 1024  #: timers whose memory a bound desk charges in advance (fewer if the limit is near)
_INITIAL = 256
_TIMER_FIELD = 16


@final
class TimerRecords:
    """The native records of one table's timers, and the pool they come from (the serial
    number of the next id, then a stack of free record numbers)."""

    def __init__(self) -> None:
        self.capacity = 0
        self.pool: Any = (ctypes.c_int64 * POOL_SLOTS)()
        self.pool[Pool.SERIAL] = 1
        self.slots: Any = (ctypes.c_int64 * 0)()
        self._grow(_INITIAL)

    def _grow(self, capacity: int) -> None:
        old, top = self.capacity, self.pool[Pool.TOP]
        pool = (ctypes.c_int64 * (POOL_SLOTS + capacity))()
        ctypes.memmove(pool, self.pool, 8 * (POOL_SLOTS + top))
        slots = (ctypes.c_int64 * (RECORD_SLOTS * capacity))()
        ctypes.memmove(slots, self.slots, 8 * RECORD_SLOTS * old)
        fresh = range(capacity - 1, old - 1, -1)  # the lowest record is handed out first
        pool[POOL_SLOTS + top : POOL_SLOTS + top + len(fresh)] = list(fresh)
        pool[Pool.TOP] = top + len(fresh)
        self.pool, self.slots, self.capacity = pool, slots, capacity
        if _DESK is not None:  # only a desk that exists can be bound to these records
            _DESK.moved(self)

    def allocate(self) -> int:
        """A free record's number (:data:`NO_RECORD` once all the numbers ids can hold are taken)."""
        top = self.pool[Pool.TOP]
        if not top:
            if self.capacity >= NO_RECORD:
                return NO_RECORD
            self._grow(min(2 * self.capacity, NO_RECORD))
            top = self.pool[Pool.TOP]
        self.pool[Pool.TOP] = top - 1
        rec: int = self.pool[POOL_SLOTS + top - 1]
        return rec

    def new_id(self, rec: int) -> int:
        """The hidden word of a new timer on record ``rec``: unique for the table's life."""
        serial = self.pool[Pool.SERIAL]
        self.pool[Pool.SERIAL] = serial + 1
        return int(serial) << RECORD_BITS | rec

    def write(self, timer: Timer, flags: int) -> None:
        base = timer.rec * RECORD_SLOTS
        self.slots[base : base + RECORD_SLOTS] = [timer.id, timer.address, timer.map.address, timer.clock_id, flags]

    def release(self, rec: int) -> None:
        self.slots[rec * RECORD_SLOTS + _RECORD_ID] = 0
        top = self.pool[Pool.TOP]
        self.pool[POOL_SLOTS + top] = rec
        self.pool[Pool.TOP] = top + 1


_TIMER, _CALLBACK, _ARMED, _RUNNING = int(Flag.TIMER), int(Flag.CALLBACK), int(Flag.ARMED), int(Flag.RUNNING)


def flags_of(timer: Timer) -> int:
    """The :class:`Flag` bits of ``timer`` now."""
    return (
        (_TIMER if timer.kind == "timer" else 0) | (_CALLBACK if timer.callback_pc is not None else 0)
        | (_ARMED if timer.armed else 0) | (_RUNNING if timer.running_on is not None else 0)
    )


# the header's slots as plain ints: binding a run is on the path of every compiled run that calls
# a timer helper
_BUDGET = int(Desk.BUDGET)
_CAPACITY = int(Desk.CAPACITY)
_ENTRIES = int(Desk.ENTRIES)
_JOURNAL = int(Desk.JOURNAL)
_JOURNAL_CAP = int(Desk.JOURNAL_CAP)
_JOURNAL_LEN = int(Desk.JOURNAL_LEN)
_MAPS = int(Desk.MAPS)
_NENTRIES = int(Desk.NENTRIES)
_NMAPS = int(Desk.NMAPS)
_NOW_BOOT = int(Desk.NOW_BOOT)
_NOW_MONO = int(Desk.NOW_MONO)
_NOW_REAL = int(Desk.NOW_REAL)
_POOL = int(Desk.POOL)
_RECORDS = int(Desk.RECORDS)
_RUN = int(Desk.RUN)
_START_FLAGS = int(Desk.START_FLAGS)
_STATE = int(Desk.STATE)
#: a binding's plan: (map, timer field offset) of the maps listed, the subprogram entries
Plan = tuple[list[tuple[Any, int]], list[int]]
_MAPS_AT = HEADER_SLOTS
_ENTRIES_AT = _MAPS_AT + DESK_MAPS * MAP_SLOTS
_JOURNAL_AT = _ENTRIES_AT + DESK_ENTRIES


@final
class TimerDesk:
    """The process's desk (see the module docstring): bound to one run at a time, holding
    the journal of one table at a time."""

    def __init__(self) -> None:
        self.block: Any = (ctypes.c_int64 * (_JOURNAL_AT + JOURNAL_CAP * JOURNAL_SLOTS))()
        base = ctypes.addressof(self.block)
        self.block[_MAPS], self.block[_ENTRIES] = base + 8 * _MAPS_AT, base + 8 * _ENTRIES_AT
        self.block[_JOURNAL], self.block[_JOURNAL_CAP] = base + 8 * _JOURNAL_AT, JOURNAL_CAP
        self.bound: TimerTable | None = None  #: the table of the bound run
        self.state: Any = None  #: the bound run's native state
        self.table: TimerTable | None = None  #: whose records the desk points at, and whose journal it holds
        #: what the journal needs to be applied: each bound run's (program, engine), the maps
        #: the runs listed by address
        self.runs: list[tuple[Any, Any]] = []
        self.maps: dict[int, Any] = {}
        self.served = 0  #: calls served natively so far (applied from journals)
        #: the last binding plan (see :meth:`_plan`) by (table, engine, maps version), and the
        #: plan whose entries the block holds
        self.last: tuple[tuple[Any, Any, int], Plan | None] | None = None
        self.written: Any = None
        self.usable = False
        jit = _jit_module()
        if jit is not None:
            ctypes.c_void_p.from_address(jit.timer_desk_global()).value = base
            self.usable = True

    def moved(self, records: TimerRecords) -> None:
        """``records`` grew: point a desk at their new buffers if it uses them."""
        if self.table is not None and self.table.records is records:
            self._point(records)

    def _point(self, records: TimerRecords) -> None:
        b = self.block
        b[_RECORDS], b[_CAPACITY] = ctypes.addressof(records.slots), records.capacity
        b[_POOL] = ctypes.addressof(records.pool)

    def bind(self, table: TimerTable, ctx: Any) -> None:
        """Let the timer calls of the compiled run ``ctx`` be native from now on, if the run
        allows it (see the module docstring); called as it starts, and after a timer helper
        ran in Python for it."""
        state = ctx.native
        if self.bound is not None or state.leave is not None or not self.usable or not table.desk_allowed():
            return
        plan = self._plan(table, ctx.engine)
        # The bound run holds the table's lock: another thread that uses the table waits for
        # the run to end (and then applies its journal), as it waits for a helper in Python.
        if plan is None or not table.lock.acquire(blocking=False):
            return
        if self.table is not table:
            if self.table is not None:
                self.flush(self.table)
            self.table = table
            self._point(table.records)
        b, users, count = self.block, table.owner.map_users, 0
        for m, offset in plan[0]:
            layout = m.timer_layout()
            if layout is None or m.closed:
                continue
            base, slot_size, value_at, used = layout
            at = _MAPS_AT + count * MAP_SLOTS
            b[at : at + MAP_SLOTS] = [m.address, base, slot_size, value_at + offset, used, int(users(m) > 0)]
            self.maps[m.address] = m
            count += 1
        b[_NMAPS] = count
        if self.written is not plan:
            entries = plan[1]
            b[_ENTRIES_AT : _ENTRIES_AT + len(entries)] = entries
            b[_NENTRIES], b[_START_FLAGS] = len(entries), table.release.timer_start_flags
            self.written = plan
        clock = table.clock
        b[_NOW_MONO], b[_NOW_BOOT] = clock.now(CLOCK_MONOTONIC), clock.now(CLOCK_BOOTTIME)
        b[_NOW_REAL] = clock.now(CLOCK_REALTIME)
        b[_BUDGET] = table.reserve(RESERVE)
        b[_RUN] = len(self.runs)
        self.runs.append((ctx.program, ctx.engine))
        self.bound, self.state = table, state
        table.desk_bound = True
        state.leave = self.unbind
        b[_STATE] = state.address

    def _plan(self, table: TimerTable, engine: Any) -> Plan | None:
        """What binding a run of ``engine`` on ``table`` lists that changes only with the maps
        timers were created in: (map, timer field offset) of each map the engine may see, the
        engine's subprogram entries. The last one is kept: runs of one program repeat."""
        key = (table, engine, table.maps_version)
        if self.last is not None and self.last[0] == key:
            return self.last[1]
        if not isinstance(table.clock, VirtualClock):
            return None
        maps = table.desk_maps(engine.visible)[:DESK_MAPS]
        plan = (maps, sorted(engine.functions)[:DESK_ENTRIES]) if maps else None
        self.last = (key, plan)
        return plan

    def unbind(self) -> None:
        """The run calls into Python or leaves native code: nothing native acts for it any
        more; the memory charged for timers init did not create goes back. The journal stays
        until the table is next used (:meth:`flush`)."""
        table = self.bound
        if table is None:
            return
        b = self.block
        b[_STATE] = 0
        self.state.leave = None
        self.bound = self.state = None
        table.pending = b[_JOURNAL_LEN] > 0
        table.desk_bound = False
        try:
            table.unreserve(b[_BUDGET])
            b[_BUDGET] = 0
        finally:
            table.lock.release()

    def flush(self, table: TimerTable) -> None:
        """Apply the journal of ``table``'s runs to it, in order, and empty it."""
        if self.table is not table or self.bound is table:
            return
        b = self.block
        count = b[_JOURNAL_LEN]
        journal = b[_JOURNAL_AT : _JOURNAL_AT + count * JOURNAL_SLOTS]
        runs, maps = self.runs, self.maps
        b[_JOURNAL_LEN] = 0
        self.served += count
        self.runs, self.maps = [], {}
        table.pending = False
        table.apply_journal(journal, runs, maps)


_DESK: TimerDesk | None = None
_DESK_LOCK = threading.Lock()


def desk() -> TimerDesk:
    """The process's desk, made on first use."""
    global _DESK
    with _DESK_LOCK:
        if _DESK is None:
            _DESK = TimerDesk()
        return _DESK


def desk_map_field(m: Any, visible: Any) -> int | None:
    """The offset of ``m``'s timer field if a desk may list it for a run that sees ``visible``:
    one 16-byte special field in an element map."""
    fields: list[int] = [offset for offset, size in m.special_fields if size == _TIMER_FIELD]
    if len(fields) != 1 or not hasattr(m, "timer_layout") or not visible.allows(m):
        return None
    return fields[0]
