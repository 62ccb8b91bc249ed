"""``pybpf.Runtime``: the object table, the clock, the CPUs, and loading."""

from __future__ import annotations

import functools
import itertools
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, final

from .._releases import DEFAULT_RELEASE, Release
from .._spec import ProgType
from ..btf import BtfError, parse_btf
from ..btf import Spec as BtfSpec
from ..engine import (
    DEFAULT_MAX_INSTRUCTIONS,
    ENGINES,
    AddressSpace,
    BpfRuntimeError,
    Region,
    check_budget,
)
from ..helpers import linux_helpers, linux_kfuncs
from ..timers import (
    Clock,
    HrtimerHook,
    IrqContext,
    RealClock,
    Timer,
    TimerEvent,
    TimerInfo,
    TimerTable,
    VirtualClock,
    check_duration,
    check_time,
)
from ..timers._native import TimerLane
from ..timers._timer import DEFAULT_TRACE_LIMIT
from ._checks import expect
from ._contexts import ARGS_COUNT_SIZE, args_context, pt_regs_context
from ._errors import TestRunError
from ._faults import locate, trimmed
from ._hooks import HRTIMER_HOOKS, hook_context, hrtimer_arguments, place_arguments
from ._host import DEFAULT_TRACE_LINES, Host, TraceRecord
from ._kconfig import DEFAULT_KCONFIG, host_kconfig
from ._kernel_btf import modelled_btf
from ._loader import DEFAULT_PIN_ROOT, load_object
from ._map import Map
from ._object import Object
from ._plot import plot_timeline
from ._program import Link, Program
from ._table import ObjectTable
from ._task import Task
from ._tcp_kfuncs import slow_start as _registers_tcp_kfuncs  # noqa: F401 (registers the kfuncs)

__all__ = ["Runtime"]

ENXIO = 6

# The kernel's test functions for tracing programs (net/bpf/test_run.c): what each returns, and
# the arguments BPF_PROG_TEST_RUN calls it with. Every one but test7 returns the sum of its
# arguments plus, for test1, one.
_KNOWN_FUNCTIONS: dict[str, Callable[[Sequence[int]], int]] = {
    "bpf_fentry_test1": lambda a: a[0] + 1,
    **{f"bpf_fentry_test{n}": sum for n in range(2, 7)},
    "bpf_fentry_test7": lambda a: 0,
}
_FENTRY_TESTS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("bpf_fentry_test1", (1,)),
    ("bpf_fentry_test2", (2, 3)),
    ("bpf_fentry_test3", (4, 5, 6)),
    ("bpf_fentry_test4", (7, 8, 9, 10)),
    ("bpf_fentry_test5", (11, 12, 13, 14, 15)),
    ("bpf_fentry_test6", (16, 17, 18, 19, 20, 21)),
    ("bpf_fentry_test7", (0,)),
)


