"""A loaded program: running it (test_run), attaching it to named hooks."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, final

from .._errors import NotSupportedError
from .._spec import AttachType, ProgramSpec, ProgType
from ..engine import Interpreter, Region
from ..isa import Instruction
from ..verifier import Facts
from ._contexts import prepare_test_run
from ._errors import TestRunError

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = ["HOOK_TYPES", "Link", "Program", "TestRunResult"]

EINVAL = 22
SYSCALL_CTX_MAX = 0xFFFF  #: the largest context a syscall program's test run takes (U16_MAX)

#: Program types that attach to named hooks fired by :meth:`Runtime.trigger`.
HOOK_TYPES = frozenset({ProgType.TRACING, ProgType.KPROBE, ProgType.TRACEPOINT, ProgType.RAW_TRACEPOINT})


@final
@dataclass(frozen=True)
class TestRunResult:
    """What ``BPF_PROG_TEST_RUN`` reports: r0 as the kernel's u32, the average duration of one
    run, and the packet and context as the program left them (None when the type has none)."""

    __test__ = False  # not a pytest test class, despite its name

    retval: int
    duration_ns: int
    data_out: bytes | None
    ctx_out: bytes | None


@final
class Program:
    """A program of a loaded object (``obj.programs["name"]``)."""

    def __init__(
        self, runtime: Runtime, spec: ProgramSpec, insns: Sequence[Instruction], engine: Interpreter, facts: Facts
    ) -> None:
        self._runtime = runtime
        self.facts = facts  #: what the verifier proved of this program
        self.spec = spec
        self.instructions = tuple(insns)
        self.engine = engine
        self.run_count = 0
        self.run_time_ns = 0
        self._stats_lock = threading.Lock()

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

    def _execute(self, r1: int, regions: Sequence[Region], packet: Region | None, cpu: int) -> int:
        start = time.perf_counter_ns()
        r0 = self.engine.run(
            r1, regions=regions, packet=packet, cpu=cpu, runtime=self._runtime._host, program=self
        )
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

    def test_run(
        self, ctx: bytes | None = None, data: bytes | None = None, repeat: int = 1, cpu: int | None = None
    ) -> TestRunResult:
        """Run the program the way ``BPF_PROG_TEST_RUN`` does for its type.

        Args:
            ctx: the context bytes (``ctx_in``): a syscall program's argument struct, or a
                ``struct __sk_buff`` / ``struct xdp_md`` prefix; None for none.
            data: the packet (``data_in``) for socket, tc and xdp programs.
            repeat: how many times to run; ``duration_ns`` is the average. Syscall programs
                run once (the kernel refuses a repeat for them).
            cpu: the virtual CPU to run on; the calling thread's by default.

        Raises:
            TestRunError: the kernel would refuse this input (EINVAL) or this type (ENOTSUPP);
                for a syscall program, a context shorter than the program reads is EINVAL.
            BpfRuntimeError: the program faulted.
        """
        if self.type == ProgType.TRACING:
            return self._test_run_tracing()
        if self.type == ProgType.SYSCALL:
            self._check_syscall_run(ctx, repeat)
        cpu = self._runtime._cpu_for(cpu)
        repeat = max(1, repeat)
        prepared = prepare_test_run(self.type, ctx, data)
        start = time.perf_counter_ns()
        r0 = 0
        for _ in range(repeat):
            r0 = self._execute(prepared.r1, prepared.regions, prepared.packet, cpu)
        duration = (time.perf_counter_ns() - start) // repeat
        data_out, ctx_out = prepared.finish()
        return TestRunResult(r0 & 0xFFFF_FFFF, duration, data_out, ctx_out)

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
        if self.type not in HOOK_TYPES or not self.spec.attach_to:
            raise NotSupportedError(f"attach: {self.type.name.lower()} program '{self.name}' has no named hook")
        return self._runtime._attach(self)

    @property
    def hook(self) -> str:
        """The hook name ``rt.trigger`` fires for this program."""
        return self.spec.attach_to

    @property
    def is_exit_hook(self) -> bool:
        """Whether the program runs after its hook returns (fexit, kretprobe)."""
        return self.spec.attach_type == AttachType.TRACE_FEXIT or self.spec.section.startswith("kretprobe")


@final
class Link:
    """An attachment of a program to a hook; :meth:`detach` ends it."""

    def __init__(self, runtime: Runtime, program: Program) -> None:
        self._runtime = runtime
        self.program = program
        self.attached = True

    def detach(self) -> None:
        """Stop running the program on its hook (idempotent)."""
        if self.attached:
            self.attached = False
            self._runtime._detach(self)

    def __repr__(self) -> str:
        state = "attached" if self.attached else "detached"
        return f"<Link {self.program.name} -> {self.program.hook} ({state})>"
