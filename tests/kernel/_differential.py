"""The differential runner: one object file, one scenario, the kernel and pybpf side by side.

A scenario is a list of steps: run a program (with a context and a packet), or operate on a map
from user space (update, delete, lookup, lookup-and-delete, get-next-key). Each step runs on the
kernel (through libbpf) and on pybpf; after each step the runner compares what the step returned
(the program's retval, data_out and ctx_out; a map operation's value or errno), the full
contents of every map, global data included, and the bytes each map is charged (memlock). At
the end it also drains queues and stacks and consumes ring buffers, and compares those.

The kernel wins: any difference is reported as a :class:`Discrepancy` naming the step.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pybpf
from pybpf.cli._map import memlock
from pybpf.elf._data import OBJ_NAME_LEN
from pybpf.maps import MapError, MapType
from pybpf.runtime import TestRunError

from ._libbpf import KernelMap, KernelObject, LibbpfError, num_possible_cpus, on_cpu

__all__ = [
    "Consume",
    "Produce",
    "Delete",
    "Discrepancy",
    "LoadOutcome",
    "Lookup",
    "LookupAndDelete",
    "NextKey",
    "Report",
    "Run",
    "Update",
    "compare",
    "compare_load",
    "last_line",
]

#: the CPU every run happens on, on both sides (per-CPU maps and bpf_get_smp_processor_id):
#: the first this process may use
RUN_CPU = min(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0


# -- steps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Run ``program`` with ``ctx`` (``ctx_in``) and ``data`` (``data_in``), ``repeat`` times
    (the kernel's 0 and pybpf's 1 both mean once)."""

    program: str
    ctx: bytes | None = None
    data: bytes | None = None
    repeat: int = 0


@dataclass(frozen=True)
class Update:
    """BPF_MAP_UPDATE_ELEM from user space (``key`` None pushes onto a queue or stack)."""

    map: str
    key: bytes | None
    value: bytes | list[bytes]
    flags: int = 0


@dataclass(frozen=True)
class Delete:
    """BPF_MAP_DELETE_ELEM from user space."""

    map: str
    key: bytes


@dataclass(frozen=True)
class Lookup:
    """BPF_MAP_LOOKUP_ELEM from user space (``key`` None peeks at a queue or stack)."""

    map: str
    key: bytes | None
    flags: int = 0


@dataclass(frozen=True)
class LookupAndDelete:
    """BPF_MAP_LOOKUP_AND_DELETE_ELEM (``key`` None pops a queue or stack)."""

    map: str
    key: bytes | None


@dataclass(frozen=True)
class NextKey:
    """BPF_MAP_GET_NEXT_KEY from user space."""

    map: str
    key: bytes | None


@dataclass(frozen=True)
class Consume:
    """Consume every submitted record of a ring buffer (libbpf's ring_buffer__consume, pybpf's
    ``poll``): the step's value is the records."""

    map: str


@dataclass(frozen=True)
class Produce:
    """Write samples into a user ring buffer (libbpf's user_ring_buffer, pybpf's ``reserve``):
    each submitted, or discarded (indexes in ``discard``), or left reserved (``reserved``)."""

    map: str
    samples: tuple[bytes, ...]
    discard: tuple[int, ...] = ()
    reserved: tuple[int, ...] = ()


Step = Run | Update | Delete | Lookup | LookupAndDelete | NextKey | Consume | Produce


@dataclass(frozen=True)
class Outcome:
    """What one step returned: an errno, or its results."""

    errno: int = 0
    retval: int | None = None
    data_out: bytes | None = None
    ctx_out: bytes | None = None
    value: Any = None

    def __str__(self) -> str:
        if self.errno:
            return f"errno {self.errno}"
        parts = []
        if self.retval is not None:
            parts.append(f"retval {self.retval} ({_signed32(self.retval)})")
        for name in ("data_out", "ctx_out", "value"):
            v = getattr(self, name)
            if v is not None:
                parts.append(f"{name} {_show(v)}")
        return ", ".join(parts) or "ok"


class Discrepancy(AssertionError):
    """The kernel and pybpf disagree; the message says where and how."""