@final
class Runtime:
    """A userspace BPF runtime: load objects, run programs, drive time.

    Args:
        clock: ``"real"`` (host time), ``"virtual"`` (a :class:`VirtualClock`) or a Clock.
        engine: ``"auto"`` (interpret, then compile what runs hot; ``$PYBPF_ENGINE`` may force
            one engine), ``"interpreter"`` or ``"jit"`` (compile at load). Without llvmlite
            every program is interpreted, with one warning; so is, with any engine, a
            program holding an instruction the JIT does not translate yet.
        ncpus: the virtual CPUs programs run on (per-CPU maps hold one value per CPU).
        seed: makes ``bpf_get_prandom_u32`` reproducible.
        memory_limit: bytes chargeable to maps and timers (None: unlimited).
        privileged: False hides the helpers that need CAP_BPF (the timer helpers among them).
        max_instructions: the instruction budget of one run (a ``test_run``, a hook, one timer
            callback): past it the run stops with :class:`InstructionLimitError` naming the
            program. Every engine counts the same way (``docs/errors.md``).
        trace_limit: how many ``bpf_trace_printk`` lines the trace ring keeps; older ones are
            dropped and counted in :attr:`trace_lost`, as the kernel's trace buffer overwrites.
        timer_trace_limit: how many timer events :meth:`timer_events` keeps (the trace is
            always on); older ones are dropped and counted in :attr:`timer_events_lost`.
        task: the task programs run on behalf of (pid, uid, comm, cgroup as the task helpers
            report them); by default the calling thread of this process, as in the kernel.
        kconfig: ``CONFIG_*`` values for ``__kconfig`` externs over pybpf's defaults for the
            modelled release (``{"CONFIG_HZ": 1000, "CONFIG_X": "m"}``), or ``"host"`` for
            the host's configuration as libbpf would read it.
        btf: the target BTF of CO-RE relocations: None for the kernel objects pybpf models (a
            type it does not model resolves to the layout the object was built with), ``"host"``
            for ``/sys/kernel/btf/vmlinux``, or the path of a raw BTF file (as libbpf's
            ``btf_custom_path``).
        kernel: the kernel release whose behaviour to reproduce, ``"5.15"`` to ``"7.0"``
            (``"5.15"`` is the latest 5.15.y): the flags, return codes, kfuncs and load-time
            rules of that release, as the release table (``pybpf._releases``) lists them.

    Raises:
        TypeError: an argument of the wrong type.
        ValueError: a bad clock, engine, CPU count, budget or kernel release; a negative
            memory limit or trace size; a BTF path where there is no file.
    """

    def __init__(
        self,
        clock: str | Clock = "real",
        engine: str = "auto",
        ncpus: int = 2,
        seed: int | None = None,
        memory_limit: int | None = None,
        privileged: bool = True,
        max_instructions: int = DEFAULT_MAX_INSTRUCTIONS,
        trace_limit: int = DEFAULT_TRACE_LINES,
        timer_trace_limit: int = DEFAULT_TRACE_LIMIT,
        task: Task | None = None,
        kconfig: Mapping[str, object] | str | None = None,
        btf: str | Path | None = None,
        kernel: str = DEFAULT_RELEASE,
    ) -> None:
        #: the kernel release reproduced (behaviour by release: ``pybpf._releases.CHANGES``)
        self.release = Release(kernel)
        self.kernel = kernel
        _check_arguments(ncpus, seed, memory_limit)
        _check_more_arguments(trace_limit, timer_trace_limit, task, kconfig, btf)
        if ncpus < 1:
            raise ValueError(f"ncpus must be at least 1, got {ncpus}")
        expect(engine, str, "Runtime: engine", "'auto', 'interpreter' or 'jit'")
        if engine not in ENGINES:
            raise ValueError(f"unknown engine '{engine}' (auto, interpreter or jit)")
        self._own_clock = not isinstance(clock, Clock)
        self.clock = _make_clock(clock, ncpus)
        self.engine = engine
        self.ncpus = ncpus
        self.memory_limit = memory_limit
        self.privileged = privileged
        self.max_instructions = check_budget(max_instructions)
        self._key_codecs: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        self.space = AddressSpace()
        self._helpers = linux_helpers(privileged=privileged)
        self._host = Host(self, seed, trace_limit)
        self._host.task = task
        self._kfuncs = linux_kfuncs()
        self._ksyms: dict[str, Region] = {}
        self._percpu_strides: dict[int, int] = {}  #: per-CPU ksym copies' spacing, by address
        #: the tcp_congestion_ops names registered through struct_ops maps (the kernel's list)
        self._struct_ops_names: set[str] = set()
        #: the hrtimer clock bases, by (CPU, clock), that the timers' hrtimers point to
        self._clock_bases: dict[tuple[int, int], Region] = {}
        self.kconfig: Mapping[str, object] = _kconfig(kconfig)
        #: the target of CO-RE relocations: None (pybpf's modelled kernel objects), "host" or a path
        self.btf = btf
        self._charged = 0
        timer_owner = _TimerOwner(self)
        self.timers_table = TimerTable(self.clock, timer_owner, trace_limit=timer_trace_limit, release=self.release)
        self._host.timers = self.timers_table
        if isinstance(self.clock, VirtualClock):  # compiled callbacks fire natively where they can
            self.clock.set_lane(TimerLane(self.timers_table, self.clock, timer_owner))
        self._maps_by_address: dict[int, Any] = {}
        self._table = ObjectTable(self)
        self._objects: set[Object] = set()
        self._program_holders: dict[Program, int] = {}
        self._program_maps: dict[Program, list[Any]] = {}
        self._hooks: defaultdict[str, list[Link]] = defaultdict(list)
        self._lock = threading.RLock()
        self._cpu_local = threading.local()
        self._next_cpu = itertools.count()
        self.closed = False

    def __repr__(self) -> str:
        return f"<Runtime {type(self.clock).__name__} ncpus={self.ncpus} objects={len(self._objects)}>"

    # -- loading ---------------------------------------------------------------------------

    def load(
        self,
        path: str | Path,
        globals: Mapping[str, Any] | None = None,
        *,
        pin_root: str = DEFAULT_PIN_ROOT,
        programs: Collection[str] | None = None,
        verify: bool = True,
        cflags: Sequence[str] = (),
    ) -> Object:
        """Load an object file, or compile and load a ``.c`` file.

        Args:
            path: a BPF object (``clang -target bpf``) or C source.
            globals: values for global variables, set before the programs are checked
                (``.rodata`` constants included).
            pin_root: where maps declared with ``pinning = LIBBPF_PIN_BY_NAME`` are pinned.
            programs: the names of the programs to load, whatever their sections say (libbpf's
                ``bpf_program__set_autoload``); None loads every program whose section does
                not begin with ``?``. The others are neither checked nor in ``obj.programs``;
                every map is created either way, as libbpf does.
            verify: False skips the verifier (uBPF's model: untrusted code contained at run
                time only). The kernel would refuse some of what then loads; runs stay
                contained all the same: an access outside the program's memory is an
                :class:`OutOfBoundsError`, a call of a helper the program may not use fails
                as a call of an unknown helper, a runaway loop hits the instruction limit.
            cflags: extra compiler flags (``-DNAME=1``, ``-Ipath``) for a ``.c`` path.

        Raises:
            TypeError: ``path`` is not a str or Path, ``globals`` not a mapping, ``verify`` not
                a bool, ``programs`` or ``cflags`` not a collection of str.
            ElfError, BtfError, CompileError, VerifierError, MapError, NotSupportedError.
            ValueError: ``programs`` names a program, or ``globals`` a global variable, that
                the object does not have; the runtime is closed.
        """
        if self.closed:
            raise ValueError("load: the runtime is closed")
        expect(path, (str, Path), "load: path", "a str or Path")
        expect(globals, (Mapping, type(None)), "load: globals", "a dict of global variables")
        _check_load_arguments(pin_root, programs, verify, cflags)
        if globals is not None and not all(isinstance(name, str) for name in globals):
            raise TypeError("load: globals must be keyed by the names (str) of global variables")
        return load_object(self, path, globals, pin_root, programs, verify=verify, cflags=cflags)

    def _core_targets(self) -> tuple[list[BtfSpec], bool]:
        """The target BTFs of CO-RE relocations, and whether the object's own BTF stands in
        for types they lack."""
        if self.btf is None:
            return [modelled_btf()], True
        path = "/sys/kernel/btf/vmlinux" if self.btf == "host" else str(self.btf)
        return [_raw_btf(path)], False

    def _adopt_program(self, program: Program, used: list[Any]) -> None:
        with self._lock:
            self._program_holders[program] = 1
            self._program_maps[program] = used
        for m in used:
            self._table.acquire_by_program(m)

    def _release_program(self, program: Program) -> None:
        with self._lock:
            holders = self._program_holders.get(program, 0) - 1
            if holders > 0:
                self._program_holders[program] = holders
                return
            self._program_holders.pop(program, None)
            used = self._program_maps.pop(program, [])
        for m in used:
            self._table.release_by_program(m)

    # -- maps and pins ---------------------------------------------------------------------

    def open_pinned(self, path: str) -> Map:
        """A new handle (a new user reference) on the map pinned at ``path``.

        Raises:
            MapError: nothing is pinned there (ENOENT).
        """
        expect(path, str, "open_pinned: path", "a str")
        pin = self._table.lookup_pin(path)
        return Map(self, pin.map, pin.btf, pin.key_type_id, pin.value_type_id)

    def unpin(self, path: str) -> None:
        """Remove a pin and the user reference it held.

        Raises:
            MapError: nothing is pinned there (ENOENT).
        """
        expect(path, str, "unpin: path", "a str")
        self._table.unpin(path)

    # -- CPUs ------------------------------------------------------------------------------

    def _cpu_for(self, cpu: int | None) -> int:
        if cpu is None:
            assigned: int | None = getattr(self._cpu_local, "cpu", None)
            if assigned is None:
                assigned = self._cpu_local.cpu = next(self._next_cpu) % self.ncpus
            return assigned
        if not 0 <= cpu < self.ncpus:
            raise TestRunError(f"test_run: cpu {cpu} is not one of the runtime's {self.ncpus} CPUs (ENXIO)", ENXIO)
        return cpu

    # -- hooks -----------------------------------------------------------------------------

    def _attach(self, program: Program) -> Link:
        link = Link(self, program)
        with self._lock:
            self._hooks[program.hook].append(link)
            self._program_holders[program] = self._program_holders.get(program, 0) + 1
            self._note_hrtimer_hooks()
        return link

    def _detach(self, link: Link) -> None:
        with self._lock:
            self._hooks[link.program.hook].remove(link)
            self._note_hrtimer_hooks()
        self._release_program(link.program)

    def _note_hrtimer_hooks(self) -> None:
        """Tell the timer table which hrtimer tracepoints have programs (lock held): it skips
        the others, at no cost per timer operation."""
        self.timers_table.hooked = frozenset(
            name for name in HRTIMER_HOOKS if self._hooks.get(name) or self._hooks.get(f"timer/{name}")
        )

    def trigger(
        self,
        name: str,
        *args: int | bytes | Mapping[str, Any],
        ret: int | None = None,
        cpu: int | None = None,
        task: Task | None = None,
        context: IrqContext | None = None,
    ) -> None:
        """Fire the hook ``name`` as if the kernel reached it, running every attached program.

        fentry and kprobe programs run first with ``args``; then fexit and kretprobe programs,
        which also see the return value: ``ret``, or what the kernel's ``bpf_fentry_test*``
        function of that name returns for ``args``, or 0. For fentry, fexit and tp_btf
        programs a pointer argument may be bytes, or a dict laid out as the struct the hook's
        prototype points to; pybpf places it in memory and passes its address. A tracepoint
        takes its raw context as one bytes argument; kprobes take ints. ``task`` is the
        current task for this call (by default the runtime's). ``context`` is the kernel
        context the hook runs in (what the timer helpers may do there depends on it): by
        default the one pybpf knows for the hook (:func:`hook_context`), else the caller's.

        Raises:
            TypeError: ``name`` is not a str, or an argument pybpf cannot pass to this hook.
        """
        expect(name, str, "trigger: name", "a str")
        for i, arg in enumerate(args):
            expect(arg, (int, bytes, Mapping), f"trigger: argument {i + 1}", "an int, bytes or a dict")
        try:
            self._fire(name, args, ret=ret, cpu=cpu, task=task, context=context)
        except BpfRuntimeError as err:
            raise trimmed(err) from None  # the traceback starts at this public call

    def _fire(
        self,
        name: str,
        args: tuple[Any, ...],
        *,
        ret: int | None = None,
        cpu: int | None = None,
        task: Task | None = None,
        context: IrqContext | None = None,
        memory: tuple[Region, ...] = (),
    ) -> None:
        """Run the programs attached to ``name``; ``memory`` is what pointer arguments already
        point to (the hrtimer tracepoints' objects)."""
        with self._lock:
            links = list(self._hooks.get(name, ()))
        if not links:
            return
        cpu = self._cpu_for(cpu)
        ints = [a for a in args if isinstance(a, int)]
        known = _KNOWN_FUNCTIONS.get(name)
        result = ret if ret is not None else known(ints) if known and len(ints) == len(args) and ints else 0
        with self._host.running_as(task), self._host.running_in(context or hook_context(name)):
            for exit_pass in (False, True):
                for link in links:
                    program = link.program
                    if program.is_exit_hook != exit_pass:
                        continue
                    r1, regions = self._hook_regions(program, name, args, ints, result)
                    try:
                        program._execute(r1, (*regions, *memory), None, cpu)
                    except BpfRuntimeError as err:
                        raise trimmed(err) from None

    def _fire_hrtimer_hook(self, hook: HrtimerHook) -> None:
        """An hrtimer tracepoint, fired by the timer table: raw_tp and tp_btf programs under its
        name, tracepoint programs under ``timer/<name>``, on the timer's CPU."""
        if not (self._hooks.get(hook.name) or self._hooks.get(f"timer/{hook.name}")):
            return
        fired = hrtimer_arguments(hook, self.clock.now, self._host.current_task().pid, self._clock_bases)
        context = hook_context(hook.name)
        self._fire(hook.name, fired.args, cpu=hook.timer.cpu, context=context, memory=fired.regions)
        self._fire(f"timer/{hook.name}", (fired.record,), cpu=hook.timer.cpu, context=context, memory=fired.regions)

    def _hook_regions(
        self, program: Program, name: str, args: tuple[Any, ...], ints: list[int], ret: int
    ) -> tuple[int, tuple[Region, ...]]:
        """The program's r1, its context and the memory its pointer arguments point to."""
        section = program.section
        if section.startswith(("kprobe", "kretprobe")):
            regs = pt_regs_context(ints, ret)
            return regs.base, (regs,)
        if section.startswith(("tracepoint", "tp/")) and len(args) == 1 and isinstance(args[0], bytes):
            raw = Region.from_bytes(args[0], "tracepoint ctx", writable=False)
            return raw.base, (raw,)
        pointed: tuple[Region, ...] = ()
        values = ints
        if program.type == ProgType.TRACING:
            values, placed = place_arguments(self, name, args)
            pointed = tuple(placed)
        context = args_context(values + [ret] if program.is_exit_hook else values, len(values))
        return context.base + ARGS_COUNT_SIZE, (context, *pointed)

    def _run_fentry_tests(self) -> None:
        for name, args in _FENTRY_TESTS:
            self.trigger(name, *args)

    # -- time ------------------------------------------------------------------------------

    def advance(self, ns: int) -> None:
        """Let ``ns`` nanoseconds pass: a virtual clock moves (firing due timers), a real one sleeps.

        Raises:
            TypeError: ``ns`` is not an int (``1.5 * SECOND`` is a float: use ``int()``).
            ValueError: ``ns`` is negative.
            BpfRuntimeError: a timer callback faulted (on the real clock: since the last call).
        """
        check_duration(ns, "advance", "ns")
        try:
            self.clock.advance(ns)
        except BpfRuntimeError as err:
            raise trimmed(err) from None
        self._raise_callback_errors()

    def run_until(self, t_ns: int) -> None:
        """Let time pass until CLOCK_MONOTONIC reads ``t_ns``.

        Raises:
            TypeError: ``t_ns`` is not an int.
            ValueError: on a virtual clock, ``t_ns`` is in the past (a real clock has moved on
                by itself, so there a past time passes no time).
        """
        check_time(t_ns, "run_until", "t_ns")
        if isinstance(self.clock, VirtualClock):
            try:
                self.clock.run_until(t_ns)
            except BpfRuntimeError as err:
                raise trimmed(err) from None
            return
        self.advance(max(0, t_ns - self.clock.now()))

    def run_until_idle(self, limit_ns: int) -> int:
        """Let time pass until no timer is armed or ``limit_ns`` has passed; returns the time that passed.

        Raises:
            TypeError: ``limit_ns`` is not an int.
            ValueError: ``limit_ns`` is negative.
            BpfRuntimeError: a timer callback faulted, or (virtual clock) a timer storm.
        """
        check_duration(limit_ns, "run_until_idle", "limit_ns")
        try:
            passed = self.clock.run_until_idle(limit_ns)  # type: ignore[attr-defined]
        except BpfRuntimeError as err:
            raise trimmed(err) from None
        self._raise_callback_errors()
        return passed  # type: ignore[no-any-return]

    def _raise_callback_errors(self) -> None:
        errors = getattr(self.clock, "errors", None)
        if errors:
            first = errors.pop(0)
            errors.clear()
            raise trimmed(first) from None

    # -- timers ----------------------------------------------------------------------------

    def _key_reader(self, m: Any) -> Callable[[bytes], Any]:
        """How map ``m``'s handles type its keys (bytes as they are when it has none)."""
        codec = self._key_codecs.get(m)
        return bytes if codec is None else codec.from_bytes

    def timers(self) -> list[TimerInfo]:
        """Every initialised timer: map, key (typed as the map's keys), clock, state, expiry
        (on the timer's clock), callback and program."""
        return self.timers_table.infos()

    def timer_events(self) -> list[TimerEvent]:
        """The timer event trace (init, set_callback, start, fire, cancel, free; defer and
        dropped for 7.0's irq_work), timers and workqueues alike (``TimerEvent.kind``), with
        CLOCK_MONOTONIC times and typed keys: the latest ``timer_trace_limit`` events, oldest
        first."""
        return self.timers_table.events

    @property
    def timer_events_lost(self) -> int:
        """How many timer events the bounded trace has dropped."""
        return self.timers_table.events_lost

    def plot_timers(self, path: str | Path) -> Path:
        """Draw the timer event trace as a timeline into ``path`` (``.svg`` or ``.png``): one
        lane per timer, showing when it was armed and until when, when it fired, was cancelled
        or freed, and how long its callbacks ran; times on the runtime's clock.

        Raises:
            NotSupportedError: matplotlib is not installed (``pip install 'pybpf[plot]'``).
            ValueError: ``path`` does not end in ``.svg`` or ``.png``, or its directory does
                not exist.
        """
        expect(path, (str, Path), "plot_timers: path", "a str or Path")
        return plot_timeline(
            self.timer_events(), path, now_ns=self.clock.now(), virtual=isinstance(self.clock, VirtualClock)
        )

    def _charge(self, nbytes: int) -> bool:
        with self._lock:
            if self.memory_limit is not None and self._charged + nbytes > self.memory_limit:
                return False
            self._charged += nbytes
            return True

    def _uncharge(self, nbytes: int) -> None:
        with self._lock:
            self._charged -= nbytes

    def _hold_program(self, program: Program) -> None:
        with self._lock:
            self._program_holders[program] = self._program_holders.get(program, 0) + 1

    # -- trace -----------------------------------------------------------------------------

    @property
    def trace_lost(self) -> int:
        """How many ``bpf_trace_printk`` lines the trace ring has dropped."""
        return self._host.trace_lost

    def trace_lines(self) -> list[str]:
        """The ``bpf_trace_printk`` lines in the trace ring, oldest first."""
        return [r.message for r in self._host.trace_records]

    def trace_fields(self) -> list[TraceRecord]:
        """The trace lines with their task, pid, CPU and timestamp (as BCC's ``trace_fields``)."""
        return list(self._host.trace_records)

    # -- closing ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close every object and pin, freeing every map (idempotent)."""
        if self.closed:
            return
        self.closed = True
        for obj in list(self._objects):
            obj.close()
        for path in list(self._table.pins):
            self._table.unpin(path)
        for links in list(self._hooks.values()):
            for link in list(links):
                link.detach()
        for m in self._table.live_maps():  # whatever programs still held (armed timers)
            m.free_fields()
        self._table.sweep()
        if self._own_clock and isinstance(self.clock, RealClock):
            self.clock.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@functools.cache
