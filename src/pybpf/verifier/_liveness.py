"""Stack liveness: which stack slots of a checkpoint the paths below it read (the kernel's
``REG_LIVE_READ`` marks on stack slots), so that pruning ignores the slots nothing reads.

A read of a slot marks each checkpoint above the reading state, up to the first one whose
own path wrote that slot whole (the value read came from there) or that is already marked
(the ones above it were marked then). Registers need no such marks: their liveness is
computed once from the program (:func:`._prune.compute_liveness`).

Slots are bits of a Python int: bit ``frame * 64 + spi``, the 64 slots of each frame's 512
bytes; ``ALL_SLOTS`` stands for every slot of every frame.
"""

from __future__ import annotations

from typing import Final

from ._state import MAX_BPF_STACK, Checkpoint, State

__all__ = ["ALL_SLOTS", "frame_bits", "note_read", "note_write", "propagate_reads", "slot_bits"]

_SLOTS: Final = MAX_BPF_STACK // 8
ALL_SLOTS: Final = (1 << (_SLOTS * 10)) - 1
_FRAME: Final = (1 << _SLOTS) - 1


def slot_bits(frameno: int, lo: int, hi: int) -> int:
    """The slots holding the bytes ``[lo, hi)`` (relative to the frame pointer) of a frame."""
    first = max((-hi) // 8, 0)
    last = min((-lo - 1) // 8, _SLOTS - 1)
    if last < first:
        return 0
    return (((1 << (last - first + 1)) - 1) << first) << (frameno * _SLOTS)


def frame_bits(frameno: int) -> int:
    return _FRAME << (frameno * _SLOTS)


def note_write(st: State, frameno: int, lo: int, size: int) -> None:
    """A store of ``size`` bytes at fp+``lo``: a slot it fills whole no longer reads above."""
    if size == 8 and lo % 8 == 0:
        st.written |= slot_bits(frameno, lo, lo + 8)


def note_read(st: State, bits: int) -> None:
    """The path of ``st`` reads the slots ``bits``: mark the checkpoints the values came from."""
    bits &= ~st.written
    cp = st.parent
    while bits and cp is not None:
        bits &= (1 << (len(cp.state.frames) * _SLOTS)) - 1  # frames that did not exist yet
        new = bits & ~cp.reads
        if not new:
            return
        cp.reads |= new
        bits = new & ~cp.written
        cp = cp.parent


def propagate_reads(old: Checkpoint, st: State) -> None:
    """``st`` was pruned by ``old``: what the paths below ``old`` read, ``st``'s would too."""
    if old.reads:
        note_read(st, old.reads)