# -- the two sides ---------------------------------------------------------------------------

_CONTENT_TYPES = {
    MapType.HASH, MapType.ARRAY, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_HASH,
    MapType.LRU_PERCPU_HASH,
}
_OBJECT_TYPES = {MapType.PROG_ARRAY, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS}
_QUEUE_TYPES = {MapType.QUEUE, MapType.STACK}
#: maps whose iteration order is the kernel's hash order (random per map unless
#: BPF_F_ZERO_SEED): only which keys they hold can be compared, not their order
_HASH_ORDER_TYPES = {MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH,
                     MapType.HASH_OF_MAPS}


def _next_key_outcome(value: bytes | None, keys: list[bytes], asked: bytes | None) -> Any:
    """GET_NEXT_KEY on a hash map, in terms both sides share: the order of keys is the
    kernel's hash order, so only "a key of the map that is not the one asked" (or the end)
    can be compared."""
    if value is None:
        return None
    return "another key of the map" if value in keys and value != asked else f"stray key {value.hex()}"


class _Kernel:
    def __init__(self, path: Path) -> None:
        self.obj = KernelObject(path)

    def close(self) -> None:
        self.obj.close()

    def run(self, step: Run) -> Outcome:
        prog = self.obj.programs[step.program]
        restore = on_cpu(RUN_CPU)
        try:
            # pybpf's test_run returns ctx_out when a ctx went in: ask the kernel for it then
            result = prog.test_run(ctx=step.ctx, data=step.data, repeat=step.repeat, ctx_out=step.ctx is not None)
        except LibbpfError as err:
            return Outcome(errno=err.errno)
        finally:
            restore()
        return Outcome(retval=result.retval, data_out=result.data_out, ctx_out=result.ctx_out)

    def map_op(self, step: Step) -> Outcome:
        m = self.obj.maps[step.map]  # type: ignore[union-attr]
        try:
            if isinstance(step, Update):
                m.update(step.key, step.value, step.flags)
                return Outcome()
            if isinstance(step, Delete):
                m.delete(step.key)
                return Outcome()
            if isinstance(step, Lookup):
                return Outcome(value=m.lookup(step.key, step.flags))
            if isinstance(step, LookupAndDelete):
                return Outcome(value=m.lookup_and_delete(step.key))
            if isinstance(step, Consume):
                return Outcome(value=m.consume())
            if isinstance(step, Produce):
                m.produce(step.samples, step.discard, step.reserved)
                return Outcome()
            assert isinstance(step, NextKey)
            value = m.get_next_key(step.key)
            if MapType(m.type) in _HASH_ORDER_TYPES:
                return Outcome(value=_next_key_outcome(value, m.keys(), step.key))
            return Outcome(value=value)
        except LibbpfError as err:
            return Outcome(errno=err.errno)

    def maps(self) -> dict[str, tuple[int, int, int, int, int]]:
        """Each map by the kernel's name for it (libbpf 1.1 keeps longer names of its own for
        custom data sections; pybpf answers to those too), with its attributes."""
        return {m.kernel_name: (m.type, m.key_size, m.value_size, m.max_entries, m.flags) for m in self.obj.maps.values()}

    def memlock(self, name: str) -> int:
        return self.obj.maps[name].memlock

    def contents(self, name: str, final: bool) -> Any:
        m = self.obj.maps[name]
        t = MapType(m.type)
        if t in _CONTENT_TYPES:
            return m.items()
        if t in _OBJECT_TYPES:
            return sorted(k for k in m.keys() if _kernel_has(m, k))  # noqa: SIM118 (not a dict)
        if t in _QUEUE_TYPES:
            return m.drain() if final else _kernel_peek(m)
        if t == MapType.RINGBUF:
            return m.consume() if final else None
        return None


def _kernel_has(m: KernelMap, key: bytes) -> bool:
    try:
        m.lookup(key)
    except LibbpfError as err:
        if err.errno == 2:
            return False
        raise
    return True


def _kernel_peek(m: KernelMap) -> Any:
    try:
        return m.lookup(None)
    except LibbpfError as err:
        return f"errno {err.errno}"


