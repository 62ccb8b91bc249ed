"""The native timer lane: compiled callbacks fired back to back by native code on the virtual
clock, the timer table staying the one authority on every timer.

When the virtual clock moves and the earliest due timer's callback is compiled code of a
program that starts timers natively (:attr:`pybpf.engine.Jit.native_timers`), the lane takes
the due deadlines of that program's timers off the clock's queue, in order, and hands them to
``pybpf_tm_run`` (:mod:`pybpf.engine._timergen`) with a record per timer. Native code fires
them, re-arms a callback's own timer natively, and traces into a preallocated ring; then the
lane writes back what changed (each timer's generation, arming, expiry and CPU; the deadlines
left; the trace records, decoded only then; the fired count) and the Python path goes on.

The lane never runs when exact semantics need the Python path: hrtimer tracepoint programs
attached, a callback already running on this thread, another engine, a callback of another
program or map key size next in line (the lane stops before it). A callback calling any helper
through Python (cancel, another timer's start, map updates freeing timers...) first hands the
batch back: the table is made exact, the running timer is marked running as the Python path
marks it, and the lane ends when that callback returns. A fault ends it the same way and is
raised as the Python path raises it.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from collections.abc import Callable
from typing import Any, Protocol, final

from ..engine import Region
from ..engine._context import MAY_GOTO_BUDGET
from ..engine._tiered import _jit_module
from ..engine._timergen import ENTRY_SLOTS, EVENT_SLOTS, RECORD_SLOTS, Batch, Event, Record, Stop
from ._clock import Clock
from ._deadlines import Deadlines
from ._timer import _MODES, IrqContext, Timer, TimerTable

__all__ = ["TimerLane"]

RING_EVENTS = 4096  #: trace records one run of the loop may write before they are decoded
MAX_TIMERS = 1 << 16  #: timers one batch takes at most (the rest wait for the next)
_BUSY = threading.Lock()  #: native code knows one batch at a time, process-wide
_S64_MAX = (1 << 63) - 1
_RECORD = struct.Struct(f"<{RECORD_SLOTS}q")
_NOTHING = (0, -1, 0)  #: what the lane returns when it fired nothing
_SLACK = 64  #: heap entries beyond two per timer (a callback starting its timer again and again)


def _view(size: int) -> Any:
    return (ctypes.c_int64 * max(1, size))()


class LaneOwner(Protocol):
    """What the lane needs from the runtime besides the table's :class:`TimerOwner`."""

    def lane_host(self) -> tuple[Any, Any, Callable[[Any, int], Any]]:
        """The runs' runtime object, the per-thread state whose ``irq`` is the run context, and
        ``window(map, value address)``: the window of a value its callback starts with."""
        ...

    def lane_failed(self, timer: Timer, err: BaseException) -> None:
        """Say in ``err`` which timer's callback raised it, as the Python path does."""
        ...


@final
class TimerLane:
    """The lane of one timer table on a virtual clock (see the module docstring); the clock
    calls it as it moves."""

    def __init__(self, table: TimerTable, clock: Clock, owner: LaneOwner) -> None:
        self.table = table
        self.clock = clock
        self.owner = owner
        self._callbacks: dict[tuple[Any, int], int] = {}  #: native callback addresses by (engine, entry)

    def eligible(self, key: Any, engine: Any) -> bool:
        """Whether the arming ``key`` (timer, generation) may fire in a batch of ``engine``."""
        timer, generation = key
        return (
            timer.engine is engine and timer.kind == "timer" and not timer.freed and timer.armed
            and generation == timer.generation and timer.callback_pc is not None and timer.running_on is None
        )

    def __call__(
        self, deadlines: Deadlines[Any], lock: Any, move: Callable[[int], None], target: int, allowance: int,
        windowed: bool,
    ) -> tuple[int, int, int]:
        """Fire what the lane can of what is due by ``target`` (see :data:`._virtual.Lane`);
        returns (callbacks fired, the last window's deadline, callbacks fired in it): (0, -1, 0)
        when the first due timer is not for the lane."""
        table = self.table
        if table.hooked or table._local.running is not None or table._local.expiring is not None:
            return _NOTHING
        with lock:
            first = deadlines.peek_entry()
        if first is None or first[0] > target:
            return _NOTHING
        engine = first[2][0].engine
        if not getattr(engine, "native_timers", False) or not self.eligible(first[2], engine):
            return _NOTHING
        host = self.owner.lane_host()
        if host is None or not _BUSY.acquire(blocking=False):
            return _NOTHING
        try:
            with table._lock:
                return _Batch(self, engine, host, move).run(deadlines, lock, target, allowance, windowed)
        finally:
            _BUSY.release()

    def callback_address(self, engine: Any, entry: int) -> int:
        address = self._callbacks.get((engine, entry))
        if address is None:
            address = self._callbacks[engine, entry] = engine.callback_address(entry)
        return address


