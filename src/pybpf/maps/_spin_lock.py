"""The real locks behind ``bpf_spin_lock`` words.

A ``struct bpf_spin_lock`` is a 4-byte word inside a map value, hidden from programs. Python
cannot spin on that word atomically, so each word address gets a :class:`SpinLock`. Both the
``bpf_spin_lock`` helpers and ``BPF_F_LOCK`` copies must take the lock from here, so that
they exclude each other as in the kernel.

A lock knows the thread holding it, so that taking it again from that thread (which would wait
for ever) fails at once instead. The runs of programs release what they hold when they end
(:attr:`pybpf.engine.ExecContext.held`), so no lock outlives the run that took it and user
space never waits on a lock a finished run left behind.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import final

from ..engine import BpfRuntimeError

__all__ = ["SpinLock", "spin_lock_at"]


@final
class SpinLock:
    """One ``bpf_spin_lock``: a real lock that knows which thread holds it."""

    __slots__ = ("_lock", "holder")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.holder: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting while another thread holds it.

        Raises:
            BpfRuntimeError: this thread holds it already (waiting would never end).
        """
        me = threading.get_ident()
        if self.holder == me:
            raise BpfRuntimeError("bpf_spin_lock: lock taken twice by one thread")
        self._lock.acquire()
        self.holder = me

    def release(self) -> None:
        """Give the lock back.

        Raises:
            BpfRuntimeError: this thread does not hold it.
        """
        if self.holder != threading.get_ident():
            raise BpfRuntimeError("bpf_spin_unlock: lock not held by this thread")
        self.holder = None
        self._lock.release()

    def locked(self) -> bool:
        """Whether some thread holds the lock."""
        return self._lock.locked()

    def __enter__(self) -> SpinLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_LOCKS: defaultdict[int, SpinLock] = defaultdict(SpinLock)
_GUARD = threading.Lock()


def spin_lock_at(address: int) -> SpinLock:
    """The lock standing for the ``bpf_spin_lock`` word at ``address``.

    A run holds at most one spin lock at a time (the verifier's rule, which the helpers also
    enforce at run time), so these locks never nest and cannot deadlock each other.
    """
    with _GUARD:
        return _LOCKS[address]
