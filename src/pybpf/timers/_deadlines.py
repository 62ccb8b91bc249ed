"""A queue of deadlines: which armed timer expires next.

A heap of ``(expires_ns, sequence, key)`` entries: the sequence number breaks ties in the order
the timers were started. Re-arming or cancelling a key does not search the heap; the old entry
is left in place and skipped when it reaches the top (lazy deletion), because each key
remembers its live entry: the very tuple in the heap, so an armed timer costs one tuple and one
dictionary slot, nothing more (a million armed timers are a million entries). When stale entries outnumber live ones the heap is
rebuilt from the live ones, so a timer re-armed millions of times costs one entry, not millions:
memory stays proportional to the armed timers.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable
from typing import Generic, TypeVar, final

__all__ = ["Deadlines"]

K = TypeVar("K", bound=Hashable)
_SLACK = 64  #: stale entries always tolerated before a rebuild


@final
class Deadlines(Generic[K]):
    """Deadlines by key; at most one is live per key."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, K]] = []
        self._live: dict[K, tuple[int, int, K]] = {}  # key -> its live entry in the heap
        self._sequence = itertools.count()

    def push(self, key: K, expires_ns: int) -> None:
        """Arm ``key`` to expire at ``expires_ns``, replacing any deadline it had."""
        entry = (expires_ns, next(self._sequence), key)
        self._live[key] = entry
        heapq.heappush(self._heap, entry)
        if len(self._heap) > 2 * len(self._live) + _SLACK:
            self._compact()

    def _compact(self) -> None:
        """Rebuild the heap from the live entries only."""
        self._heap = list(self._live.values())
        heapq.heapify(self._heap)

    def discard(self, key: K) -> bool:
        """Forget the deadline of ``key``; True if it had one."""
        return self._live.pop(key, None) is not None

    def __contains__(self, key: object) -> bool:
        return key in self._live

    def __len__(self) -> int:
        return len(self._live)

    def _skip_stale(self) -> None:
        heap = self._heap
        while heap and self._live.get(heap[0][2]) is not heap[0]:
            heapq.heappop(heap)

    def peek(self) -> tuple[int, K] | None:
        """The earliest live deadline as ``(expires_ns, key)``, or None."""
        self._skip_stale()
        if not self._heap:
            return None
        expires, _, key = self._heap[0]
        return expires, key

    def pop_due(self, now_ns: int) -> tuple[int, K] | None:
        """Remove and return the earliest deadline as ``(expires_ns, key)`` if it is at or
        before ``now_ns``: once per callback, so one pass and no other call."""
        heap, live = self._heap, self._live
        while heap:
            entry = heap[0]
            if live.get(entry[2]) is not entry:  # stale: re-armed or cancelled since
                heapq.heappop(heap)
            elif entry[0] > now_ns:
                return None
            else:
                heapq.heappop(heap)
                del live[entry[2]]
                return entry[0], entry[2]
        return None

    def peek_entry(self) -> tuple[int, int, K] | None:
        """The earliest live entry as ``(expires_ns, sequence, key)``, or None."""
        self._skip_stale()
        return self._heap[0] if self._heap else None

    def pop_entry(self) -> None:
        """Remove the earliest live entry (after :meth:`peek_entry` found one)."""
        entry = heapq.heappop(self._heap)
        del self._live[entry[2]]

    def restore(self, key: K, expires_ns: int, sequence: int) -> None:
        """Arm ``key`` again with an entry taken off earlier (its place among equal deadlines
        is its ``sequence``): the native timer lane gives back what it did not fire."""
        entry = (expires_ns, sequence, key)
        self._live[key] = entry
        heapq.heappush(self._heap, entry)

    def take_sequence(self) -> int:
        """The next sequence number, for entries armed elsewhere (see :meth:`resume_sequence`)."""
        return next(self._sequence)

    def resume_sequence(self, sequence: int) -> None:
        """Number later entries from ``sequence`` on: the lane used those before it."""
        self._sequence = itertools.count(sequence)

    def expiry(self, key: K) -> int | None:
        """When ``key`` expires, or None if it is not armed."""
        live = self._live.get(key)
        return None if live is None else live[0]

    def heap_size(self) -> int:
        """Entries in the heap, stale ones included (at most about twice the live ones)."""
        return len(self._heap)
