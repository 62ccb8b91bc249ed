"""Per-run state: the stack, the regions one run may use, the instruction budget.

Generated code reaches memory only through the accessors of an :class:`ExecContext`
(``ld1``..``ld8``, ``st1``..``st8``, :meth:`ExecContext.atomic`...). Each frame depth has its
own set of accessors (:attr:`ExecContext.frames`), bound to the stack from that frame's bottom
to the top: a function sees its own frame and its callers' (which callees write through
pointers they were given), never the frames below it, whatever a stale pointer says. An access
off the active stack goes to the window the run used last, then to the run's private regions
(context, packet, reserved ring-buffer records, a callback's key), then to the shared
:class:`AddressSpace` as the program's :class:`Visibility` allows; anything else is an
:class:`OutOfBoundsError` naming the PC.

Contexts are pooled per thread, so a run on one thread never sees another thread's stack, and
nested runs on one thread (a program triggering another) each get their own.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable
from typing import Any, final

from ._errors import BpfRuntimeError, InstructionLimitError, OutOfBoundsError
from ._memory import EVERYTHING, AddressSpace, Region, Visibility

__all__ = [
    "MAX_CALL_FRAMES", "NETWORK_HEADER", "SKF_LL_OFF", "SKF_NET_OFF", "STACK_SIZE", "ExecContext", "PacketAbort", "Thrown",
    "forget_windows", "frame_offset",
]

STACK_SIZE = 512  #: bytes of stack per frame (the kernel's MAX_BPF_STACK)
MAX_CALL_FRAMES = 8  #: frames a run may nest, the main program included (MAX_CALL_FRAMES)

_FORMATS = {1: struct.Struct("<B"), 2: struct.Struct("<H"), 4: struct.Struct("<I"), 8: struct.Struct("<Q")}
_MASKS = {1: 0xFF, 2: 0xFFFF, 4: 0xFFFF_FFFF, 8: 0xFFFF_FFFF_FFFF_FFFF}
_BIG = {1: struct.Struct(">B"), 2: struct.Struct(">H"), 4: struct.Struct(">I"), 8: struct.Struct(">Q")}
_ATOMIC_LOCK = threading.Lock()


_ZERO_STACK = bytes(STACK_SIZE * MAX_CALL_FRAMES)

MAX_TAIL_CALLS = 33  #: tail calls one run may chain (the kernel's MAX_TAIL_CALL_CNT)


class TailCall(Exception):
    """Raised by bpf_tail_call to replace the running program with ``engine`` (from PC 0).

    The run's frames unwind and the new program starts with the same context argument,
    the same stack and the same budget, as in the kernel.
    """

    def __init__(self, engine: Any, r1: int) -> None:
        super().__init__()
        self.engine = engine
        self.r1 = r1


class PacketAbort(Exception):
    """A legacy packet load went past the packet: the kernel ends the program with 0."""


class Thrown(Exception):
    """Raised by bpf_throw: every frame of the run unwinds and the program returns ``cookie``,
    as the kernel's default exception callback makes it (libbpf 1.1 cannot give a program a
    callback of its own: see :mod:`pybpf.verifier._exceptions`)."""

    def __init__(self, cookie: int) -> None:
        super().__init__()
        self.cookie = cookie


SKF_NET_OFF = -0x100000  #: legacy loads at this offset + k read k bytes past the network header
SKF_LL_OFF = -0x200000  #: and at this one + k, k bytes past the MAC header
NETWORK_HEADER = 14  #: where the kernel's test runs put the network header: past Ethernet


def frame_offset(offset: int, head: int) -> int:
    """Where in the frame (from its MAC header) a legacy load at ``offset`` reads, negative
    when nowhere. As the kernel's ``bpf_skb_load_helper``: the offset is a signed 32-bit
    number; from 0 it counts from the program's packet start, ``head`` bytes into the frame;
    from SKF_NET_OFF from the network header and from SKF_LL_OFF from the MAC header (the
    frame's start; the kernel refuses the headroom before it); below that, nowhere."""
    offset = ((offset & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000
    if offset >= 0:
        return head + offset
    if offset >= SKF_NET_OFF:
        return offset - SKF_NET_OFF + NETWORK_HEADER
    return offset - SKF_LL_OFF


MAY_GOTO_BUDGET = 8 * 1024 * 1024  #: BPF_MAX_LOOPS: the kernel's budget of may_goto iterations


@final
class ExecContext:
    """Everything one run needs besides its code. Engines create these; helpers receive one.

    Attributes helpers may use: ``space`` (shared regions), ``visible`` (what of it this run's
    program may address), ``private`` (this run's regions), ``packet`` (the packet region for
    legacy loads, or None), ``cpu``, ``runtime`` and ``program`` (opaque to the engine: set by
    whoever starts the run).
    """

    def __init__(self, space: AddressSpace) -> None:
        self.space = space
        self.visible: Visibility = EVERYTHING
        self.stack = Region(STACK_SIZE * MAX_CALL_FRAMES, "stack")
        self.private: tuple[Region, ...] = ()
        self.packet: Region | None = None
        #: bytes of ``packet`` (which starts at the MAC header) before the program's packet start
        self.packet_head = 0
        self.cpu = 0
        self.runtime: Any = None
        self.program: Any = None
        #: the engine running this context (helpers call back into the program through it)
        self.engine: Any = None
        #: the JIT's native state for this context, made on its first compiled run
        self.native: Any = None
        #: tail calls taken so far in this run
        self.tail_calls = 0
        #: what the run holds and must give back (``bpf_spin_lock``s: objects with
        #: ``release()``); the engine releases them when the run ends, and a run that
        #: returns holding one faults
        self.held: list[Any] = []
        #: what to undo if the run ends without doing it itself, by what it is about (a ring
        #: buffer record left reserved is discarded): run by the pool when the run ends
        self.finalizers: dict[object, Callable[[], None]] = {}
        self.n = 0  # instructions executed so far in this run
        #: iterations ``may_goto`` still allows in this run (the kernel's BPF_MAX_LOOPS)
        self.may_goto_left = MAY_GOTO_BUDGET
        self.limit = 0
        #: the frame pointer of the main program: the top of the stack
        self.top = self.stack.end
        #: the frame pointer of the frame that called the current helper (or ran an atomic):
        #: helpers see the stack from the bottom of that frame up
        self.fp = self.top
        #: a call from a frame whose pointer is below this would exceed MAX_CALL_FRAMES
        self.min_caller_fp = self.stack.base + 2 * STACK_SIZE
        #: the last window off the stack an accessor used: the next access likely hits it
        #: again. Reset between runs and at tail calls, so a run never reaches another run's
        #: private regions or another program's maps.
        self.recent: list[Region] = [_NOWHERE]
        #: a window off the stack the run is known to start on (a timer callback's value),
        #: which compiled code takes as its first cached window; cleared once taken
        self.first_window: Region | None = None
        #: the accessors of each frame depth, indexed by ``(top - r10) // STACK_SIZE``:
        #: ``(ld1, ld2, ld4, ld8, st1, st2, st4, st8)``, each seeing the stack from the bottom
        #: of that frame up
        self.frames = tuple(self._accessors(depth) for depth in range(MAX_CALL_FRAMES))

    # -- accessors used by generated code ------------------------------------------------

    def _accessors(self, depth: int) -> tuple[Callable[..., Any], ...]:
        low = self.top - (depth + 1) * STACK_SIZE
        loads = tuple(self._loader(n, low) for n in (1, 2, 4, 8))
        return loads + tuple(self._storer(n, low) for n in (1, 2, 4, 8))

    def _loader(self, size: int, low: int) -> Callable[[int, int], int]:
        unpack = _FORMATS[size].unpack_from
        stack = self.stack
        base, buf, last = low, stack.buf[low - stack.base :], stack.end - low - size
        find, recent = self._outside_stack, self.recent

        def load(address: int, pc: int) -> int:
            off = address - base
            if 0 <= off <= last:
                return unpack(buf, off)[0]  # type: ignore[no-any-return]
            r = recent[0]
            off = address - r.base
            if not 0 <= off <= r.size - size:
                r = recent[0] = find(address, size, pc, "load")
                off = address - r.base
            return unpack(r.buf, off)[0]  # type: ignore[no-any-return]

        return load

    def _storer(self, size: int, low: int) -> Callable[[int, int, int], None]:
        pack = _FORMATS[size].pack_into
        mask = _MASKS[size]
        stack = self.stack
        base, buf, last = low, stack.buf[low - stack.base :], stack.end - low - size
        find, recent = self._outside_stack, self.recent

        def store(address: int, value: int, pc: int) -> None:
            off = address - base
            if 0 <= off <= last:
                pack(buf, off, value & mask)
                return
            r = recent[0]
            off = address - r.base
            if not (0 <= off <= r.size - size and r.writable):
                r = recent[0] = find(address, size, pc, "store")
                off = address - r.base
            pack(r.buf, off, value & mask)

        return store

    def _outside_stack(self, address: int, size: int, pc: int, operation: str) -> Region:
        """The window off the stack holding ``[address, address + size)``: a private region of
        this run, or a shared one its program may see.

        Raises:
            OutOfBoundsError: no such window holds it, or it is a store into a read-only one.
        """
        for found in self.private:
            if found.contains(address, size):
                break
        else:
            found = self.space.find(address, size, self.visible)  # type: ignore[assignment]
        if found is None:
            raise OutOfBoundsError(operation, pc, address, size)
        if operation != "load" and not found.writable:
            raise OutOfBoundsError(operation, pc, address, size, region=found.name)
        return found

    def region(self, address: int, size: int, pc: int, operation: str) -> Region:
        """The region holding ``[address, address + size)`` for ``operation`` by a helper or an
        atomic instruction: the active stack (from the bottom of the frame :attr:`fp` belongs
        to, up), else what :meth:`_outside_stack` finds.

        Raises:
            OutOfBoundsError: no region this run may use holds it, or it is a store into a
                read-only region.
        """
        if self.fp - STACK_SIZE <= address and address + size <= self.top:
            return self.stack
        return self._outside_stack(address, size, pc, operation)

    def atomic(self, op: Callable[[int, int], int], size: int, address: int, value: int, pc: int) -> int:
        """Replace the memory word with ``op(old, value)`` atomically and return the old word."""
        r = self.region(address, size, pc, "atomic")
        fmt, off = _FORMATS[size], address - r.base
        with _ATOMIC_LOCK:
            old: int = fmt.unpack_from(r.buf, off)[0]
            fmt.pack_into(r.buf, off, op(old, value) & _MASKS[size])
        return old

    def may_goto(self) -> bool:
        """``may_goto``: True (jump) once the run's loop budget is spent, else spend one."""
        if self.may_goto_left <= 0:
            return True
        self.may_goto_left -= 1
        return False

    def cmpxchg(self, size: int, address: int, expected: int, value: int, pc: int) -> int:
        """Store ``value`` if the memory word equals ``expected`` (truncated); return the old word."""
        r = self.region(address, size, pc, "atomic")
        fmt, off = _FORMATS[size], address - r.base
        with _ATOMIC_LOCK:
            old: int = fmt.unpack_from(r.buf, off)[0]
            if old == expected & _MASKS[size]:
                fmt.pack_into(r.buf, off, value & _MASKS[size])
        return old

    def load_packet(self, size: int, offset: int) -> int:
        """A legacy packet load: network byte order, aborting the run when out of bounds.

        ``offset`` is taken as a signed 32-bit number, as the kernel does; see
        :func:`frame_offset` for where it lands in the frame.
        """
        pkt = self.packet
        if pkt is None:
            raise PacketAbort
        at = frame_offset(offset, self.packet_head)
        if not 0 <= at <= pkt.size - size:
            raise PacketAbort
        return _BIG[size].unpack_from(pkt.buf, at)[0]  # type: ignore[no-any-return]

    def over_budget(self, pc: int) -> None:
        """Raise InstructionLimitError: generated code calls this when ``n`` passes ``limit``."""
        raise InstructionLimitError(pc, self.limit)

    def too_deep(self, pc: int) -> None:
        """Raise BpfRuntimeError: a call would nest more than MAX_CALL_FRAMES frames."""
        raise BpfRuntimeError(f"call stack deeper than {MAX_CALL_FRAMES} frames at PC {pc}", pc=pc)

    # -- for helpers -----------------------------------------------------------------------

    def read(self, address: int, size: int, pc: int = -1) -> bytes:
        """Copy ``size`` bytes the program may read, as a helper argument."""
        r = self.region(address, size, pc, "load")
        off = address - r.base
        return bytes(r.buf[off : off + size])

    def write(self, address: int, data: bytes, pc: int = -1) -> None:
        """Store ``data`` where the program may write, as a helper result."""
        r = self.region(address, len(data), pc, "store")
        off = address - r.base
        r.buf[off : off + len(data)] = data


#: an empty window: what :attr:`ExecContext.recent` holds before a run's first access
_NOWHERE = Region(0, "nowhere", writable=False)


def forget_windows(ctx: ExecContext) -> None:
    """Drop the window cache of ``ctx`` (its program or its private regions changed)."""
    ctx.recent[0] = _NOWHERE
    ctx.first_window = None


class ContextPool:
    """Reusable contexts for one address space, per thread (a free list per thread)."""

    def __init__(self, space: AddressSpace) -> None:
        self.space = space
        self._local = threading.local()

    def acquire(self) -> ExecContext:
        """A context with a zeroed stack, not in use by any other run."""
        free: list[ExecContext] | None = getattr(self._local, "free", None)
        if free:
            ctx = free.pop()
            ctx.stack.buf[:] = _ZERO_STACK  # cheaper than a memset through ctypes
            ctx.fp = ctx.top
            return ctx
        return ExecContext(self.space)

    def release(self, ctx: ExecContext) -> None:
        """Give a context back once its run is over, releasing what the run still held."""
        while ctx.held:
            ctx.held.pop().release()
        while ctx.finalizers:
            ctx.finalizers.popitem()[1]()
        ctx.private, ctx.packet, ctx.runtime, ctx.program = (), None, None, None
        ctx.engine, ctx.tail_calls, ctx.visible = None, 0, EVERYTHING
        forget_windows(ctx)
        free = getattr(self._local, "free", None)
        if free is None:
            free = self._local.free = []
        free.append(ctx)
