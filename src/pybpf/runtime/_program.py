"""A loaded program: running it (test_run), attaching it to named hooks."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, final

from .._errors import NotSupportedError
from .._spec import AttachType, CollectionSpec, ProgramSpec, ProgType
from ..btf import Spec
from ..engine import BpfRuntimeError, Engine, Region
from ..isa import Instruction
from ..maps import MapType
from ..timers import IrqContext
from ..verifier import Facts
from ._checks import expect
from ._contexts import RunInput, prepare_test_run
from ._dummy_ops import dummy_ops_run
from ._errors import TestRunError
from ._faults import locate, trimmed
from ._hook_runs import HOOK_RUN_TYPES, prepare_hook_run
from ._hooks import fired_by
from ._source import SourceInfo, source_info
from ._struct_ops_load import struct_ops_target
from ._task import Task
from ._typed_ctx import context_type, pack_context, unpack_context

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["HOOK_TYPES", "Link", "Program", "TestRunResult"]

EINVAL = 22
SYSCALL_CTX_MAX = 0xFFFF  #: the largest context a syscall program's test run takes (U16_MAX)

#: Program types that attach to named hooks fired by :meth:`Runtime.trigger`.
HOOK_TYPES = frozenset(
    {ProgType.TRACING, ProgType.KPROBE, ProgType.TRACEPOINT, ProgType.RAW_TRACEPOINT, ProgType.PERF_EVENT}
)
PERF_EVENT_HOOK = "perf_event"  #: the hook perf_event programs attach to


@final
@dataclass(frozen=True)
class TestRunResult:
    """What ``BPF_PROG_TEST_RUN`` reports: r0 as the kernel's u32, the average duration of one
    run, and the packet and context as the program left them (None when the type has none);
    ``context`` is the same context as a dict."""

    __test__ = False  # not a pytest test class, despite its name

    retval: int
    duration_ns: int
    data_out: bytes | None
    ctx_out: bytes | None
    #: where the last run redirected the packet (``bpf_redirect``: ``("ifindex", n,
    #: "egress"|"ingress")``; ``bpf_redirect_map``: ``(map name, key, stored value)``), or None
    redirect: tuple[object, ...] | None = None
    #: for a ``ctx`` given as a dict, ``ctx_out`` typed the same way (a dict)
    context: Any = None


_CGROUP_STORAGE_TYPES = frozenset({MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE})
#: what a test run without cgroup storage enters instead of a scope
_NO_SCOPE = contextlib.nullcontext()


@final
class Program:
    """A program of a loaded object (``obj.programs["name"]``)."""

    def __init__(
        self,
        runtime: Runtime,
        spec: ProgramSpec,
        insns: Sequence[Instruction],
        engine: Engine,
        facts: Facts,
        collection: CollectionSpec | None = None,
    ) -> None:
        self._runtime = runtime
        self.facts = facts  #: what the verifier proved of this program
        self.spec = spec
        self.instructions = tuple(insns)
        self.engine = engine
        engine.owner = self  # a fault in its code names this program
        self._collection = collection
        self.run_count = 0
        self.run_time_ns = 0
        self._stats_lock = threading.Lock()
        #: the context runs start in: perf_event programs run from the PMU interrupt (NMI)
        self._irq = IrqContext.NMI if spec.type == ProgType.PERF_EVENT else None
        #: whether test runs need a cgroup storage scope (a program tail-calls only programs
        #: with the same cgroup storage, as the kernel's program arrays require); unknown maps
        #: count as such
        maps = collection.maps if collection is not None else {}
        self._cgroup_storage = any(
            name not in maps or maps[name].type in _CGROUP_STORAGE_TYPES for name in spec.map_refs
        )

    @property
    def name(self) -> str:
        """The function name of the program."""
        return self.spec.name

    @property
    def type(self) -> ProgType:
        """The program type its section name gives."""
        return self.spec.type

    @property
    def section(self) -> str:
        """The ELF section (``SEC()`` name)."""
        return self.spec.section

    def __repr__(self) -> str:
        return f"<Program '{self.name}' {self.type.name.lower()} section '{self.section}'>"

    @functools.cached_property
    def source(self) -> SourceInfo:
        """The program's function and line records from ``.BTF.ext`` (empty without them)."""
        if self._collection is None:
            return SourceInfo({}, {})
        return source_info(self._collection, self.spec)

    def _execute(self, r1: int, regions: Sequence[Region], packet: Region | None, cpu: int, head: int = 0) -> int:
        start = time.perf_counter_ns()
        run, host = self.engine.run, self._runtime._host
        try:
            if self._irq is None:  # in the caller's context (the hot path: no context manager)
                r0 = run(r1, regions=regions, packet=packet, packet_head=head, cpu=cpu, runtime=host, program=self)
            else:
                with host.running_in(self._irq):
                    r0 = run(r1, regions=regions, packet=packet, packet_head=head, cpu=cpu, runtime=host, program=self)
        except BpfRuntimeError as err:
            locate(err, self)
            raise
        elapsed = time.perf_counter_ns() - start
        with self._stats_lock:
            self.run_count += 1
            self.run_time_ns += elapsed
        return r0

    @property
    def max_ctx_offset(self) -> int:
        """The end of the furthest context access the verifier saw (the kernel's
        ``max_ctx_offset``): a syscall program's test run needs at least that much context."""
        return self.facts.max_ctx_offset

    def _check_syscall_run(self, ctx: bytes | None, repeat: int) -> None:
        """Refuse what ``bpf_prog_test_run_syscall`` refuses: a repeat, a context shorter than
        the program reads or longer than 64 KiB."""
        size = len(ctx or b"")
        if repeat > 1:
            raise TestRunError("test_run: syscall programs run once, without repeat (EINVAL)", EINVAL)
        if size < self.max_ctx_offset:
            raise TestRunError(
                f"test_run: the program reads {self.max_ctx_offset} bytes of context, {size} given (EINVAL)", EINVAL
            )
        if size > SYSCALL_CTX_MAX:
            raise TestRunError(f"test_run: a context of {size} bytes is over {SYSCALL_CTX_MAX} (EINVAL)", EINVAL)

    @functools.cached_property
    def context_type(self) -> int:
        """The BTF id of the struct the program's context argument points to (0: none known)."""
        return context_type(self._btf, self.source.funcs.get(0))

    def test_run(
        self,
        ctx: bytes | Mapping[str, Any] | None = None,
        data: bytes | None = None,
        repeat: int = 1,
        cpu: int | None = None,
        task: Task | None = None,
    ) -> TestRunResult:
        """Run the program the way ``BPF_PROG_TEST_RUN`` does for its type.

        Args:
            ctx: the context (``ctx_in``): a syscall program's argument struct, or a
                ``struct __sk_buff`` / ``struct xdp_md`` prefix; bytes, or a dict of the
                struct's members (packed through the program's BTF); None for none.
            data: the packet (``data_in``) for socket, tc and xdp programs.
            repeat: how many times to run; ``duration_ns`` is the average. Syscall programs
                run once (the kernel refuses a repeat for them).
            cpu: the virtual CPU to run on; the calling thread's by default.
            task: the current task of this run (by default the runtime's).

        Raises:
            TypeError, ValueError: an argument of the wrong type or value (a float repeat, a
                str packet, a dict member the context struct lacks...).
            TestRunError: the kernel would refuse this input (EINVAL) or this type (ENOTSUPP);
                for a syscall program, a context shorter than the program reads is EINVAL.
            BpfRuntimeError: the program faulted.
        """
        if self._runtime.closed:
            raise ValueError(f"test_run: program '{self.name}' cannot run: its runtime is closed")
        # test_run is a hot path (tests call it in loops): the common arguments cost two tests.
        plain = ctx is None or type(ctx) is bytes
        ctx_bytes = ctx if plain else pack_context(ctx, self._btf, self.context_type, self.name)
        _check_run_arguments(data, repeat, cpu)
        try:
            if task is None:  # the common case: no context manager to enter
                result = self._test_run(ctx_bytes, data, repeat, cpu)  # type: ignore[arg-type]
            else:
                with self._runtime._host.running_as(task):
                    result = self._test_run(ctx_bytes, data, repeat, cpu)  # type: ignore[arg-type]
        except BpfRuntimeError as err:
            raise trimmed(err) from None
        if plain or not isinstance(ctx, Mapping) or result.ctx_out is None:
            return result  # bytes in, bytes out: typing them would cost every run
        return dataclasses.replace(result, context=unpack_context(result.ctx_out, self._btf, self.context_type))

    def run(
        self,
        ctx: bytes | None = None,
        data: bytes | None = None,
        cpu: int | None = None,
        *,
        sysctl: str | None = None,
        current: bytes = b"",
    ) -> TestRunResult:
        """Run the program once as its kernel hook would, with the context the hook passes.

        For sock_ops, sk_msg and sk_skb programs, which the kernel runs only from its socket
        hooks (``BPF_PROG_TEST_RUN`` refuses them, and so does :meth:`test_run`), ``ctx`` is
        the start of a ``struct bpf_sock_ops``, ``struct sk_msg_md`` or ``struct __sk_buff``
        (zeros after it) and ``data`` the message (sk_msg), the stream data (sk_skb) or the
        skb of a header-option callback (sock_ops); the context's pointers are filled in, a
        sock_ops or sk_msg ``sk`` is NULL (pybpf has no socket). The result
        holds the context as the program left it (a sock_ops ``reply``), the message, and
        where a redirect helper sent the message. A cgroup_sysctl program gets a ``struct
        bpf_sysctl`` (``write``, ``file_pos``) for an access to the sysctl named ``sysctl``
        (its path below /proc/sys) whose value reads as ``current``; for a write, ``data`` is
        the value written and ``data_out`` the value the write stores after the program (which
        ``bpf_sysctl_set_new_value`` may replace); retval 1 lets the access through, 0 makes
        it fail with EPERM. Any other type runs as :meth:`test_run`.

        Raises:
            TypeError: ``ctx`` or ``data`` is not bytes.
            TestRunError: a context longer than the struct (EINVAL).
            ValueError: a sysctl run without the sysctl's name, or with a value for a read.
            BpfRuntimeError: the program faulted.
        """
        if self.spec.type not in HOOK_RUN_TYPES:
            return self.test_run(ctx, data, cpu=cpu)
        expect(ctx, (bytes, type(None)), "run: ctx", "bytes or None")
        _check_run_arguments(data, 1, cpu)
        if self._runtime.closed:
            raise ValueError(f"run: program '{self.name}' cannot run: its runtime is closed")
        expect(sysctl, (str, type(None)), "run: sysctl", "a str or None")
        expect(current, bytes, "run: current", "bytes")
        prepared = prepare_hook_run(self.spec.type, ctx, data, sysctl, current)
        try:
            with prepared.scope:
                return self._run_prepared(prepared.run, 1, self._runtime._cpu_for(cpu))
        except BpfRuntimeError as err:
            raise trimmed(err) from None

    @property
    def _btf(self) -> Spec | None:
        return self._collection.btf if self._collection is not None else None

    def _test_run(self, ctx: bytes | None, data: bytes | None, repeat: int, cpu: int | None) -> TestRunResult:
        prog_type = self.spec.type
        if prog_type == ProgType.TRACING:
            return self._test_run_tracing()
        if prog_type == ProgType.SYSCALL:
            self._check_syscall_run(ctx, repeat)
        runtime = self._runtime
        cpu = runtime._cpu_for(cpu)
        if prog_type == ProgType.STRUCT_OPS and self._collection is not None:  # run once, as the kernel does
            target = struct_ops_target(runtime._core_targets()[0], self._collection, self.spec)
            return self._run_prepared(dummy_ops_run(target, ctx, runtime._host.read_process_memory), 1, cpu)
        repeat = repeat or 1
        return self._run_prepared(prepare_test_run(prog_type, ctx, data), repeat, cpu)

    def _run_prepared(self, prepared: RunInput, repeat: int, cpu: int) -> TestRunResult:
        host = self._runtime._host
        outcomes = host.start_recording()
        start = time.perf_counter_ns()
        r0 = 0
        with host.cgroup_storage_scope() if self._cgroup_storage else _NO_SCOPE:
            for _ in range(repeat):
                outcomes.clear()
                r0 = self._execute(prepared.r1, prepared.regions, prepared.packet, cpu, prepared.packet_head)
        duration = (time.perf_counter_ns() - start) // repeat
        data_out, ctx_out = prepared.finish()
        return TestRunResult(r0 & 0xFFFF_FFFF, duration, data_out, ctx_out, outcomes.get("redirect"))

    def _test_run_tracing(self) -> TestRunResult:
        """Like the kernel: call the ``bpf_fentry_test*`` functions, so attached programs run."""
        start = time.perf_counter_ns()
        self._runtime._run_fentry_tests()
        return TestRunResult(0, time.perf_counter_ns() - start, None, None)

    def attach(self) -> Link:
        """Attach to the hook the section names (``fentry/bpf_fentry_test1``...).

        Raises:
            NotSupportedError: the program type has no named hooks in pybpf.
        """
        if self.type not in HOOK_TYPES or not self.hook:
            raise NotSupportedError(f"attach: {self.type.name.lower()} program '{self.name}' has no named hook")
        return self._runtime._attach(self)

    @property
    def hook(self) -> str:
        """The hook name ``rt.trigger`` fires for this program: a perf_event program's is
        ``"perf_event"`` (the PMU interrupt, an NMI)."""
        return self.spec.attach_to or (PERF_EVENT_HOOK if self.type == ProgType.PERF_EVENT else "")

    @property
    def is_exit_hook(self) -> bool:
        """Whether the program runs after its hook returns (fexit, kretprobe)."""
        return self.spec.attach_type == AttachType.TRACE_FEXIT or self.spec.section.startswith("kretprobe")


