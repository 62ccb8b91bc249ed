"""The order in which a hash map's keys are walked, kept while keys come and go.

The kernel walks a hash map bucket by bucket, both for ``BPF_MAP_GET_NEXT_KEY`` and for
``bpf_for_each_map_elem``; a key keeps its place while it lives, and a key that is gone is
"not found", so ``get_next_key`` of it starts again from the first key. pybpf's buckets are the
order keys arrived in: a :class:`WalkOrder` lists them, appends each new key, and leaves a
deleted key where it was, dead, to be skipped. So a walk that deletes as it goes (from Python,
or from a ``bpf_for_each_map_elem`` callback) costs linear time, not a rebuild per deletion:
the dead entries are dropped in one pass once they outnumber the live keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import final

__all__ = ["WalkOrder"]

_SLACK = 64  #: dead entries always tolerated before a rebuild


@final
class WalkOrder:
    """Every key of a map in walk order, in step with ``live`` (the map's key -> slot index).

    The owner calls :meth:`add` for each new key, under its lock, and nothing when a key goes:
    an entry is live while its key is in ``live`` and this is the key's latest place.
    """

    __slots__ = ("_at", "_first", "_keys", "_live")

    def __init__(self, live: Mapping[bytes, int]) -> None:
        self._live = live
        self._keys: list[bytes] = list(live)
        self._at: dict[bytes, int] = {key: i for i, key in enumerate(self._keys)}
        self._first = 0  #: no live entry comes before this one

    def _alive(self, i: int) -> bool:
        key = self._keys[i]
        return key in self._live and self._at.get(key) == i

    def add(self, key: bytes) -> None:
        """``key`` just arrived (or came back): it goes last."""
        if len(self._keys) > 2 * len(self._live) + _SLACK:
            self._compact()
        self._at[key] = len(self._keys)
        self._keys.append(key)

    def _compact(self) -> None:
        """Drop the dead entries, keeping the order of the live ones."""
        self._keys = [key for i, key in enumerate(self._keys) if self._alive(i)]
        self._at = {key: i for i, key in enumerate(self._keys)}
        self._first = 0

    def _live_from(self, i: int) -> bytes | None:
        keys = self._keys
        while i < len(keys) and not self._alive(i):
            i += 1
        return keys[i] if i < len(keys) else None

    def after(self, key: bytes | None) -> bytes | None:
        """The live key after ``key``; the first one if ``key`` is None or gone; None at the end."""
        if key is not None and key in self._live:
            return self._live_from(self._at[key] + 1)
        keys = self._keys
        while self._first < len(keys) and not self._alive(self._first):
            self._first += 1  # a dead entry never lives again: skip it once
        return keys[self._first] if self._first < len(keys) else None

    def live_keys(self) -> list[bytes]:
        """The live keys in walk order (a snapshot)."""
        return [key for i, key in enumerate(self._keys) if self._alive(i)]
