"""What a clock is to pybpf: the time of each clock id, and the driver of due timers.

A :class:`Clock` tells the time of CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME and
CLOCK_TAI (``bpf_ktime_get_*`` read it) and decides when armed timers fire: a virtual clock fires
them when told to move, a real clock from worker threads as host time passes. Both expose
``advance(ns)`` so the same test code runs on either.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Hashable

__all__ = ["CLOCK_BOOTTIME", "CLOCK_MONOTONIC", "CLOCK_REALTIME", "CLOCK_TAI", "TAI_OFFSET_NS", "Clock"]

CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_BOOTTIME = 7
CLOCK_TAI = 11

SECOND = 1_000_000_000
TAI_OFFSET_NS = 37 * SECOND  #: TAI runs ahead of UTC by 37 s (since 2017)


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