def _check_run_arguments(data: object, repeat: object, cpu: object) -> None:
    if type(repeat) is int and repeat >= 0 and (data is None or type(data) is bytes) and (cpu is None or type(cpu) is int):
        return  # the common case, cheaply: test_run is a hot path
    expect(data, (bytes, bytearray, memoryview, type(None)), "test_run: data", "bytes or None")
    expect(repeat, int, "test_run: repeat", "an int")
    assert isinstance(repeat, int)
    if repeat < 0:
        raise ValueError(f"test_run: repeat must not be negative, got {repeat}")
    expect(cpu, (int, type(None)), "test_run: cpu", "an int or None")


@final
class Link:
    """An attachment of a program to a hook; :meth:`detach` ends it."""

    def __init__(self, runtime: Runtime, program: Program) -> None:
        self._runtime = runtime
        self.program = program
        self.attached = True
        #: what makes the hook fire in pybpf: ``"rt.trigger only"`` for hooks pybpf does not
        #: model (a kernel would fire them by itself), or the runtime event that fires it too
        self.fired_by = fired_by(program.hook)

    def detach(self) -> None:
        """Stop running the program on its hook (idempotent)."""
        if self.attached:
            self.attached = False
            self._runtime._detach(self)

    def __repr__(self) -> str:
        state = "attached" if self.attached else "detached"
        return f"<Link {self.program.name} -> {self.program.hook} ({state})>"