class _Pybpf:
    def __init__(self, path: Path, ncpus: int) -> None:
        self.rt = pybpf.Runtime(clock="virtual", ncpus=ncpus, seed=1)
        try:
            self.obj = self.rt.load(path)
        except BaseException:
            self.rt.close()
            raise

    def close(self) -> None:
        self.rt.close()

    def run(self, step: Run) -> Outcome:
        prog = self.obj.programs[step.program]
        try:
            result = prog.test_run(ctx=step.ctx, data=step.data, repeat=max(1, step.repeat), cpu=RUN_CPU)
        except TestRunError as err:
            return Outcome(errno=err.errno)
        return Outcome(retval=result.retval, data_out=result.data_out, ctx_out=result.ctx_out)

    def map_op(self, step: Step) -> Outcome:
        m = self.obj.maps[step.map].internal  # type: ignore[union-attr]
        key = getattr(step, "key", None)
        raw_key = b"" if key is None and not isinstance(step, NextKey) else key
        try:
            if isinstance(step, Update):
                m.update_elem(raw_key, step.value, step.flags)
                return Outcome()
            if isinstance(step, Delete):
                m.delete_elem(raw_key)
                return Outcome()
            if isinstance(step, Lookup):
                return Outcome(value=m.lookup_elem(raw_key, step.flags))
            if isinstance(step, LookupAndDelete):
                return Outcome(value=m.lookup_and_delete_elem(raw_key))
            if isinstance(step, Consume):
                records: list[bytes] = []
                m.poll(records.append, 0)
                return Outcome(value=records)
            if isinstance(step, Produce):
                for i, data in enumerate(step.samples):
                    sample = m.reserve(len(data))
                    sample.data[:] = data
                    if i in step.discard:
                        m.discard(sample)
                    elif i not in step.reserved:
                        m.submit(sample)
                return Outcome()
            assert isinstance(step, NextKey)
            value = m.get_next_key(key)
            if MapType(m.type) in _HASH_ORDER_TYPES:
                return Outcome(value=_next_key_outcome(value, m.keys(), key))
            return Outcome(value=value)
        except MapError as err:
            return Outcome(errno=err.errno)

    def variables(self, map_name: str) -> list[tuple[str, int, int]]:
        """(name, offset, size) of the globals that live in ``map_name``, by offset."""
        inner = self.obj.maps[map_name].internal
        found = [(v.name, v.offset, v.size) for v in self.obj.globals._vars.values() if v.map is inner]
        return sorted(found, key=lambda v: v[1])

    def maps(self) -> dict[str, tuple[int, int, int, int, int]]:
        """Each map by the name the kernel would hold for it (cut to 15 characters, as the
        kernel's side is keyed), with its attributes."""
        out = {}
        for name in self.obj.maps:
            m = self.obj.maps[name].internal
            out[name[: OBJ_NAME_LEN - 1]] = (int(m.type), m.key_size, m.value_size, m.max_entries, m.flags)
        return out

    def memlock(self, name: str) -> int:
        return memlock(self.obj.maps[name], self.rt.ncpus)

    def contents(self, name: str, final: bool) -> Any:
        m = self.obj.maps[name].internal
        t = MapType(m.type)
        if t in _CONTENT_TYPES:
            out = {}
            for key in m.keys():  # noqa: SIM118 (a pybpf map, not a dict)
                with contextlib.suppress(KeyError):
                    out[key] = m.lookup_elem(key)
            return out
        if t in _OBJECT_TYPES:
            found = []
            for key in m.keys():  # noqa: SIM118 (a pybpf map, not a dict)
                with contextlib.suppress(KeyError):
                    m.lookup_elem(key)
                    found.append(key)
            return sorted(found)
        if t in _QUEUE_TYPES:
            if final:
                values = []
                while True:
                    try:
                        values.append(m.lookup_and_delete_elem(b""))
                    except KeyError:
                        return values
            try:
                return m.lookup_elem(b"")
            except MapError as err:
                return f"errno {err.errno}"
        if t == MapType.RINGBUF:
            if not final:
                return None
            records: list[bytes] = []
            m.poll(records.append, 0)
            return records
        return None