class _Batch:
    """One hand-over to native code: the records, heap and ring, and writing them back."""

    def __init__(self, lane: TimerLane, engine: Any, host: tuple[Any, Any, Any], move: Callable[[int], None]) -> None:
        self.lane, self.engine, self.table, self.move = lane, engine, lane.table, move
        self.host, self.run_local, self.value_window = host
        self.timers: list[Any] = []
        self.header = _view(len(Batch))
        self.handed_back = False
        self.fire_record: list[Any] | None = None  #: the Python trace record of the running callback
        self.fire_index = -1

    def take(self, deadlines: Deadlines[Any], lock: Any, target: int) -> list[tuple[int, int, Any]]:
        """Take the due deadlines of the lane's timers off the clock, in order, stopping at the
        first that is not; sets the horizon (what the clock keeps that is due)."""
        taken: list[tuple[int, int, Any]] = []
        key_size = None
        with lock:
            while len(taken) < MAX_TIMERS:
                entry = deadlines.peek_entry()
                if entry is None or entry[0] > target:
                    entry = None
                    break
                timer = entry[2][0]
                if not self.lane.eligible(entry[2], self.engine) or (key_size is not None and timer.map.key_size != key_size):
                    break
                key_size = timer.map.key_size
                deadlines.pop_entry()
                taken.append(entry)
            horizon = (target, _S64_MAX) if entry is None else (entry[0], entry[1])
            self.header[Batch.HORIZON_T], self.header[Batch.HORIZON_SEQ] = horizon
            self.header[Batch.SEQ] = deadlines.take_sequence()
        return taken

    def run(
        self, deadlines: Deadlines[Any], lock: Any, target: int, allowance: int, windowed: bool
    ) -> tuple[int, int, int]:
        taken = self.take(deadlines, lock, target)
        if not taken:
            return _NOTHING
        self.deadlines, self.lock = deadlines, lock
        engine, lane = self.engine, self.lane
        index: dict[Any, int] = {}
        for _, _, (timer, _) in taken:
            if timer not in index:
                index[timer] = len(self.timers)
                self.timers.append(timer)
        timers = self.timers
        key_size = timers[0].map.key_size
        self.records = records = _view(RECORD_SLOTS * len(timers))
        keys = ctypes.create_string_buffer(key_size * len(timers))
        pack, callback_address = _RECORD.pack_into, lane.callback_address
        for i, timer in enumerate(timers):
            static = timer.lane
            if static is None or static[0] is not engine or static[1] != timer.callback_pc:
                static = timer.lane = self.static(timer, callback_address(engine, timer.callback_pc))
            pack(records, i * _RECORD.size, timer.id, timer.address, timer.generation, 1, timer.expires_ns,
                 static[2], timer.cpu, *static[3:11])
            keys[i * key_size : (i + 1) * key_size] = static[12]
        self.heap_cap = 2 * len(timers) + _SLACK
        self.heap = heap = _view(ENTRY_SLOTS * self.heap_cap)
        # taken came off the clock's heap in order: a sorted list is a valid binary heap
        for i, (expires, seq, (timer, generation)) in enumerate(taken):
            heap[i * ENTRY_SLOTS : (i + 1) * ENTRY_SLOTS] = [expires, seq, index[timer], generation]
        self.ring = _view(EVENT_SLOTS * RING_EVENTS)
        key = Region(key_size, "timer key", writable=False)
        pool = engine._pool
        ctx = self.ctx = pool.acquire()
        ctx.private, ctx.packet, ctx.packet_head = (key,), None, 0
        ctx.runtime, ctx.program, ctx.engine, ctx.visible = self.host, timers[0].program, engine, engine.visible
        h = self.header
        h[Batch.ACTIVE], h[Batch.NOW], h[Batch.ALLOWANCE], h[Batch.CURRENT] = 1, self.lane.clock.now(), allowance, -1
        h[Batch.WINDOW_END] = -1 if windowed else target
        h[Batch.RECS], h[Batch.HEAP], h[Batch.HEAP_LEN], h[Batch.HEAP_CAP] = (
            ctypes.addressof(records), ctypes.addressof(heap), len(taken), self.heap_cap
        )
        h[Batch.RING], h[Batch.RING_CAP] = ctypes.addressof(self.ring), RING_EVENTS
        h[Batch.KEY_BUF], h[Batch.KEY_SIZE], h[Batch.KEYS] = key.base, key_size, ctypes.addressof(keys)
        h[Batch.STACK], h[Batch.STACK_SIZE] = ctx.stack.base, ctx.stack.size
        h[Batch.LIMIT], h[Batch.MAY_GOTO] = engine.max_instructions, MAY_GOTO_BUDGET
        run = self.run_local
        outer_irq = getattr(run, "irq", IrqContext.TASK)
        run.irq = IrqContext.SOFTIRQ
        try:
            h[Batch.STATE] = engine.timer_lane(ctx, self.hand_back)
            runner = _jit_module().timer_runner()
            address = ctypes.addressof(h)
            while True:
                stop = runner(address)
                if stop != Stop.RING:
                    break
                self.drain()
            engine._counts.last = h[Batch.LAST_N]
            if not self.handed_back:
                self.write_back()
            else:
                self.callback_over()
            if stop == Stop.FAULT:
                if self.fire_record is not None:  # a run that raised has no run time
                    self.fire_record[7] = None
                failed = timers[self.failed]
                try:
                    engine.raise_lane_fault(ctx)
                except BaseException as err:
                    self.lane.owner.lane_failed(failed, err)
                    raise
        finally:
            run.irq = outer_irq
            engine.timer_lane(ctx, None)
            pool.release(ctx)
        return int(h[Batch.FIRED]), int(h[Batch.WINDOW_END]), int(h[Batch.WINDOW_FIRED])

    def static(self, timer: Any, callback: int) -> tuple[Any, ...]:
        """What stays of ``timer``'s record while its element and callback do: (engine,
        callback PC, clock offset, callback, map, value, 0, window base and size for reads, for
        writes, the window's region, the element's key)."""
        value = timer.value_address
        window = self.value_window(timer.map, value)
        rlo = rsize = wlo = wsize = 0
        if window is not None and self.engine.visible.allows(window.owner):
            rlo, rsize = window.base, window.size
            if window.writable:
                wlo, wsize = window.base, window.size
        offset = self.lane.clock.now(timer.clock_id) - self.lane.clock.now()
        return (self.engine, timer.callback_pc, offset, callback, timer.map.address, value, 0, rlo, rsize, wlo, wsize,
                window, timer.map.element_key(timer.slot))

    @property
    def failed(self) -> int:
        """The record whose callback the loop ran last (the one that faulted)."""
        return int(self.ring[self.fire_index * EVENT_SLOTS + 2]) if self.fire_index >= 0 else 0

    def drain(self) -> None:
        """Decode the ring into the table's trace, then empty it."""
        table, h, timers = self.table, self.header, self.timers
        count = int(h[Batch.RING_LEN])
        if not count:
            return
        flat = memoryview(self.ring).cast("B").cast("q")[: count * EVENT_SLOTS].tolist()
        maps, keys = [t.map for t in timers], [t.lane[12] for t in timers]
        # One list per event, as the Python path traces (a fire's run time is None while it runs)
        records = [
            [at, "fire", maps[rec], keys[rec], "", None, "timer", arg if arg >= 0 else None] if kind == Event.FIRE
            else [at, "start", maps[rec], keys[rec], None, arg, "timer", None]
            for at, kind, rec, arg in zip(flat[0::4], flat[1::4], flat[2::4], flat[3::4], strict=True)
        ]
        kinds = flat[1::4]
        last = len(kinds) - 1 - kinds[::-1].index(Event.FIRE) if Event.FIRE in kinds else -1
        if last >= 0:
            self.fire_record, self.fire_index = records[last], last
        table._events.extend(records)
        table._traced += count
        h[Batch.RING_LEN] = 0

    def write_back(self) -> None:
        """Make the table and the clock exact again: what native code changed, and the
        deadlines it still holds."""
        self.drain()
        h, records, heap = self.header, self.records, self.heap
        unpack, mirror = _RECORD.unpack_from, self.table._mirror
        for i, timer in enumerate(self.timers):
            _, _, generation, armed, expires, _, cpu, _, _, _, started, *_ = unpack(records, i * _RECORD.size)
            timer.generation, timer.armed, timer.cpu = generation, bool(armed), cpu
            timer.expires_ns = expires if armed else None
            mirror(timer)
            if started:
                timer.mode = _MODES[0]
        with self.lock:
            for i in range(h[Batch.HEAP_LEN]):
                expires, seq, rec, generation = heap[i * ENTRY_SLOTS : (i + 1) * ENTRY_SLOTS]
                base = rec * RECORD_SLOTS
                if records[base + Record.GEN] == generation and records[base + Record.ARMED]:
                    self.deadlines.restore((self.timers[rec], generation), expires, seq)
            self.deadlines.resume_sequence(h[Batch.SEQ])
            h[Batch.HEAP_LEN] = 0
        self.table.fired += h[Batch.FIRED]
        self.move(h[Batch.NOW])

    def hand_back(self) -> None:
        """A callback is about to run a helper in Python: make everything exact, mark its timer
        running as the Python path does, and let native code do nothing more."""
        h = self.header
        if self.handed_back:
            return
        self.handed_back = True
        h[Batch.ACTIVE] = 0
        self.write_back()
        running = self.timers[h[Batch.CURRENT]]
        running.running_on = threading.get_ident()
        self.table._mirror(running)
        self.table._local.running = running
        self.ctx.cpu = running.cpu

    def callback_over(self) -> None:
        """After a handed-back callback: it ran (its run time goes into its trace record), and
        its timer is not running any more."""
        if self.fire_record is not None and self.fire_index >= 0:
            took = self.ring[self.fire_index * EVENT_SLOTS + 3]
            self.fire_record[7] = None if took < 0 else took
        running = self.timers[self.failed]
        table = self.table
        table._local.running = None
        running.running_on = None
        table._mirror(running)
        if table._waiters:
            table._idle.notify_all()


