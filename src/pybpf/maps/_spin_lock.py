"""The real locks behind ``bpf_spin_lock`` words.

A ``struct bpf_spin_lock`` is a 4-byte word inside a map value. Python cannot spin on that word
atomically, so each word address gets a real :class:`threading.Lock`. Both the
``bpf_spin_lock`` helpers and ``BPF_F_LOCK`` copies must take the lock from here, so that
they exclude each other as in the kernel.
"""

from __future__ import annotations

import threading
from collections import defaultdict

__all__ = ["spin_lock_at"]

_LOCKS: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_GUARD = threading.Lock()


def spin_lock_at(address: int) -> threading.Lock:
    """The lock standing for the ``bpf_spin_lock`` word at ``address``.

    Programs never hold two spin locks at once (the verifier forbids it), so these locks never
    nest and cannot deadlock each other.
    """
    with _GUARD:
        return _LOCKS[address]