# -- comparing -------------------------------------------------------------------------------


def _signed32(v: int) -> int:
    return v - (1 << 32) if v >= 1 << 31 else v


def _show(v: Any) -> str:
    if isinstance(v, bytes):
        return v.hex() if len(v) <= 64 else f"{v[:64].hex()}... ({len(v)} bytes)"
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return repr(v)


def _diff_bytes(kernel: bytes, ours: bytes, variables: Sequence[tuple[str, int, int]]) -> str:
    """Where two values differ: per variable of a data section, else the first differing bytes."""
    lines = []
    for name, offset, size in variables:
        k, o = kernel[offset : offset + size], ours[offset : offset + size]
        if k != o:
            for start in range(0, size, 32):  # long arrays: the 32-byte rows that differ
                kk, oo = k[start : start + 32], o[start : start + 32]
                if kk != oo:
                    lines.append(f"    {name}[+{start}]: kernel {kk.hex()}\n    {' ' * len(name)}       pybpf  {oo.hex()}")
    if lines:
        return "\n".join(lines)
    first = next((i for i, (a, b) in enumerate(zip(kernel, ours)) if a != b), min(len(kernel), len(ours)))
    start = first - first % 16
    return (f"    first difference at byte {first}:\n    kernel [{start}:] {kernel[start : start + 48].hex()}\n"
            f"    pybpf  [{start}:] {ours[start : start + 48].hex()}")


def _diff_contents(kernel: Any, ours: Any, variables: Sequence[tuple[str, int, int]] = ()) -> str:
    if isinstance(kernel, dict) and isinstance(ours, dict):
        lines = []
        for key in sorted(set(kernel) | set(ours)):
            k, o = kernel.get(key, "<missing>"), ours.get(key, "<missing>")
            if k == o:
                continue
            if isinstance(k, bytes) and isinstance(o, bytes) and len(k) == len(o):
                lines.append(f"    key {key.hex()}:\n" + _diff_bytes(k, o, variables))
            else:
                lines.append(f"    key {key.hex()}: kernel {_show(k)}\n{' ' * (len(key.hex()) + 10)}pybpf  {_show(o)}")
        return "\n".join(lines)
    return f"    kernel {_show(kernel)}\n    pybpf  {_show(ours)}"


@dataclass
class Report:
    """What a scenario observed on the kernel (for tests that want to assert more)."""

    outcomes: list[Outcome] = field(default_factory=list)
    final: dict[str, Any] = field(default_factory=dict)  #: the kernel's maps at the end
    pybpf_final: dict[str, Any] = field(default_factory=dict)  #: pybpf's, for ignored maps too


def _short(v: Any) -> str:
    if isinstance(v, bytes) and len(v) > 16:
        return f"<{len(v)} bytes {v[:8].hex()}...>"
    if isinstance(v, bytes):
        return v.hex() if v else "b''"
    return repr(v)


def _describe(i: int, step: Step | None) -> str:
    if step is None:
        return "after loading"
    fields = ", ".join(f"{name}={_short(getattr(step, name))}" for name in step.__dataclass_fields__
                       if getattr(step, name) not in (None, 0) or name in ("map", "program"))
    return f"step {i} {type(step).__name__}({fields})"


def compare(
    path: Path,
    steps: Sequence[Step],
    *,
    compare_ctx_out: bool = True,
    ignore_maps: Sequence[str] = (),
) -> Report:
    """Run ``steps`` on the kernel and on pybpf and raise :class:`Discrepancy` at the first
    difference; return the kernel's observations.

    Raises:
        LibbpfError: the kernel refused the object (its log inside).
        Discrepancy: the two sides disagree.
    """
    kernel = _Kernel(path)
    try:
        ours = _Pybpf(path, num_possible_cpus())
    except BaseException:
        kernel.close()
        raise
    try:
        return _compare(kernel, ours, steps, compare_ctx_out, set(ignore_maps))
    finally:
        ours.close()
        kernel.close()


