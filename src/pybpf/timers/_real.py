"""The host's clocks: the only module of pybpf that reads host time.

Armed timers wait on worker threads, one per virtual CPU, each with its own deadline heap, as
the kernel keeps one hrtimer base per CPU: callbacks of timers on different CPUs run at once,
and a timer fires on the CPU it was started on. ``advance(ns)`` sleeps while the workers fire,
so code written against a virtual clock runs unchanged on the real one.

Nothing kills a worker: an error in a callback, or in the worker's own bookkeeping, is kept in
:attr:`errors`, the runtime re-raises it in the user's thread at its next call that lets time
pass, and the worker goes on serving the other timers. A far-future deadline only makes the
worker wake up once an hour to look again.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import final

from ._clock import (
    CLOCK_BOOTTIME,
    CLOCK_MONOTONIC,
    CLOCK_REALTIME,
    CLOCK_TAI,
    Clock,
    check_duration,
)
from ._deadlines import Deadlines

__all__ = ["RealClock"]

MAX_WAIT_S = 3600.0  #: the longest a worker sleeps before it looks at its deadlines again
MAX_ERRORS = 100  #: errors kept for the user's thread until it lets time pass
LATENCY_SAMPLES = 4096  #: how many of the latest firing latencies a clock keeps

_HOST_CLOCKS = {
    CLOCK_REALTIME: time.CLOCK_REALTIME,
    CLOCK_MONOTONIC: time.CLOCK_MONOTONIC,
    CLOCK_BOOTTIME: getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC),
    CLOCK_TAI: getattr(time, "CLOCK_TAI", time.CLOCK_REALTIME),
}


class _Worker:
    """One virtual CPU's timer base: a deadline heap and the thread that fires it."""

    def __init__(self, clock: RealClock, cpu: int) -> None:
        self.clock = clock
        self.deadlines: Deadlines[Hashable] = Deadlines()
        self.wake = threading.Condition(clock._lock)
        self.thread = threading.Thread(target=self._loop, name=f"pybpf-cpu{cpu}", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        clock = self.clock
        while not clock._closed:
            try:
                self._step()
            except Exception as err:  # noqa: BLE001 - kept and re-raised in the user's thread
                with clock._lock:
                    if len(clock.errors) < MAX_ERRORS:  # the first ones tell the story
                        clock.errors.append(err)

    def _step(self) -> None:
        """Wait for the first deadline, then fire it (and note how late it fired)."""
        clock = self.clock
        with clock._lock:
            while not clock._closed:
                first = self.deadlines.peek()
                now = clock.now()
                if first is not None and first[0] <= now:
                    break
                timeout = MAX_WAIT_S if first is None else min(MAX_WAIT_S, (first[0] - now) / 1e9)
                self.wake.wait(timeout)
            if clock._closed:
                return
            due = self.deadlines.pop_due(clock.now())
            if due is None:
                return
            expires, key = due
            clock._where.pop(key, None)
            clock._firing += 1
        try:
            clock.latencies_ns.append(clock.now() - expires)
            clock._fire(key)
        finally:
            with clock._lock:
                clock._firing -= 1
                clock._idle.notify_all()


@final
class RealClock(Clock):
    """Host time for every clock id; armed timers fire from worker threads.

    Args:
        ncpus: how many worker threads (virtual CPUs) there may be; started on first use.
    """

    def __init__(self, ncpus: int = 2) -> None:
        self.ncpus = ncpus
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._workers: dict[int, _Worker] = {}
        self._where: dict[Hashable, int] = {}  # armed key -> the CPU whose heap holds it
        self._fire: Callable[[Hashable], None] = lambda key: None
        self._firing = 0
        self._closed = False
        #: errors raised by callbacks on worker threads, oldest first
        self.errors: list[BaseException] = []
        #: how late each of the latest timers fired, in nanoseconds (for latency measurements)
        self.latencies_ns: deque[int] = deque(maxlen=LATENCY_SAMPLES)

    def now(self, clock_id: int = CLOCK_MONOTONIC) -> int:
        """The host's current time of ``clock_id`` in nanoseconds."""
        try:
            host_id = _HOST_CLOCKS[clock_id]
        except KeyError:
            raise ValueError(f"unknown clock id {clock_id}") from None
        return time.clock_gettime_ns(host_id)

    def set_fire(self, fire: Callable[[Hashable], None]) -> None:
        """Set the function workers call with each key that falls due."""
        self._fire = fire

    def arm(self, key: Hashable, expires_ns: int, clock_id: int = CLOCK_MONOTONIC, cpu: int = 0) -> None:
        """Fire ``key`` on ``cpu``'s worker when ``clock_id`` reaches ``expires_ns``."""
        monotonic = expires_ns - (self.now(clock_id) - self.now(CLOCK_MONOTONIC))
        with self._lock:
            self._discard(key)
            worker = self._worker(cpu % self.ncpus)
            worker.deadlines.push(key, monotonic)
            self._where[key] = cpu % self.ncpus
            worker.wake.notify()

    def disarm(self, key: Hashable) -> bool:
        """Forget the deadline of ``key``; True if it had not fired yet."""
        with self._lock:
            return self._discard(key)

    def _discard(self, key: Hashable) -> bool:
        cpu = self._where.pop(key, None)
        return cpu is not None and self._workers[cpu].deadlines.discard(key)

    def _worker(self, cpu: int) -> _Worker:
        worker = self._workers.get(cpu)
        if worker is None:
            worker = self._workers[cpu] = _Worker(self, cpu)
        return worker

    @property
    def armed(self) -> int:
        """How many timers are armed."""
        with self._lock:
            return len(self._where)

    def advance(self, ns: int) -> None:
        """Sleep ``ns`` nanoseconds while the workers fire what falls due.

        Raises:
            TypeError: ``ns`` is not an int.
            ValueError: ``ns`` is negative ("time can't go backwards").
        """
        check_duration(ns, "advance", "ns")
        time.sleep(ns / 1e9)

    def run_until_idle(self, limit_ns: int) -> int:
        """Wait until no timer is armed or firing, or ``limit_ns`` has passed; returns the wait.

        Raises:
            TypeError: ``limit_ns`` is not an int.
            ValueError: ``limit_ns`` is negative.
        """
        check_duration(limit_ns, "run_until_idle", "limit_ns")
        start = self.now()
        deadline = start + limit_ns
        with self._lock:
            while (self._where or self._firing) and self.now() < deadline:
                self._idle.wait(min(0.001, (deadline - self.now()) / 1e9))
        return self.now() - start

    def close(self) -> None:
        """Stop the workers; armed timers never fire."""
        with self._lock:
            self._closed = True
            self._where.clear()
            for worker in self._workers.values():
                worker.wake.notify_all()
        for worker in self._workers.values():
            if worker.thread is not threading.current_thread():
                worker.thread.join(timeout=5)
