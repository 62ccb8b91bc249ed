"""What a clock is to pybpf: the time of each clock id, and the driver of due timers.

A :class:`Clock` tells the time of CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME and
CLOCK_TAI (``bpf_ktime_get_*`` read it) and decides when armed timers fire: a virtual clock fires
them when told to move, a real clock from worker threads as host time passes. Both expose
``advance(ns)`` so the same test code runs on either.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Hashable

__all__ = [
    "CLOCK_BOOTTIME",
    "CLOCK_MONOTONIC",
    "CLOCK_REALTIME",
    "CLOCK_TAI",
    "TAI_OFFSET_NS",
    "Clock",
    "check_duration",
    "check_time",
]

CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_BOOTTIME = 7
CLOCK_TAI = 11

SECOND = 1_000_000_000
TAI_OFFSET_NS = 37 * SECOND  #: TAI runs ahead of UTC by 37 s (since 2017)


def check_time(value: object, call: str, name: str) -> int:
    """``value`` as a time argument of ``call``: an int of nanoseconds.

    Python code computes times with floats all too easily (``1.5 * SECOND``); a float reaching
    a program's clock would surface much later, deep inside a run. So it stops here.

    Raises:
        TypeError: ``value`` is not an int (a bool is not a time either).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        hint = f" (use int({value!r}))" if isinstance(value, float) and value.is_integer() else ""
        raise TypeError(f"{call}: {name} must be an int of nanoseconds, not {type(value).__name__}{hint}")
    return value


def check_duration(value: object, call: str, name: str) -> int:
    """``value`` as a duration argument of ``call``: an int of nanoseconds, never negative.

    Raises:
        TypeError: ``value`` is not an int.
        ValueError: ``value`` is negative ("time can't go backwards").
    """
    ns = check_time(value, call, name)
    if ns < 0:
        raise ValueError(f"{call}: {name} is {ns}: time can't go backwards")
    return ns


class Clock(abc.ABC):
    """The interface every clock offers the runtime."""

    @abc.abstractmethod
    def now(self, clock_id: int = CLOCK_MONOTONIC) -> int:
        """The current time of ``clock_id`` in nanoseconds.

        Raises:
            ValueError: ``clock_id`` is not one of the four clocks.
        """

    @abc.abstractmethod
    def advance(self, ns: int) -> None:
        """Let ``ns`` nanoseconds pass, firing the timers that fall due."""

    @abc.abstractmethod
    def set_fire(self, fire: Callable[[Hashable], None]) -> None:
        """Set the function the clock calls with the key of each timer that falls due."""

    @abc.abstractmethod
    def arm(self, key: Hashable, expires_ns: int, clock_id: int = CLOCK_MONOTONIC, cpu: int = 0) -> None:
        """Make ``key`` fall due when ``clock_id`` reaches ``expires_ns`` (replacing any deadline),
        on virtual CPU ``cpu`` where the clock has per-CPU timer bases."""

    @abc.abstractmethod
    def disarm(self, key: Hashable) -> bool:
        """Forget the deadline of ``key``; True if it had one."""

    def set_describe(self, describe: Callable[[Hashable], str]) -> None:
        """Set how the clock's messages name the timer behind a key (``flows[7]`` rather than
        an internal id); ``str`` until set."""
        self._describer = describe

    def set_sync(self, sync: Callable[[], None]) -> None:
        """Set what the clock calls before it looks at its deadlines (the timer table applying
        arming it has not made yet, see ``pybpf.timers._desk``); only a clock whose timers the
        desk may serve (the virtual one) needs to call it."""
        self._sync = sync

    def describe(self, key: Hashable) -> str:
        """The name messages give the timer behind ``key``."""
        describer: Callable[[Hashable], str] = getattr(self, "_describer", str)
        return describer(key)