def _raw_btf(path: str) -> BtfSpec:
    """A raw BTF file, parsed once per process.

    Raises:
        BtfError: the file cannot be read or is not BTF.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise BtfError(f"btf {path}: {err.strerror}") from None
    return parse_btf(data)


def _kconfig(given: Mapping[str, object] | str | None) -> Mapping[str, object]:
    if given == "host":
        return host_kconfig()
    if isinstance(given, str):
        raise TypeError(f"kconfig must be a mapping or 'host', got {given!r}")
    return {**DEFAULT_KCONFIG, **(given or {})}


def _check_arguments(ncpus: object, seed: object, memory_limit: object) -> None:
    expect(ncpus, int, "Runtime: ncpus", "an int")
    expect(seed, (int, type(None)), "Runtime: seed", "an int or None")
    expect(memory_limit, (int, type(None)), "Runtime: memory_limit", "an int or None")
    if isinstance(memory_limit, int) and memory_limit < 0:
        raise ValueError(f"Runtime: memory_limit must not be negative, got {memory_limit}")


def _check_more_arguments(trace_limit: object, timer_trace_limit: object, task: object, kconfig: object,
                          btf: object) -> None:
    """Refuse, at the call, what would otherwise fail deep inside later (or never)."""
    for name, limit in (("trace_limit", trace_limit), ("timer_trace_limit", timer_trace_limit)):
        expect(limit, int, f"Runtime: {name}", "an int")
        assert isinstance(limit, int)
        if limit < 0:
            raise ValueError(f"Runtime: {name} must not be negative, got {limit}")
    expect(task, (Task, type(None)), "Runtime: task", "a pybpf.Task or None")
    expect(kconfig, (Mapping, str, type(None)), "Runtime: kconfig", "a dict of CONFIG_* values, 'host' or None")
    expect(btf, (str, Path, type(None)), "Runtime: btf", "'host', the path of a BTF file, or None")
    if isinstance(btf, (str, Path)) and btf != "host" and not Path(btf).is_file():
        raise ValueError(f"Runtime: btf: no BTF file at {btf}")


def _check_load_arguments(pin_root: object, programs: object, verify: object, cflags: object) -> None:
    expect(pin_root, str, "load: pin_root", "a str")
    expect(verify, bool, "load: verify", "True or False")
    if programs is not None and (isinstance(programs, str) or not isinstance(programs, Collection)
                                 or not all(isinstance(name, str) for name in programs)):
        raise TypeError("load: programs must be a collection of program names (str) or None")
    if isinstance(cflags, str) or not isinstance(cflags, Sequence) or not all(isinstance(f, str) for f in cflags):
        raise TypeError("load: cflags must be a list of compiler options (str)")


def _make_clock(clock: str | Clock, ncpus: int) -> Clock:
    if isinstance(clock, Clock):
        return clock
    if clock == "real":
        return RealClock(ncpus)
    if clock == "virtual":
        return VirtualClock()
    if not isinstance(clock, str):
        raise TypeError(f"Runtime: clock must be 'real', 'virtual' or a Clock, not {type(clock).__name__}")
    raise ValueError(f"unknown clock '{clock}' (real, virtual or a Clock)")


class _TimerOwner:
    """The runtime as its timer table sees it (:class:`pybpf.timers.TimerOwner`)."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self._names: weakref.WeakKeyDictionary[Any, dict[int, str]] = weakref.WeakKeyDictionary()

    def map_users(self, m: Any) -> int:
        return self.rt._table.users(m)

    def hold_program(self, program: Any) -> None:
        self.rt._hold_program(program)

    def release_program(self, program: Any) -> None:
        self.rt._release_program(program)

    def charge(self, nbytes: int) -> bool:
        return self.rt._charge(nbytes)

    def uncharge(self, nbytes: int) -> None:
        self.rt._uncharge(nbytes)

    def key_reader(self, m: Any) -> Callable[[bytes], Any]:
        return self.rt._key_reader(m)

    def callback_name(self, program: Any, entry: int) -> str:
        if entry == 0:
            return program.name  # type: ignore[no-any-return]
        names = self._names.get(program)
        if names is None:  # listings ask once per timer: build the table once per program
            names = self._names[program] = {pc: name for name, pc in program.spec.subprograms.items()}
        return names.get(entry, f"pc {entry}")

    def context(self) -> IrqContext:
        context: IrqContext = getattr(self.rt._host._run, "irq", IrqContext.TASK)  # Host.irq_context, on every start
        return context

    def fire_hook(self, hook: HrtimerHook) -> None:
        self.rt._fire_hrtimer_hook(hook)

    def lane_host(self) -> tuple[Any, Any, Callable[[Any, int], Region | None]]:
        """What the native timer lane's runs see as their runtime, the per-thread state whose
        ``irq`` says the context they run in, and the window of a value callbacks start with."""
        return self.rt._host, self.rt._host._run, self._value_window

    def lane_failed(self, timer: Timer, err: BaseException) -> None:
        """Say where a callback the native timer lane ran failed, as :meth:`run_callback` does."""
        if isinstance(err, BpfRuntimeError):
            if err.engine is None:
                err.engine = timer.engine
            where = self.rt.timers_table.describe((timer, timer.generation))
            locate(err, timer.program, callback=self.callback_name(timer.program, timer.callback_pc or 0), timer=where)

    def _value_window(self, m: Any, value: int) -> Region | None:
        """The window of the value at ``value`` that a callback likely reads first: its first
        bytes programs may address (past the special fields at its start). It stays what a
        lookup would give while the timer lives, since its element does."""
        offset = 0
        for start, size in m.special_fields:
            if start <= offset < start + size:
                offset = start + size
        return self.rt.space.find(value + offset, 1) if offset < m.value_size else None

    def run_callback(self, timer: Timer, engine: Any, entry: int, program: Any) -> int:
        # The key is a read-only copy, a region of each callback's run only: the map's stored
        # keys are not program memory. Made once per timer, as the value's address is.
        made = timer.callback_key
        if made is None:
            key = Region.from_bytes(timer.map.element_key(timer.slot), "timer key", writable=False)
            value = timer.value_address
            made = timer.callback_key = (
                (key,), timer.map.address, key.base, value, self._value_window(timer.map, value)
            )
        regions, map_address, key_address, value_address, window = made
        host = self.rt._host
        # The context of a timer (softirq) or a wq (task) callback: neither is hard IRQ, so
        # leaving it runs no irq_work (see Host.running_in), and a plain store does.
        run = host._run
        outer = getattr(run, "irq", IrqContext.TASK)
        run.irq = IrqContext.SOFTIRQ if timer.kind == "timer" else IrqContext.TASK
        began = time.perf_counter_ns()
        try:
            engine.run(
                map_address, key_address, value_address,
                entry=entry, regions=regions, cpu=timer.cpu, runtime=host, program=program, window=window,
            )
            return time.perf_counter_ns() - began
        except BpfRuntimeError as err:
            where = self.rt.timers_table.describe((timer, timer.generation))
            locate(err, program, callback=self.callback_name(program, entry), timer=where)
            raise
        finally:
            run.irq = outer
