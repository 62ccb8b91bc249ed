"""A map as user space holds it: a BCC-style mutable mapping with BTF-typed keys and values.

Each :class:`Map` handle owns one *user reference* to the underlying map, like a file
descriptor. When the last user reference goes (handles closed, no pin left), the kernel frees
the special fields of every element (timers are cancelled); when no program uses the map either,
the map itself is freed. The runtime's object table does that bookkeeping.
"""

from __future__ import annotations

import gc
import queue
import sys
import threading
from collections.abc import Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, final

from .. import maps
from ..btf import Int, IntEncoding, Spec, from_python, to_python
from ..maps import MapError, Table
from ._checks import expect

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["BtfCodec", "Map", "ObjectCodec"]

EBADF = 9


class BtfCodec:
    """Converts a map key or value through its BTF type (ints, bytes, lists, dicts)."""

    def __init__(self, spec: Spec, type_id: int, label: str = "value") -> None:
        self.spec = spec
        self.type_id = type_id
        self.label = label
        t = spec.types[spec.skip_modifiers(type_id)]
        # Most keys are plain integers: reading them skips the walk along the type (timer
        # listings and map iteration read thousands).
        plain = isinstance(t, Int) and t.bits == 8 * t.size and not t.offset and IntEncoding.BOOL not in t.encoding
        self._int_signed = t.signed if plain and isinstance(t, Int) else None
        self.order = spec.byte_order
        #: the ints a plain integer type holds (none for other types), which :class:`_Checked`
        #: writes without the walk along the type, in ``int_size`` bytes
        self.ints = range(0)
        self.int_size = 0
        if isinstance(t, Int) and self._int_signed is not None:
            self.int_size = t.size
            half = 1 << (8 * t.size - 1)
            self.ints = range(-half, half) if t.signed else range(2 * half)

    def to_bytes(self, value: Any) -> bytes:
        """The bytes of ``value``; bytes pass through unchanged.

        Raises:
            TypeError, ValueError: ``value`` has the wrong type, or does not fit (both also
                :class:`~pybpf.BtfError`); the message starts with ``label``.
        """
        if isinstance(value, bytes | bytearray):
            return bytes(value)
        return from_python(self.spec, self.type_id, value, what=self.label)

    def from_bytes(self, data: bytes) -> Any:
        """The Python value of ``data``."""
        if self._int_signed is not None:
            return int.from_bytes(data, self.spec.byte_order, signed=self._int_signed)
        return to_python(self.spec, self.type_id, data)


class ObjectCodec:
    """The values of program arrays and maps of maps: programs and map handles, not bytes.

    Writing takes a :class:`~pybpf.runtime.Program` (program arrays) or a :class:`Map` handle
    (maps of maps); reading gives the program, or a new handle on the inner map, typed by the
    BTF of the outer map's inner-map template.
    """

    def __init__(
        self, runtime: Runtime, m: maps.Map, btf: Spec | None, inner_type_ids: tuple[int, int]
    ) -> None:
        self._runtime = runtime
        self._programs = m.type == maps.MapType.PROG_ARRAY
        self._btf = btf
        self._inner_type_ids = inner_type_ids

    def to_bytes(self, value: Any) -> Any:
        """The object the map stores for ``value``."""
        from ._program import Program

        if self._programs:
            if not isinstance(value, Program):
                what = type(value).__name__
                raise MapError("update", EBADF, f"a program array holds programs, not {what}")
            return value
        return value.internal if isinstance(value, Map) else value

    def from_bytes(self, stored: Any) -> Any:
        """The program, or a new :class:`Map` handle on the inner map."""
        if isinstance(stored, maps.Map):
            return Map(self._runtime, stored, self._btf, *self._inner_type_ids)
        return stored


def _codec(spec: Spec | None, type_id: int, size: int, label: str) -> maps.Codec:
    if spec is not None and type_id:
        return _Checked(BtfCodec(spec, type_id, label), label, size)
    return _Checked(maps.default_codec(size), label, size)


_BYTES = (bytes, bytearray, memoryview)


