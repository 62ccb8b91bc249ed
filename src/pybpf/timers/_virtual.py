"""The deterministic clock: time moves only when told, and due timers fire in order.

Like trio's MockClock, it is a number that tests move by hand. All four clocks move together:
MONOTONIC and BOOTTIME from ``start_ns`` (the machine never sleeps), REALTIME from
``epoch_ns``, TAI 37 s ahead of REALTIME. Deadlines are kept on the MONOTONIC scale; a timer on
another clock is converted when armed, which is exact because the offsets never change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import final

from ..engine import BpfRuntimeError
from ._clock import (
    CLOCK_BOOTTIME,
    CLOCK_MONOTONIC,
    CLOCK_REALTIME,
    CLOCK_TAI,
    SECOND,
    TAI_OFFSET_NS,
    Clock,
    check_duration,
    check_time,
)
from ._deadlines import Deadlines

__all__ = ["DEFAULT_EPOCH_NS", "DEFAULT_MAX_CALLBACKS", "VirtualClock"]

DEFAULT_EPOCH_NS = 1_767_225_600 * SECOND  #: 2026-01-01T00:00:00Z, a fixed, reproducible "now"
DEFAULT_MAX_CALLBACKS = 1_000_000  #: callbacks one window may fire before it is a timer storm

Fire = Callable[[Hashable], None]
#: ``lane(deadlines, lock, move, target, allowance, windowed) -> (fired, window, in_window)``:
#: fires natively what it can of what is due by ``target``, calling ``move(t)`` where the clock
#: must stand at ``t``; ``allowance`` is per window, and ``windowed`` says a later deadline
#: starts a new window (run_until_idle), else all is one (advance); ``window`` and ``in_window``
#: are the last window's deadline and the callbacks fired in it (see :mod:`._native`)
Lane = Callable[
    [Deadlines[Hashable], threading.RLock, Callable[[int], None], int, int, bool], tuple[int, int, int]
]


@final
class VirtualClock(Clock):
    """A clock that moves only with :meth:`advance`, :meth:`run_until` and :meth:`run_until_idle`.

    Args:
        start_ns: the MONOTONIC and BOOTTIME time at creation.
        epoch_ns: the REALTIME time at creation.
        max_callbacks: how many callbacks one call may fire before it raises.

    Raises:
        TypeError: an argument is not an int.
        ValueError: a negative time, or ``max_callbacks`` below 1.

    The timer system hands it the deadlines of armed timers (:meth:`arm`, :meth:`disarm`) and a
    ``fire(key)`` function; the clock calls ``fire`` for each due timer, in expiry order (ties
    in arming order), with the clock standing at that timer's expiry.
    """

    def __init__(
        self,
        start_ns: int = SECOND,
        epoch_ns: int = DEFAULT_EPOCH_NS,
        *,
        max_callbacks: int = DEFAULT_MAX_CALLBACKS,
    ) -> None:
        check_time(start_ns, "VirtualClock", "start_ns")
        check_time(epoch_ns, "VirtualClock", "epoch_ns")
        if isinstance(max_callbacks, bool) or not isinstance(max_callbacks, int):
            raise TypeError(f"VirtualClock: max_callbacks must be an int, not {type(max_callbacks).__name__}")
        if start_ns < 0 or epoch_ns < 0:
            raise ValueError("clock times can't be negative")
        if max_callbacks < 1:
            raise ValueError("max_callbacks must be at least 1")
        self._now = start_ns
        self._realtime_offset = epoch_ns - start_ns
        self.max_callbacks = max_callbacks
        self._deadlines: Deadlines[Hashable] = Deadlines()
        self._fire: Fire = lambda key: None
        self._lane: Lane | None = None
        self._lock = threading.RLock()
        self._sync: Callable[[], None] = lambda: None

    # -- time ------------------------------------------------------------------------------

    def now(self, clock_id: int = CLOCK_MONOTONIC) -> int:
        """The current time of ``clock_id`` (0, 1, 7 or 11) in nanoseconds."""
        if clock_id == CLOCK_MONOTONIC:  # what timers ask, several times per callback
            return self._now
        return self._now + self._offset(clock_id)

    def _offset(self, clock_id: int) -> int:
        if clock_id in (CLOCK_MONOTONIC, CLOCK_BOOTTIME):
            return 0
        if clock_id == CLOCK_REALTIME:
            return self._realtime_offset
        if clock_id == CLOCK_TAI:
            return self._realtime_offset + TAI_OFFSET_NS
        raise ValueError(f"unknown clock id {clock_id}")

    # -- deadlines -------------------------------------------------------------------------

    def set_fire(self, fire: Fire) -> None:
        """Set the function called with the key of each timer that falls due."""
        self._fire = fire

    def set_lane(self, lane: Lane | None) -> None:
        """Set what fires compiled callbacks natively before the clock fires them one by one
        (the timer table's native lane), or None."""
        self._lane = lane

    def arm(self, key: Hashable, expires_ns: int, clock_id: int = CLOCK_MONOTONIC, cpu: int = 0) -> None:
        """Make ``key`` fire when ``clock_id`` reaches ``expires_ns`` (replacing its old deadline).

        ``cpu`` does not matter here: every callback runs in the thread that moves the clock.
        """
        offset = 0 if clock_id == CLOCK_MONOTONIC else self._offset(clock_id)  # a start per callback
        with self._lock:
            # a monotonic deadline keeps the caller's int: one object per armed timer, not two
            self._deadlines.push(key, expires_ns - offset if offset else expires_ns)

    def disarm(self, key: Hashable) -> bool:
        """Forget the deadline of ``key``; True if it was armed."""
        with self._lock:
            return self._deadlines.discard(key)

    def expires(self, key: Hashable, clock_id: int = CLOCK_MONOTONIC) -> int | None:
        """When ``key`` fires on ``clock_id``'s scale, or None if it is not armed."""
        self._sync()
        with self._lock:
            at = self._deadlines.expiry(key)
        return None if at is None else at + self._offset(clock_id)

    @property
    def armed(self) -> int:
        """How many timers are armed."""
        self._sync()
        return len(self._deadlines)

    # -- moving ----------------------------------------------------------------------------

    def advance(self, ns: int) -> None:
        """Move forward ``ns`` nanoseconds, firing every timer due by the new time.

        Each callback sees the clock at its own expiry; callbacks that re-arm within the
        window fire within it. ``advance(0)`` fires what is due now.

        Raises:
            TypeError: ``ns`` is not an int.
            ValueError: ``ns`` is negative ("time can't go backwards").
            BpfRuntimeError: more than ``max_callbacks`` callbacks fired in this window.
        """
        check_duration(ns, "advance", "ns")
        self._sync()
        self._advance(ns, 0)

    def _advance(self, ns: int, fired: int) -> None:
        """:meth:`advance`, ``fired`` callbacks of this window having fired already."""
        with self._lock:
            target = self._now + ns
        lock, pop_due, fire, limit = self._lock, self._deadlines.pop_due, self._fire, self.max_callbacks
        lane = self._lane
        while True:
            if lane is not None and fired < limit:
                fired += lane(self._deadlines, lock, self._move, target, limit - fired, False)[0]
            # The lock guards the queue and the time, never a callback: callbacks take other
            # locks (the timer table's) that threads arming timers take before this one.
            with lock:
                due = pop_due(target)
                if due is None:
                    self._now = max(self._now, target)
                    return
                expires, key = due
                self._now = max(self._now, expires)
                fired += 1
                if fired > limit:
                    self._deadlines.push(key, expires)  # leave it armed, as it was
                    storm = BpfRuntimeError(
                        f"timer storm: more than {self.max_callbacks} callbacks in one advance, "
                        f"timer {self.describe(key)} keeps re-arming"
                    )
                    storm.timer = self.describe(key)
                    raise storm
            fire(key)

    def _move(self, t_ns: int) -> None:
        """Stand at ``t_ns`` if it is later (where the native lane's callbacks ran)."""
        with self._lock:
            self._now = max(self._now, t_ns)

    def run_until(self, t_ns: int) -> None:
        """Advance to MONOTONIC time ``t_ns``.

        Raises:
            TypeError: ``t_ns`` is not an int.
            ValueError: ``t_ns`` is in the past.
        """
        check_time(t_ns, "run_until", "t_ns")
        with self._lock:
            now = self._now
        if t_ns < now:
            raise ValueError(f"run_until: t_ns {t_ns} is before now ({now}): time can't go backwards")
        self.advance(t_ns - now)

    def run_until_idle(self, limit_ns: int) -> int:
        """Advance from expiry to expiry until no timer is armed or ``limit_ns`` has passed.

        Returns the nanoseconds that passed. The clock stops at the last expiry it fired, not
        at the limit, when the timers run out first.

        Raises:
            TypeError: ``limit_ns`` is not an int.
            ValueError: ``limit_ns`` is negative.
            BpfRuntimeError: more than ``max_callbacks`` callbacks fired at one expiry.
        """
        check_duration(limit_ns, "run_until_idle", "limit_ns")
        self._sync()
        with self._lock:
            start, deadline = self._now, self._now + limit_ns
        lane = self._lane
        while True:
            # The lane fires window after window while it can; a window it could not finish
            # goes on below with the callbacks it fired counted.
            window, in_window = -1, 0
            if lane is not None:
                _, window, in_window = lane(self._deadlines, self._lock, self._move, deadline, self.max_callbacks, True)
            # As in advance(): never hold the clock's lock while callbacks run, or a program
            # arming a timer on another thread (timer table lock, then this one) deadlocks us.
            with self._lock:
                first = self._deadlines.peek()
                if first is None or first[0] > deadline:
                    if first is not None:
                        self._now = max(self._now, deadline)
                    return self._now - start
                step = max(0, first[0] - self._now)
            self._advance(step, in_window if first[0] <= window else 0)
