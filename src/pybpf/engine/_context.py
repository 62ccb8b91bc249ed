"""Per-run state: the stack, the regions one run may use, the instruction budget.

Generated code reaches memory only through the accessors of an :class:`ExecContext`
(``ld1``..``ld8``, ``st1``..``st8``, :meth:`ExecContext.atomic`...). Each accessor checks the
run's stack first (the common case), then its private regions (context, packet), then the shared
:class:`AddressSpace`; anything else is an :class:`OutOfBoundsError` naming the PC.

Contexts are pooled per thread, so a run on one thread never sees another thread's stack, and
nested runs on one thread (a program triggering another) each get their own.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable
from typing import Any, final

from ._errors import BpfRuntimeError, InstructionLimitError, OutOfBoundsError
from ._memory import AddressSpace, Region

__all__ = ["MAX_CALL_FRAMES", "STACK_SIZE", "ExecContext", "PacketAbort"]

STACK_SIZE = 512  #: bytes of stack per frame (the kernel's MAX_BPF_STACK)
MAX_CALL_FRAMES = 8  #: frames a run may nest, the main program included (MAX_CALL_FRAMES)

_FORMATS = {1: struct.Struct("<B"), 2: struct.Struct("<H"), 4: struct.Struct("<I"), 8: struct.Struct("<Q")}
_MASKS = {1: 0xFF, 2: 0xFFFF, 4: 0xFFFF_FFFF, 8: 0xFFFF_FFFF_FFFF_FFFF}
_BIG = {1: struct.Struct(">B"), 2: struct.Struct(">H"), 4: struct.Struct(">I"), 8: struct.Struct(">Q")}
_ATOMIC_LOCK = threading.Lock()


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


MAY_GOTO_BUDGET = 8 * 1024 * 1024  #: BPF_MAX_LOOPS: the kernel's budget of may_goto iterations


@final
class ExecContext:
    """Everything one run needs besides its code. Engines create these; helpers receive one.

    Attributes helpers may use: ``space`` (shared regions), ``private`` (this run's regions),
    ``packet`` (the packet region for legacy loads, or None), ``cpu``, ``runtime`` and
    ``program`` (opaque to the engine: set by whoever starts the run).
    """

    def __init__(self, space: AddressSpace) -> None:
        self.space = space
        self.stack = Region(STACK_SIZE * MAX_CALL_FRAMES, "stack")
        self.private: tuple[Region, ...] = ()
        self.packet: Region | None = None
        self.cpu = 0
        self.runtime: Any = None
        self.program: Any = None
        #: the engine running this context (helpers call back into the program through it)
        self.engine: Any = None
        #: the frame pointer of the frame that called the current helper
        self.fp = 0
        #: tail calls taken so far in this run
        self.tail_calls = 0
        self.n = 0  # instructions executed so far in this run
        #: iterations ``may_goto`` still allows in this run (the kernel's BPF_MAX_LOOPS)
        self.may_goto_left = MAY_GOTO_BUDGET
        self.limit = 0
        #: the frame pointer of the main program: the top of the stack
        self.top = self.stack.end
        #: a call from a frame whose pointer is below this would exceed MAX_CALL_FRAMES
        self.min_caller_fp = self.stack.base + 2 * STACK_SIZE
        #: the last non-stack region an accessor used: the next access likely hits it again.
        #: Reset between runs, so a run never reaches another run's private regions.
        self.recent: list[Region] = [self.stack]
        self.ld1, self.ld2, self.ld4, self.ld8 = (self._loader(n) for n in (1, 2, 4, 8))
        self.st1, self.st2, self.st4, self.st8 = (self._storer(n) for n in (1, 2, 4, 8))

    # -- accessors used by generated code ------------------------------------------------

    def _loader(self, size: int) -> Callable[[int, int], int]:
        unpack = _FORMATS[size].unpack_from
        base, buf, last = self.stack.base, self.stack.buf, self.stack.size - size
        find, recent = self.region, self.recent

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

    def _storer(self, size: int) -> Callable[[int, int, int], None]:
        pack = _FORMATS[size].pack_into
        mask = _MASKS[size]
        base, buf, last = self.stack.base, self.stack.buf, self.stack.size - size
        find, recent = self.region, self.recent

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

    def region(self, address: int, size: int, pc: int, operation: str) -> Region:
        """The region holding ``[address, address + size)`` for ``operation``.

        Raises:
            OutOfBoundsError: no region holds it, or it is a store into a read-only region.
        """
        found = None
        if self.stack.contains(address, size):
            found = self.stack
        else:
            for r in self.private:
                if r.contains(address, size):
                    found = r
                    break
            else:
                found = self.space.find(address, size)
        if found is None:
            raise OutOfBoundsError(operation, pc, address, size)
        if operation != "load" and not found.writable:
            raise OutOfBoundsError(operation, pc, address, size, region=found.name)
        return found

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

        ``offset`` is taken as a signed 32-bit number, as the kernel does; the negative offsets
        that reach the kernel's link-layer and network-layer areas are out of bounds here.
        """
        pkt = self.packet
        offset = ((offset & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000
        if pkt is None or not 0 <= offset <= pkt.size - size:
            raise PacketAbort
        return _BIG[size].unpack_from(pkt.buf, offset)[0]  # type: ignore[no-any-return]

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
            ctx.stack.zero()
            return ctx
        return ExecContext(self.space)

    def release(self, ctx: ExecContext) -> None:
        """Give a context back once its run is over."""
        ctx.private, ctx.packet, ctx.runtime, ctx.program = (), None, None, None
        ctx.engine, ctx.tail_calls = None, 0
        ctx.recent[0] = ctx.stack
        free = getattr(self._local, "free", None)
        if free is None:
            free = self._local.free = []
        free.append(ctx)