class _Checked:
    """A key or value codec whose conversion errors are Python's: a value of the wrong type is
    a ``TypeError`` and one that does not fit a ``ValueError``, raised at the call and naming
    the map and the argument (``map 'flows': key: expected a dict for STRUCT 'flow', got int``)."""

    def __init__(self, codec: maps.Codec, label: str, size: int) -> None:
        self.codec = codec
        self.label = label
        self.size = size
        btf = codec if isinstance(codec, BtfCodec) else None
        #: plain integers of a BTF int type, written at once (the common key and value)
        self._ints = btf.ints if btf is not None else range(0)
        self._order = btf.order if btf is not None else "little"
        self._int_size = btf.int_size if btf is not None else 0
        self._signed = btf is not None and btf.ints.start < 0

    def to_bytes(self, value: Any) -> bytes:
        """The bytes for ``value``, checked."""
        if type(value) is int and value in self._ints:
            return value.to_bytes(self._int_size, self._order, signed=self._signed)
        if isinstance(value, _BYTES):
            if len(value) != self.size:
                raise ValueError(f"{self.label}: expected {self.size} bytes, got {len(value)}")
            return bytes(value)
        if isinstance(self.codec, BtfCodec):
            return self.codec.to_bytes(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{self.label}: expected an int or {self.size} bytes, got {type(value).__name__}")
        try:
            return self.codec.to_bytes(value)
        except MapError:
            raise ValueError(f"{self.label}: {value} does not fit in {self.size} bytes") from None

    def from_bytes(self, data: bytes) -> Any:
        """The Python value of ``data``."""
        return self.codec.from_bytes(data)


@final
class Map(MutableMapping[Any, Any]):
    """A map of a runtime, seen from Python (``obj.maps["name"]`` or ``rt.open_pinned(path)``).

    Hash, array, LRU and per-CPU maps behave as mutable mappings: keys and values are ints,
    bytes or, through the map's BTF, dicts and lists; a missing key raises ``KeyError``;
    ``del`` on an array zeroes the element (freeing its timer); per-CPU values are lists with one
    value per CPU. Queues and stacks have :meth:`push`, :meth:`pop` and :meth:`peek`; ring
    buffers :meth:`poll`. Program arrays hold programs, and maps of maps hold maps: reading an
    element of one gives a new handle on the inner map (``inner_type_ids``, the key and value
    BTF types of the inner-map template, type it).
    """

    def __init__(
        self,
        runtime: Runtime,
        inner: maps.Map,
        btf: Spec | None,
        key_type_id: int,
        value_type_id: int,
        inner_type_ids: tuple[int, int] = (0, 0),
    ) -> None:
        self._runtime = runtime
        self._inner = inner
        self._btf = btf
        self._key_type_id = key_type_id
        self._value_type_id = value_type_id
        value_codec: maps.Codec = (
            ObjectCodec(runtime, inner, btf, inner_type_ids)
            if inner.holds_objects
            else _codec(btf, value_type_id, inner.value_size, f"map '{inner.name}': value")
        )
        key_codec = _codec(btf, key_type_id, inner.key_size, f"map '{inner.name}': key")
        self._table = Table(inner, key_codec=key_codec, value_codec=value_codec)
        runtime._key_codecs.setdefault(inner, key_codec)  # timers and traces type keys alike
        self._open = True
        runtime._table.acquire_map(inner)

    # -- what it is ------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The map's name."""
        return self._inner.name

    @property
    def type(self) -> maps.MapType:
        """The map's UAPI type."""
        return maps.MapType(self._inner.type)

    @property
    def key_size(self) -> int:
        """Bytes per key."""
        return self._inner.key_size

    @property
    def value_size(self) -> int:
        """Bytes per value (per CPU for per-CPU maps)."""
        return self._inner.value_size

    @property
    def max_entries(self) -> int:
        """The map's capacity."""
        return self._inner.max_entries

    @property
    def flags(self) -> int:
        """The map's creation flags."""
        return self._inner.flags

    @property
    def internal(self) -> maps.Map:
        """The underlying :class:`pybpf.maps.Map` (raw bytes, program-side operations)."""
        self._check_open()
        return self._inner

    def __repr__(self) -> str:
        state = "" if self._open else " (closed)"
        return f"<Map '{self.name}' {self.type.name.lower()}{state}>"

    def _check_open(self) -> None:
        if not self._open:
            raise MapError("map", EBADF, f"map '{self.name}' handle is closed")

    # -- the mapping -----------------------------------------------------------------------

    def __getitem__(self, key: Any) -> Any:
        if not self._open:
            self._check_open()
        return self._table[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        if not self._open:
            self._check_open()
        self._table[key] = value

    def __delitem__(self, key: Any) -> None:
        self._check_open()
        del self._table[key]

    def __iter__(self) -> Iterator[Any]:
        self._check_open()
        return iter(self._table)

    def __len__(self) -> int:
        self._check_open()
        return len(self._table)

    def update_elem(self, key: Any, value: Any, flags: int = 0) -> None:
        """Create or update ``key`` with the kernel's flags (``BPF_ANY``, ``BPF_NOEXIST``, ``BPF_EXIST``).

        Raises:
            MapError: the kernel's error (EEXIST, ENOENT, E2BIG, ...), as ``.errno``.
        """
        self._check_open()
        expect(flags, int, "update_elem: flags", "an int (BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK)")
        self._inner.update_elem(self._table.key_codec.to_bytes(key), self._table.encode_value(value), flags)

    def lookup_and_delete(self, key: Any) -> Any:
        """Remove ``key`` and return its value (a queue or stack pops).

        Raises:
            KeyNotExistError: the key is not there.
        """
        self._check_open()
        return self._table.decode_value(self._inner.lookup_and_delete_elem(self._table.key_codec.to_bytes(key)))

    # -- queues, stacks, ring buffers ------------------------------------------------------

    def push(self, value: Any, flags: int = 0) -> None:
        """Push onto a queue or stack (``BPF_EXIST`` overwrites the oldest when full); on a
        user ring buffer, submit ``value`` (bytes) as one sample.

        Raises:
            MapError: as BPF_MAP_UPDATE_ELEM; for a user ring buffer E2BIG or ENOSPC (see
                :meth:`reserve`).
        """
        self._check_open()
        expect(flags, int, "push: flags", "an int")
        if isinstance(self._inner, maps.UserRingBuf):
            expect(value, (bytes, bytearray), "push: a user ring buffer sample", "bytes")
            self._inner.push(bytes(value))
            return
        self._inner.update_elem(b"", self._table.encode_value(value), flags)

    def reserve(self, size: int) -> maps.UserSample:
        """Reserve a sample of ``size`` bytes in a user ring buffer (libbpf's
        ``user_ring_buffer__reserve``): fill ``sample.data``, then :meth:`submit` or
        :meth:`discard` it. Until then it holds back the samples reserved after it.

        Raises:
            TypeError: the map is not a user ring buffer.
            MapError: E2BIG when the sample could never fit, ENOSPC when the ring is full now.
        """
        expect(size, int, "reserve: size", "an int")
        return self._user_ring("reserve").reserve(size)

    def reserve_blocking(self, size: int, timeout: float | None = None) -> maps.UserSample:
        """:meth:`reserve`, waiting up to ``timeout`` seconds (None: for ever) while the ring
        is full for a program's ``bpf_user_ringbuf_drain`` to make room and wake user space
        (libbpf's ``user_ring_buffer__reserve_blocking``), then trying once more.

        Raises:
            TypeError: the map is not a user ring buffer.
            ValueError: ``timeout`` is negative.
            MapError: E2BIG when the sample could never fit, ENOSPC when the ring is still full.
        """
        expect(size, int, "reserve_blocking: size", "an int")
        expect(timeout, (int, float, type(None)), "reserve_blocking: timeout", "a number or None")
        return self._user_ring("reserve_blocking").reserve_blocking(size, timeout)

    def submit(self, sample: maps.UserSample) -> None:
        """Hand a reserved sample to the programs that drain this user ring buffer."""
        self._user_ring("submit").submit(sample)

    def discard(self, sample: maps.UserSample) -> None:
        """Give a reserved sample up: draining programs skip it."""
        self._user_ring("discard").discard(sample)

    def _user_ring(self, operation: str) -> maps.UserRingBuf:
        self._check_open()
        if not isinstance(self._inner, maps.UserRingBuf):
            raise TypeError(f"{operation}: map '{self.name}' is not a user ring buffer (type {self.type.name.lower()})")
        return self._inner

    def pop(self, *args: Any) -> Any:
        """``pop()`` takes the next value of a queue or stack (``pop(default)`` instead of
        KeyError when empty); on other maps it is the mapping's ``pop(key[, default])``."""
        self._check_open()
        if not isinstance(self._inner, maps.QueueStackBase):
            return super().pop(*args)
        try:
            return self._table.decode_value(self._inner.lookup_and_delete_elem(b""))
        except KeyError:
            if args:
                return args[0]
            raise

    def peek(self) -> Any:
        """The next value of a queue or stack, left in place."""
        self._check_open()
        return self._table.decode_value(self._inner.lookup_elem(b""))

    def open_perf_buffer(self, page_count: int = 8) -> None:
        """Open a reader on a perf event array: a ring of ``page_count`` pages per CPU, as
        libbpf's ``perf_buffer__new`` and BCC's ``open_perf_buffer`` do. Until then (or a
        first :meth:`poll`) ``bpf_perf_event_output`` fails with -ENOENT, as in the kernel.

        Raises:
            TypeError: the map is not a perf event array.
            ValueError: ``page_count`` is not a power of 2.
        """
        self._check_open()
        if not isinstance(self._inner, maps.PerfEventArray):
            raise TypeError(f"open_perf_buffer: map '{self.name}' is not a perf event array (type {self.type.name.lower()})")
        self._inner.open_buffer(page_count)

    def poll(
        self,
        callback: Callable[[bytes], object],
        timeout: float | None = 0,
        lost: Callable[[int, int], object] | None = None,
    ) -> int:
        """Deliver submitted ring-buffer records, or perf event array samples, to
        ``callback``; returns how many. For a perf event array ``lost(cpu, count)`` hears of
        samples lost to a full per-CPU ring (libbpf's ``lost_cb``).

        Raises:
            TypeError: the map is neither a ring buffer nor a perf event array, or
                ``callback`` is not callable.
        """
        self._check_open()
        if not callable(callback):
            raise TypeError(f"poll: callback must be callable, not {type(callback).__name__}")
        if isinstance(self._inner, maps.PerfEventArray):
            if not self._inner.has_reader:
                self._inner.open_buffer()  # as a perf_buffer__new before the first poll
            return self._inner.poll(callback, timeout, lost)
        if self.type != maps.MapType.RINGBUF:
            raise TypeError(f"poll: map '{self.name}' is not a ring buffer (type {self.type.name.lower()})")
        return self._inner.poll(callback, timeout)  # type: ignore[attr-defined,no-any-return]

    # -- references ------------------------------------------------------------------------

    def pin(self, path: str) -> None:
        """Pin the map at ``path`` in the runtime: the pin holds a user reference of its own."""
        self._check_open()
        expect(path, str, "pin: path", "a str")
        self._runtime._table.pin(path, self._inner, self._btf, self._key_type_id, self._value_type_id)

    def close(self) -> None:
        """Drop this handle's user reference (idempotent)."""
        if self._open:
            self._open = False
            self._runtime._table.release_map(self._inner)

    def __del__(self) -> None:
        # A handle nobody holds any more releases its reference, as a file object closes its
        # descriptor: a forgotten handle must not keep timers running forever.
        if not self._open or sys.is_finalizing():
            # at interpreter exit nothing is left to release for, and no thread can start:
            # waiting for the reaper to start would hang the exit
            return
        if _collecting:
            # The cyclic collector may run inside any allocation, also one made while this
            # thread holds the map's own lock: releasing here could wait for that lock forever.
            _reaper().put(self.close)
            return
        _close_quietly(self.close)


def _close_quietly(close: Callable[[], None]) -> None:
    try:
        close()
    except Exception:  # noqa: BLE001, S110 - nothing can be reported from a finaliser
        pass


#: whether the cyclic garbage collector is running (its finalisers must not take locks)
_collecting = False


def _track_collections(phase: str, info: dict[str, int]) -> None:
    global _collecting
    _collecting = phase == "start"


gc.callbacks.append(_track_collections)

#: the handles the cyclic collector finalised, released by one daemon thread as soon as the
#: locks they need are free
_reaper_queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
_reaper_started = threading.Event()
_reaper_guard = threading.Lock()


def _reaper() -> queue.SimpleQueue[Callable[[], None]]:
    """The reaper's queue, its thread started on first use. The guard is never waited for:
    this may run inside a collection that interrupted the thread starting the reaper."""
    if not _reaper_started.is_set() and _reaper_guard.acquire(blocking=False):
        try:
            if not _reaper_started.is_set():
                threading.Thread(target=_reap, name="pybpf-map-reaper", daemon=True).start()
                _reaper_started.set()
        finally:
            _reaper_guard.release()
    return _reaper_queue


def _reap() -> None:
    while True:
        _close_quietly(_reaper_queue.get())
