"""The real locks behind ``bpf_spin_lock`` words.

A ``struct bpf_spin_lock`` is a 4-byte word inside a map value (or an allocated object), hidden
from programs and from user space's reads. The word itself is the lock, as in the kernel: 0
free, 1 held. Compiled code takes and gives it with atomic instructions (:mod:`._lockgen`); the
Python side does the same through the native map module's ``nm_trylock``/``nm_unlock``, or,
where there is no native code (llvmlite missing, ``PYBPF_NATIVE_MAPS=0``), by flipping the word
while no native code can touch it. So the ``bpf_spin_lock`` helper of either engine, the
compiled lock and user space's ``BPF_F_LOCK`` copies all exclude each other.

Each word address gets a :class:`SpinLock`, which queues the Python threads waiting for the
word (a waiter polls it with the GIL released, since the holder may be native code that never
looks at Python objects) and knows the thread holding it, so that taking it again from that
thread (which would wait for ever) fails at once instead. The runs of programs release what
they hold when they end (:attr:`pybpf.engine.ExecContext.held`), so no lock outlives the run
that took it and user space never waits on a lock a finished run left behind.

While compiled code runs, the lock its run holds is named by the run's native state, not by
``ExecContext.held``: :func:`hand_to_native` and :func:`take_from_native` move it across as
control crosses between Python and native code.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
from typing import Any, final

from ._errors import BpfRuntimeError
from ._native import native_map_ops

__all__ = ["SpinLock", "hand_to_native", "spin_lock_at", "take_from_native"]


def _word_operations(address: int) -> tuple[Callable[[], bool], Callable[[], None]]:
    """Take (if free) and give the word at ``address``: atomically where native code may
    use it too, else plain stores made under the lock's queue."""
    ops = native_map_ops()
    if ops is not None:
        trylock, unlock = ops.trylock, ops.unlock

        def take_atomically() -> bool:
            return trylock(address) == 1

        def give_atomically() -> None:
            unlock(address)

        return take_atomically, give_atomically
    word = ctypes.c_uint32.from_address(address)

    def take() -> bool:
        if word.value:
            return False
        word.value = 1
        return True

    def give() -> None:
        word.value = 0

    return take, give


@final
class SpinLock:
    """One ``bpf_spin_lock``: the word at ``address``, and which thread holds it."""

    __slots__ = ("_give", "_queue", "_take", "_word", "address", "holder")

    def __init__(self, address: int) -> None:
        self.address = address
        self._word = ctypes.c_uint32.from_address(address)
        self._take, self._give = _word_operations(address)
        self._queue = threading.Lock()
        self.holder: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting while another thread (or native code) holds it.

        Raises:
            BpfRuntimeError: this thread holds it already (waiting would never end).
        """
        me = threading.get_ident()
        if self.holder == me:
            raise BpfRuntimeError("bpf_spin_lock: lock taken twice by one thread")
        with self._queue:
            while not self._take():
                time.sleep(0)  # lets the holder, which may need the GIL, go on
        self.holder = me

    def release(self) -> None:
        """Give the lock back.

        Raises:
            BpfRuntimeError: this thread does not hold it.
        """
        if self.holder != threading.get_ident():
            raise BpfRuntimeError("bpf_spin_unlock: lock not held by this thread")
        self.holder = None
        self._give()

    def locked(self) -> bool:
        """Whether some thread holds the lock."""
        return bool(self._word.value)

    def __enter__(self) -> SpinLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_LOCKS: dict[int, SpinLock] = {}
_GUARD = threading.Lock()


def spin_lock_at(address: int) -> SpinLock:
    """The lock standing for the ``bpf_spin_lock`` word at ``address``.

    A run holds at most one spin lock at a time (the verifier's rule, which the helpers also
    enforce at run time), so these locks never nest and cannot deadlock each other.
    """
    with _GUARD:
        found = _LOCKS.get(address)
        if found is None:
            found = _LOCKS[address] = SpinLock(address)
        return found


def hand_to_native(held: list[Any]) -> int:
    """Native code is about to run for a context holding ``held``: the address of the word
    it holds (0: none), for the run's native state. The lock no longer belongs to this
    thread's Python side, whose checks must not see it while native code may give it back."""
    if not held:
        return 0
    lock: SpinLock = held.pop()
    lock.holder = None
    return lock.address


def take_from_native(held: list[Any], address: int) -> None:
    """Native code of a run holding the word at ``address`` calls into Python, or ends:
    the lock becomes this thread's again, in ``held``."""
    lock = spin_lock_at(address)
    lock.holder = threading.get_ident()
    held.append(lock)
