"""The host's clocks: the only module of pybpf that reads host time.

``advance(ns)`` sleeps, so code written against a virtual clock runs unchanged on the real one.
"""

from __future__ import annotations

import time

from ._clock import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_TAI, Clock

__all__ = ["RealClock"]

_HOST_CLOCKS = {
    CLOCK_REALTIME: time.CLOCK_REALTIME,
    CLOCK_MONOTONIC: time.CLOCK_MONOTONIC,
    CLOCK_BOOTTIME: getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC),
    CLOCK_TAI: getattr(time, "CLOCK_TAI", time.CLOCK_REALTIME),
}


class RealClock(Clock):
    """Host time for every clock id; :meth:`advance` sleeps."""

    def now(self, clock_id: int = CLOCK_MONOTONIC) -> int:
        """The host's current time of ``clock_id`` in nanoseconds."""
        try:
            host_id = _HOST_CLOCKS[clock_id]
        except KeyError:
            raise ValueError(f"unknown clock id {clock_id}") from None
        return time.clock_gettime_ns(host_id)

    def advance(self, ns: int) -> None:
        """Sleep ``ns`` nanoseconds.

        Raises:
            ValueError: ``ns`` is negative ("time can't go backwards").
        """
        if ns < 0:
            raise ValueError("time can't go backwards")
        time.sleep(ns / 1e9)
