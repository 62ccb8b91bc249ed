"""The runtime as helpers see it (:class:`pybpf.helpers.HelperHost`), and the trace buffer."""

from __future__ import annotations

import os
import random
import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, final

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["DEFAULT_TRACE_LINES", "Host", "TraceRecord"]

DEFAULT_TRACE_LINES = 65536  #: trace lines a runtime keeps by default


@final
@dataclass(frozen=True)
class TraceRecord:
    """One ``bpf_trace_printk`` line, with what ``trace_pipe`` would show beside it."""

    timestamp_ns: int
    cpu: int
    pid: int
    task: str
    message: str


class Host:
    """Answers helper calls from the state of one :class:`Runtime`."""

    def __init__(self, runtime: Runtime, seed: int | None, trace_limit: int = DEFAULT_TRACE_LINES) -> None:
        self._runtime = runtime
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        #: the latest trace lines: a ring, as the kernel's trace buffer is
        self.trace_records: deque[TraceRecord] = deque(maxlen=max(1, trace_limit))
        #: lines dropped from the front of the ring to make room
        self.trace_lost = 0
        self.timers: Any = None  # the runtime's TimerTable, set once it exists
        self._trace_lock = threading.Lock()

    def map_at(self, address: int) -> Any | None:
        """The live map of this runtime whose pointer is ``address``."""
        return self._runtime._maps_by_address.get(address)

    def now_ns(self, clock_id: int) -> int:
        """The runtime clock's time of ``clock_id``."""
        return self._runtime.clock.now(clock_id)

    def trace(self, cpu: int, message: str) -> None:
        """Record a trace line, time-stamped by the runtime's clock."""
        record = TraceRecord(
            self._runtime.clock.now(), cpu, os.getpid(), threading.current_thread().name[:16], message
        )
        with self._trace_lock:
            if len(self.trace_records) == self.trace_records.maxlen:
                self.trace_lost += 1
            self.trace_records.append(record)

    def prandom_u32(self) -> int:
        """The next number of the runtime's generator (reproducible with a seed)."""
        with self._rng_lock:
            return self._rng.getrandbits(32)

    def pid_tgid(self) -> int:
        """The host process id as tgid and the calling thread's id as pid."""
        return (os.getpid() << 32) | (threading.get_native_id() & 0xFFFF_FFFF)

    def ringbuf_of(self, record: int) -> int:
        """The pointer of the ring buffer map whose data region holds ``record``."""
        for m in self._runtime._maps_by_address.values():
            if hasattr(m, "reserve") and any(r.contains(record, 1) for r in m.regions()):
                return m.address  # type: ignore[no-any-return]
        return 0