def _compare(kernel: _Kernel, ours: _Pybpf, steps: Sequence[Step], compare_ctx: bool, ignore: set[str]) -> Report:
    problems: list[str] = []
    if list(kernel.obj.programs) != list(ours.obj.programs):
        problems.append(f"programs: kernel {list(kernel.obj.programs)}, pybpf {list(ours.obj.programs)}")
    kmaps, omaps = kernel.maps(), ours.maps()
    if kmaps != omaps:
        problems.append(f"maps (type, key size, value size, max entries, flags):\n    kernel {kmaps}\n    pybpf  {omaps}")
    if problems:
        raise Discrepancy("\n".join(problems))
    report = Report()

    def check_maps(i: int, step: Step | None, final: bool = False) -> None:
        for name in kernel.obj.maps:
            if name in ignore and not final:
                continue
            k, o = kernel.contents(name, final), ours.contents(name, final)
            if final:
                report.final[name], report.pybpf_final[name] = k, o
            if k != o and name not in ignore:
                where = "at the end (queues drained, ring buffers consumed)" if final else _describe(i, step)
                raise Discrepancy(f"{where}: map '{name}' differs:\n" + _diff_contents(k, o, ours.variables(name)))
            if name not in ignore and (charged := kernel.memlock(name)) != ours.memlock(name):
                raise Discrepancy(f"{_describe(i, step)}: map '{name}' memlock: kernel {charged}B, "
                                  f"pybpf {ours.memlock(name)}B")

    check_maps(0, None)
    for i, step in enumerate(steps):
        if isinstance(step, Run):
            k_out, o_out = kernel.run(step), ours.run(step)
            if not compare_ctx:
                k_out = Outcome(k_out.errno, k_out.retval, k_out.data_out, None, k_out.value)
                o_out = Outcome(o_out.errno, o_out.retval, o_out.data_out, None, o_out.value)
        else:
            k_out, o_out = kernel.map_op(step), ours.map_op(step)
        report.outcomes.append(k_out)
        if k_out != o_out:
            raise Discrepancy(f"{_describe(i, step)} returned:\n    kernel {k_out}\n    pybpf  {o_out}")
        check_maps(i, step)
    check_maps(len(steps), None, final=True)
    return report


@dataclass(frozen=True)
class LoadOutcome:
    """Whether each side loaded an object, and what the refusal said."""

    kernel_errno: int
    kernel_log: str
    pybpf_error: BaseException | None
    #: the errno of a map creation the kernel refused before libbpf retried it without BTF
    kernel_btf_retry_errno: int = 0


def compare_load(path: Path) -> LoadOutcome:
    """Load ``path`` on both sides; raise :class:`Discrepancy` unless both accept it or both
    refuse it."""
    kernel_errno, kernel_log, retried = 0, "", 0
    try:
        loaded = KernelObject(path)
        loaded.close()
        found = re.search(r"Error in bpf_create_map_xattr\(.*\):.*\(-(\d+)\)\. Retrying without BTF", loaded.messages)
        retried = int(found.group(1)) if found else 0
    except LibbpfError as err:
        kernel_errno, kernel_log = err.errno, err.log
    ours: BaseException | None = None
    try:
        _Pybpf(path, num_possible_cpus()).close()
    except pybpf.PybpfError as err:
        ours = err
    if retried and isinstance(ours, MapError) and ours.errno == retried:
        # The kernel refused the map with its BTF as pybpf does; libbpf then created it
        # without BTF (its fallback for old kernels), which pybpf does not do.
        return LoadOutcome(retried, kernel_log, ours, retried)
    if bool(kernel_errno) != (ours is not None):
        kernel_says = f"refuses it (errno {kernel_errno}): {last_line(kernel_log)}" if kernel_errno else "loads it"
        pybpf_says = f"refuses it: {ours!r}" if ours is not None else "loads it"
        raise Discrepancy(f"load of {path.name}: the kernel {kernel_says}; pybpf {pybpf_says}")
    return LoadOutcome(kernel_errno, kernel_log, ours, retried)


def last_line(log: str) -> str:
    """The verifier's verdict: the last log line that is not libbpf's or the statistics."""
    lines = [ln for ln in log.splitlines() if ln.strip() and not ln.startswith(("libbpf:", "processed ", "-- END"))]
    return lines[-1] if lines else log.strip()
