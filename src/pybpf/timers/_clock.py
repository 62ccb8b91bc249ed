"""What a clock is to pybpf: the time of each clock id, and the driver of due timers.

A :class:`Clock` tells the time of CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME and
CLOCK_TAI (``bpf_ktime_get_*`` read it) and decides when armed timers fire: a virtual clock fires
them when told to move, a real clock from worker threads as host time passes. Both expose
``advance(ns)`` so the same test code runs on either.
"""

from __future__ import annotations

import abc

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
