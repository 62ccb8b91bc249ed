"""What helper implementations need from the runtime that runs them.

Helpers sit beside the engine and never import the runtime: the runtime puts an object with
this interface in :attr:`ExecContext.runtime` before each run.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["CLOCK_BOOTTIME", "CLOCK_MONOTONIC", "CLOCK_REALTIME", "CLOCK_TAI", "HelperHost"]

CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_BOOTTIME = 7
CLOCK_TAI = 11


class HelperHost(Protocol):
    """The runtime as helpers see it."""

    #: the runtime's :class:`pybpf.timers.TimerTable`, which implements the timer helpers
    timers: Any
    #: the lists, trees, reference counts and kptrs of allocated objects (``ObjectGraphs``)
    graphs: Any
    @property
    def ncpus(self) -> int:
        """How many CPUs the runtime has (what ``nr_cpu_ids`` is to the kernel's helpers)."""
        ...

    def netns_cookie(self, initial: bool) -> int | None:
        """The cookie of this process's network namespace (the one test runs happen in), or
        with ``initial`` of the host's first one; None when the host does not tell."""
        ...

    def read_process_memory(self, address: int, size: int) -> bytes | None:
        """``size`` bytes of this process's memory at ``address`` (the user memory of the task
        that runs programs), or None where it is not mapped readable."""
        ...

    def map_at(self, address: int) -> Any | None:
        """The map whose pointer (as loaded by ``lddw``) is ``address``, or None."""
        ...

    def layout_btf(self, program: Any, struct: str) -> Any:
        """The BTF (a :class:`pybpf.btf.Spec`) that lays out the kernel's ``struct`` as
        ``program``'s CO-RE relocations saw it: the runtime's target BTF where it describes
        the struct, else the program's own; None when neither is there."""
        ...

    def percpu_stride(self, address: int) -> int:
        """The spacing of the copies of the per-CPU ``__ksym`` variable whose first copy is
        at ``address`` (0 when no per-CPU variable is there)."""
        ...

    def now_ns(self, clock_id: int) -> int:
        """The current time of one of the ``CLOCK_*`` clocks, in nanoseconds."""
        ...

    def trace(self, cpu: int, message: str) -> None:
        """Append one ``bpf_trace_printk`` line."""
        ...

    def prandom_u32(self) -> int:
        """The next pseudo-random 32-bit number."""
        ...

    def pid_tgid(self) -> int:
        """What ``bpf_get_current_pid_tgid`` returns for the calling thread."""
        ...

    def current_task(self) -> Any:
        """The :class:`pybpf.Task` programs run on behalf of."""
        ...

    def task_address(self) -> int:
        """The address of the current task's kernel object."""
        ...

    def cgroup_address(self, cgroup_id: int) -> int:
        """The address of the kernel object of cgroup ``cgroup_id`` when pybpf has it (the
        root, id 1, and the current task's cgroup), else 0."""
        ...

    def cgroup_ancestor(self, address: int, level: int) -> int:
        """The address of the ancestor at ``level`` of the modelled cgroup at ``address`` (0
        when it has none there, or ``address`` is no cgroup pybpf made)."""
        ...

    def new_object(self, program: Any, type_id: int) -> int:
        """The address of a new zeroed object of the struct ``type_id`` of ``program``'s BTF
        (``bpf_obj_new``), or 0 when the runtime's budget for such objects is spent."""
        ...

    def new_memory(self, size: int, what: str) -> int:
        """The address of ``size`` new zeroed bytes of allocator memory from the same budget
        (a kfunc's own buffer), or 0 when it is spent; :meth:`drop_object` frees them."""
        ...

    def drop_object(self, address: int) -> None:
        """Free an object :meth:`new_object` made (``bpf_obj_drop``)."""
        ...

    def record(self, what: str, value: Any) -> None:
        """Note an outcome of the current run (``"redirect"``: where the packet went)."""
        ...

    def kernel_skb_fields(self) -> dict[str, int]:
        """The offsets of the members of the modelled ``struct sk_buff`` (what a netfilter
        program's ``ctx->skb`` points to)."""
        ...

    def socket_cookie(self, socket: int) -> int:
        """The cookie of the socket at ``socket``: numbered from 1 in order of first sight."""
        ...

    def cgroup_storage(self, m: Any) -> Any:
        """The storage (a region) of cgroup storage map ``m`` for the current run: fresh and
        zeroed for each test run, as the kernel allocates it."""
        ...

    def ringbuf_of(self, record: int) -> int:
        """The map pointer of the ring buffer holding a reserved record (0 if none)."""
        ...
