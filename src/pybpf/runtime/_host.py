"""The runtime as helpers see it (:class:`pybpf.helpers.HelperHost`), and the trace buffer."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, final

from ..btf import Struct
from ..engine import Region
from ..timers import IrqContext
from ._graphs import ObjectGraphs
from ._kernel_btf import cgroup_image, struct_offsets, task_image, task_layout
from ._task import Task

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["DEFAULT_TRACE_LINES", "LOCAL_OBJECT_BUDGET", "Host", "TraceRecord"]

DEFAULT_TRACE_LINES = 65536  #: trace lines a runtime keeps by default

_HARD = (IrqContext.HARDIRQ, IrqContext.NMI)  #: contexts whose exit runs queued irq_work
#: what running_as(None) and running_in(None) give: nothing to change (runs are a hot path)
_UNCHANGED = contextlib.nullcontext()
_ROOT_CGROUP = 1  #: the id of the cgroup v2 root
LOCAL_OBJECT_BUDGET = 64 << 20  #: bytes of bpf_obj_new objects alive at once, at most


@final
@dataclass(frozen=True)
class TraceRecord:
    """One ``bpf_trace_printk`` line, with what ``trace_pipe`` would show beside it."""

    timestamp_ns: int
    cpu: int
    pid: int
    task: str
    message: str


PROC_NET_INIT_INO = 0xEFFFFFF9  #: the inode number of init_net in /proc/*/ns/net
SO_NETNS_COOKIE = 71  #: the socket option giving a socket's network namespace cookie
USER_SPACE_END = 1 << 47  #: x86-64: user addresses lie below (canonical, 4-level paging)


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
        #: the task the task helpers report; None: the calling thread (Task.current())
        self.task: Task | None = None
        self._task_regions: dict[Task, Region] = {}
        self._cgroup_regions: dict[int, Region] = {}
        self._objects: dict[int, Region] = {}  #: bpf_obj_new's objects alive, by address
        self._object_bytes = 0
        self.graphs = ObjectGraphs(runtime.space, self._free_object)
        self._run = threading.local()
        self._cookies: dict[int, int] = {}
        #: cgroup storage used outside test runs, by map
        self._lasting_cgroup_storages: dict[Any, Region] = {}

    @property
    def ncpus(self) -> int:
        """The runtime's CPUs."""
        return self._runtime.ncpus

    def netns_cookie(self, initial: bool) -> int | None:
        """``SO_NETNS_COOKIE`` of a socket of this process: its namespace's cookie. The first
        namespace's (``init_net``) is known only when this process is in it."""
        try:
            if initial and os.stat("/proc/self/ns/net").st_ino != PROC_NET_INIT_INO:
                return None
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                raw = probe.getsockopt(socket.SOL_SOCKET, SO_NETNS_COOKIE, 8)
        except OSError:
            return None
        return int.from_bytes(raw, "little")

    def read_process_memory(self, address: int, size: int) -> bytes | None:
        """Read this process's memory through ``/proc/self/mem``, which fails cleanly (EIO,
        EFAULT) where nothing is mapped, as ``copy_from_user`` does."""
        if address < 0 or size < 0 or address + size > USER_SPACE_END:
            return None
        try:
            with open("/proc/self/mem", "rb", buffering=0) as mem:
                data = os.pread(mem.fileno(), size, address)
        except (OSError, OverflowError):
            return None
        return data if len(data) == size else None

    def map_at(self, address: int) -> Any | None:
        """The live map of this runtime whose pointer is ``address``."""
        return self._runtime._maps_by_address.get(address)

    def layout_btf(self, program: Any, struct: str) -> Any:
        """The target BTF where it has ``struct``, else the program's own (CO-RE's stand-in)."""
        target = self._runtime._core_targets()[0][0]
        if target.types_by_name(struct, Struct):
            return target
        return getattr(program, "_btf", None)

    def percpu_stride(self, address: int) -> int:
        """The spacing of the per-CPU ``__ksym`` variable at ``address``, 0 for none."""
        return self._runtime._percpu_strides.get(address, 0)

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
        """The current task's tgid and pid (by default the host process and calling thread)."""
        task = self.current_task()
        return ((task.tgid & 0xFFFF_FFFF) << 32) | (task.pid & 0xFFFF_FFFF)

    def current_task(self) -> Task:
        """The task programs run on behalf of: this call's (``task=``), the runtime's, or the
        calling thread."""
        override: Task | None = getattr(self._run, "task", None)
        if override is not None:
            return override
        return self.task if self.task is not None else Task.current()

    def running_as(self, task: Task | None) -> contextlib.AbstractContextManager[None]:
        """Make ``task`` (when given) the current task of this thread's runs meanwhile."""
        return _UNCHANGED if task is None else self._running_as(task)

    @contextlib.contextmanager
    def _running_as(self, task: Task) -> Iterator[None]:
        previous = getattr(self._run, "task", None)
        self._run.task = task
        try:
            yield
        finally:
            self._run.task = previous

    @property
    def irq_context(self) -> IrqContext:
        """The kernel context this thread's program runs in (task unless a hook says otherwise)."""
        context: IrqContext = getattr(self._run, "irq", IrqContext.TASK)
        return context

    def running_in(self, context: IrqContext | None) -> contextlib.AbstractContextManager[None]:
        """Run in ``context`` (when given) meanwhile. Leaving hard-IRQ (or NMI) context runs
        the irq_work that code queued, as the kernel does on the way out of the interrupt."""
        return _UNCHANGED if context is None else _RunningIn(self, context)

    def task_address(self) -> int:
        """The address of the current task's object: read-only kernel memory of the task."""
        task = self.current_task()
        with self._trace_lock:
            region = self._task_regions.get(task)
            if region is None:
                region = self._task_region(task)
        return region.base

    def _task_region(self, task: Task) -> Region:
        """The task's object and its credentials, laid out as the modelled BTF says."""
        layout = task_layout()
        region = Region(layout.task_size, f"task {task.pid}", writable=False)
        cred = Region(layout.cred_size, f"cred of task {task.pid}", writable=False)
        image, cred_image = task_image(
            task.pid, task.tgid, task.comm_bytes, task.uid, task.gid, region.base, cred.base
        )
        region.buf[:] = image
        cred.buf[:] = cred_image
        self._runtime.space.add(region)
        self._runtime.space.add(cred)
        self._task_regions[task] = region
        return region

    def cgroup_address(self, cgroup_id: int) -> int:
        """The kernel object of the root cgroup (id 1) or of the current task's cgroup, made on
        first use; 0 for any other id (pybpf has no other cgroup)."""
        if cgroup_id != _ROOT_CGROUP and cgroup_id != self.current_task().cgroup_id:
            return 0
        with self._trace_lock:
            return self._cgroup_region(cgroup_id).base

    def cgroup_ancestor(self, address: int, level: int) -> int:
        """The root for level 0, a cgroup below it itself for level 1, else 0."""
        with self._trace_lock:
            ids = [cid for cid, r in self._cgroup_regions.items() if r.base == address]
            if not ids or not 0 <= level <= (0 if ids[0] == _ROOT_CGROUP else 1):
                return 0
            return self._cgroup_region(_ROOT_CGROUP).base if level == 0 else address

    def _cgroup_region(self, cgroup_id: int) -> Region:
        region = self._cgroup_regions.get(cgroup_id)
        if region is None:
            root = self._cgroup_region(_ROOT_CGROUP).base if cgroup_id != _ROOT_CGROUP else 0
            size = len(cgroup_image(cgroup_id, 0, 0, 0))
            region = Region(size, f"cgroup {cgroup_id}", writable=False)
            level = 0 if cgroup_id == _ROOT_CGROUP else 1
            region.buf[:] = cgroup_image(cgroup_id, level, region.base, root or region.base)
            self._runtime.space.add(region)
            self._cgroup_regions[cgroup_id] = region
        return region

    def new_object(self, program: Any, type_id: int) -> int:
        """A zeroed region of the struct's size, while the objects alive stay within
        :data:`LOCAL_OBJECT_BUDGET` bytes (the kernel's allocator fails under memory
        pressure; pybpf's fails at a fixed bound instead)."""
        btf = program._btf if program is not None else None
        if btf is None or not 0 <= type_id < len(btf):
            return 0
        size = btf.resolve_size(type_id)
        with self._trace_lock:
            if self._object_bytes + size > LOCAL_OBJECT_BUDGET:
                return 0
            region = Region(max(size, 1), f"object of {btf.type_by_id(type_id).name or 'struct'}")
            self._objects[region.base] = region
            self._object_bytes += size
        self._runtime.space.add(region)
        self.graphs.created(region.base, btf, type_id)
        return region.base

    def new_memory(self, size: int, what: str) -> int:
        """A zeroed region of ``size`` bytes from the same budget as :meth:`new_object` (the
        kernel's BPF memory allocator, which kfuncs such as ``bpf_iter_bits_new`` use), or 0
        past it; :meth:`drop_object` frees it."""
        with self._trace_lock:
            if self._object_bytes + size > LOCAL_OBJECT_BUDGET:
                return 0
            region = Region(max(size, 1), what)
            self._objects[region.base] = region
            self._object_bytes += size
        self._runtime.space.add(region)
        return region.base

    def drop_object(self, address: int) -> None:
        """Give up a reference on the object; the last one frees what it owns, then the
        object itself."""
        self.graphs.drop(address)

    def _free_object(self, address: int) -> None:
        """Free the object: its region leaves the address space, so a use after this faults."""
        with self._trace_lock:
            region = self._objects.pop(address, None)
            if region is None:
                return
            self._object_bytes -= region.size
        self._runtime.space.remove(region)

    def kernel_skb_fields(self) -> dict[str, int]:
        """The offsets of the members of the modelled ``struct sk_buff``."""
        return struct_offsets("sk_buff")[1]

    def socket_cookie(self, socket: int) -> int:
        """A cookie per socket address, numbered from 1 in order of first sight (the kernel
        numbers sockets as it first needs their cookie)."""
        with self._trace_lock:
            return self._cookies.setdefault(socket, len(self._cookies) + 1)

    def cgroup_storage(self, m: Any) -> Region:
        """The storage of cgroup storage map ``m`` for this thread's run: one per test run
        (:meth:`cgroup_storage_scope`), made on first use; outside a test run (a program on a
        hook) one per map for the runtime's life, as a cgroup keeps its storage."""
        storages: dict[Any, Region] | None = getattr(self._run, "cgroup_storages", None)
        if storages is None:
            storages = self._lasting_cgroup_storages
        with self._trace_lock:
            region = storages.get(m)
            if region is None:
                region = storages[m] = m.run_storage("cgroup storage")
        return region

    def cgroup_storage_scope(self) -> contextlib.AbstractContextManager[None]:
        """One test run (all its repeats): the cgroup storage its program uses is made for it
        and freed after it (``bpf_cgroup_storage_alloc`` in ``bpf_test_run``)."""
        return _CgroupStorageScope(self._run)

    def record(self, what: str, value: Any) -> None:
        """Note something the current run did (where ``bpf_redirect`` sent the packet)."""
        outcomes: dict[str, Any] | None = getattr(self._run, "outcomes", None)
        if outcomes is not None:
            outcomes[what] = value

    def start_recording(self) -> dict[str, Any]:
        """Begin collecting what :meth:`record` notes on this thread; returns the collection."""
        self._run.outcomes = {}
        return self._run.outcomes  # type: ignore[no-any-return]

    def ringbuf_of(self, record: int) -> int:
        """The pointer of the ring buffer map whose data region holds ``record``."""
        for m in self._runtime._maps_by_address.values():
            if hasattr(m, "reserve") and any(r.contains(record, 1) for r in m.regions()):
                return m.address  # type: ignore[no-any-return]
        return 0


