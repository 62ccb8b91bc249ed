"""A progress line for long ``--advance`` steps, on a terminal only.

Hours of virtual time full of timers can take a while to simulate. When standard error is a
terminal and a step has run for more than :data:`QUIET_SECONDS`, one line, rewritten in place,
says how far virtual time has got and how many callbacks fired; it is erased when the step
ends. Piped or redirected, the command prints nothing of it, so its output stays the same.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["QUIET_SECONDS", "STEPS", "Progress"]

QUIET_SECONDS = 1.0  #: how long a step runs before the line appears
STEPS = 100  #: an advance is simulated in this many slices, so the line can move
_REDRAW_SECONDS = 0.2


class Progress:
    """The progress line of one ``--advance`` step (see the module docstring)."""

    def __init__(self, label: str, start_ns: int, total_ns: int, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.label = label
        self.start_ns = start_ns
        self.total_ns = total_ns
        self._began = time.perf_counter()
        self._drawn_at: float | None = None

    def update(self, now_ns: int, fired: int) -> None:
        """Redraw the line, if it is time to: virtual time reached, share done, callbacks."""
        if not self.enabled:
            return
        wall = time.perf_counter()
        if wall - self._began < QUIET_SECONDS:
            return
        if self._drawn_at is not None and wall - self._drawn_at < _REDRAW_SECONDS:
            return
        done = now_ns - self.start_ns
        share = 100 * done // self.total_ns if self.total_ns else 100
        callbacks = f"{fired} callback{'' if fired == 1 else 's'}"
        self.stream.write(f"\r{self.label}: virtual time {now_ns}ns ({share}%), {callbacks} fired\x1b[K")
        self.stream.flush()
        self._drawn_at = wall

    def close(self) -> None:
        """Erase the line, if one was drawn."""
        if self._drawn_at is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