class _RunningIn:
    """What :meth:`Host.running_in` gives: a plain context manager, since every timer
    callback and hook run goes through one (a generator's costs a microsecond more)."""

    __slots__ = ("context", "host", "previous")

    def __init__(self, host: Host, context: IrqContext) -> None:
        self.host = host
        self.context = context
        self.previous = IrqContext.TASK

    def __enter__(self) -> None:
        self.previous = self.host.irq_context
        self.host._run.irq = self.context

    def __exit__(self, *exc: object) -> None:
        self.host._run.irq = self.previous
        if self.previous not in _HARD and self.context in _HARD:
            self.host.timers.run_irq_work()


class _CgroupStorageScope:
    """:meth:`Host.cgroup_storage_scope`: a plain class, since every test run enters one (a
    generator-based context manager costs a microsecond)."""

    __slots__ = ("previous", "run", "storages")

    def __init__(self, run: threading.local) -> None:
        self.run = run
        self.storages: dict[Any, Region] = {}
        self.previous: dict[Any, Region] | None = None

    def __enter__(self) -> None:
        self.previous = getattr(self.run, "cgroup_storages", None)
        self.run.cgroup_storages = self.storages

    def __exit__(self, *exc: object) -> None:
        self.run.cgroup_storages = self.previous
        for m, region in self.storages.items():
            m.release_run_storage(region)
