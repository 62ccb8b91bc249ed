"""One command's view of an object: load it, give its programs and maps bpftool-style ids,
restore pins, run the requested programs, and save pins afterwards.

Every command runs in a fresh process on a virtual clock (so ``--advance`` is exact and fast).
The object is loaded as a skeleton's ``open_and_load()`` + ``attach()`` would: maps created,
programs verified, and programs with a named hook (``fentry/...``, ``kprobe/...``) attached, so
that ``--run`` of a tracing program fires them the way ``BPF_PROG_TEST_RUN`` does in the kernel.
Programs and maps are numbered from 1 in the object's order; those numbers are the ``id N``
of references and the ``map[id:N]`` of dumps.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import NotSupportedError, PybpfError
from .._releases import DEFAULT_RELEASE
from ..runtime import CompileError, Map, Object, Program, Runtime, TestRunResult
from ..verifier import VerifierError
from ._args import CommandError, Words, format_time, os_reason
from ._pins import map_pin_path, persistable, read_pin, restore_map, write_map_pin
from ._progress import STEPS, Progress
from ._xlated import tag_of

__all__ = ["ObjectRef", "Ref", "Session", "compile_failure", "open_session", "parse_object_ref"]


def compile_failure(err: CompileError) -> CommandError:
    """A compile error as a command reports it: the command and the compiler's whole
    diagnostic on standard error first, as make shows them, then the one-line error."""
    first, _, rest = str(err).partition("\n")
    if rest:
        print(rest, file=sys.stderr)
    return CommandError(first)


@dataclass
class Ref:
    """A reference to a program or map of the object: ``id N``, ``name NAME``, ``tag TAG``
    (programs) or ``pinned FILE``."""

    kind: str
    value: str


@dataclass
class ObjectRef:
    """What a command's words name: the object file, and maybe one program or map in it."""

    path: Path
    ref: Ref | None = None
    pin: dict[str, Any] | None = None  #: the pin ``pinned FILE`` read, if any
    pin_path: Path | None = None
    pin_root: Path | None = None  #: the maps' pin root a program pin recorded


def parse_object_ref(words: Words, noun: str, *, ref_required: bool = False) -> ObjectRef:
    """Read ``OBJ [REF]`` or ``pinned FILE`` from ``words``.

    ``noun`` is ``program`` or ``map``; ``REF`` is ``id N``, ``name NAME``, ``pinned FILE``
    and, for programs, ``tag TAG``.
    """
    keywords = ("id", "name", "pinned", "tag") if noun == "program" else ("id", "name", "pinned")
    if words.peek() == "pinned":
        words.next("pinned")
        return _from_pin(Path(words.next("FILE after 'pinned'")), noun, None)
    path = Path(words.next("an object file (OBJ)"))
    keyword = words.accept(*keywords)
    if keyword is None:
        if ref_required:
            nxt = words.peek()
            hint = f", got '{nxt}'" if nxt is not None else ""
            raise CommandError(f"expected a {noun}: {' | '.join(k + ' ...' for k in keywords)}{hint}", 2)
        return ObjectRef(path)
    value = words.next(f"a value after '{keyword}'")
    if keyword == "pinned":
        return _from_pin(Path(value), noun, path)
    return ObjectRef(path, Ref(keyword, value))


def _from_pin(pin_path: Path, noun: str, path: Path | None) -> ObjectRef:
    pin = read_pin(pin_path, "program" if noun == "program" else "map")
    root = pin.get("pin_root")
    return ObjectRef(
        path if path is not None else Path(pin["object"]),
        Ref("name", pin["name"]),
        pin=pin,
        pin_path=pin_path,
        pin_root=Path(root) if isinstance(root, str) else None,
    )


@dataclass
class StepResult:
    """What one ``--run`` or ``--advance`` step did."""

    kind: str
    name: str = ""
    result: TestRunResult | None = None
    advanced_ns: int = 0
    now_ns: int = 0
    fired: int = 0  #: timer callbacks that ran during an advance


def load_log(err: VerifierError, path: str) -> str:
    """What ``bpftool -d`` prints when the kernel refuses a program: libbpf's lines around the
    verifier's log at the level bpftool asks for."""
    who = f"libbpf: prog '{err.program or ''}'"
    return "\n".join([
        f"{who}: BPF program load failed: {os.strerror(err.errno)}",
        f"{who}: -- BEGIN PROG LOAD LOG --",
        err.verbose_log,
        "-- END PROG LOAD LOG --",
        f"{who}: failed to load: -{err.errno}",
        f"libbpf: failed to load object '{path}'",
    ])


def accepted_log(name: str, verbose_log: str) -> str:
    """What ``bpftool -d`` prints for a program the kernel accepts: the same log block, since
    bpftool asks for the log whatever the verdict."""
    return "\n".join([f"libbpf: prog '{name}': -- BEGIN PROG LOAD LOG --", verbose_log, "-- END PROG LOAD LOG --"])


class Session:
    """An object loaded for one command; see the module docstring."""

    def __init__(self, args: argparse.Namespace, target: ObjectRef) -> None:
        self.args = args
        self.target = target
        self.path = target.path
        self.pin_root: Path | None = (
            Path(args.pin_root) if args.pin_root else target.pin_root
        )
        self.rt = Runtime(clock="virtual", kernel=getattr(args, "kernel", DEFAULT_RELEASE))
        self.obj: Object = self._load()
        self.prog_ids = {name: i for i, name in enumerate(self.obj.programs, 1)}
        self.map_ids = {name: i for i, name in enumerate(self.obj.maps, 1)}
        self._map_by_inner = {id(self.obj.maps[name].internal): name for name in self.obj.maps}
        self._prog_by_object = {id(p): name for name, p in self.obj.programs.items()}
        self.steps: list[StepResult] = []

    # -- loading ---------------------------------------------------------------------------

    def _load(self) -> Object:
        path = self.path
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        if path.is_dir():
            raise CommandError(f"{path}: is a directory")
        try:
            cflags = [f"-D{d}" for d in getattr(self.args, "defines", [])]
            cflags += [f"-I{d}" for d in getattr(self.args, "include_dirs", [])]
            obj = self.rt.load(path, cflags=cflags)
        except VerifierError as err:
            if self.args.debug:
                print(load_log(err, str(path)), file=sys.stderr)
            where = f" (at PC {err.pc})" if err.pc is not None else ""
            who = f"program '{err.program}'" if err.program else "a program"
            who += " refused by the verifier"
            raise CommandError(f"{path}: {who}: {err}{where}") from None
        except CompileError as err:
            raise compile_failure(err) from None
        except OSError as err:
            raise CommandError(f"{path}: {os_reason(err)}") from None
        except PybpfError as err:
            raise CommandError(f"{path}: {err}") from None
        if self.args.debug:
            for name, prog in obj.programs.items():
                print(accepted_log(name, prog.facts.verbose_log), file=sys.stderr)
        return obj

    def prepare(self) -> None:
        """Restore pins, attach hook programs, then run the ``--run``/``--advance`` steps."""
        if self.pin_root is not None:
            for name, handle in self.obj.maps.items():
                pin_path = map_pin_path(self.pin_root, name)
                if persistable(handle) and pin_path.exists():
                    restore_map(handle, read_pin(pin_path, "map"), pin_path)
        if self.target.pin is not None and self.target.pin["kind"] == "map":
            assert self.target.pin_path is not None
            restore_map(self.find_map(self.target.ref), self.target.pin, self.target.pin_path)
        for program in self.obj.programs.values():
            if program.spec.attach_to:
                try:
                    program.attach()
                except NotSupportedError:
                    pass
        for step in self.args.steps:
            if step.kind == "run":
                result = self.run_program(self.find_program(Ref("name", step.name)), step.ctx_bytes,
                                          step.data_bytes, what=f"--run {step.name}")
                self.steps.append(StepResult("run", step.name, result=result))
            else:
                self.advance(step.ns)

    def advance(self, ns: int) -> None:
        """Move the virtual clock, firing due timers; on a terminal, a long step shows its
        progress (:mod:`._progress`)."""
        before = self._fired()
        label = f"--advance {format_time(ns)}"
        progress = Progress(label, self.rt.clock.now(), ns)
        try:
            if progress.enabled:
                step, left = max(1, ns // STEPS), ns
                while True:  # slices fire exactly what one advance would
                    self.rt.advance(min(step, left))
                    left -= min(step, left)
                    progress.update(self.rt.clock.now(), self._fired() - before)
                    if not left:
                        break
            else:
                self.rt.advance(ns)
        except PybpfError as err:  # a callback faulted, or a timer storm
            raise CommandError(f"{label}: {err}") from None
        finally:
            progress.close()
        self.steps.append(StepResult("advance", advanced_ns=ns, now_ns=self.rt.clock.now(),
                                     fired=self._fired() - before))

    def _fired(self) -> int:
        return self.rt.timers_table.fired

    def run_program(self, program: Program, ctx: bytes | None, data: bytes | None, *,
                    repeat: int = 1, what: str = "") -> TestRunResult:
        """``BPF_PROG_TEST_RUN``; a refusal or a fault becomes a one-line error."""
        try:
            return program.test_run(ctx=ctx, data=data, repeat=repeat)
        except PybpfError as err:  # a refused input, a fault, a type that cannot run
            raise CommandError(f"{what or 'run ' + program.name}: {err}") from None

    def save(self) -> None:
        """Write the pins the command was asked to keep."""
        if self.pin_root is not None:
            for name, handle in self.obj.maps.items():
                if persistable(handle):
                    write_map_pin(map_pin_path(self.pin_root, name), self.object_path, handle)
        if self.target.pin is not None and self.target.pin["kind"] == "map":
            assert self.target.pin_path is not None
            write_map_pin(self.target.pin_path, self.object_path, self.find_map(self.target.ref))

    @property
    def object_path(self) -> Path:
        """The object file's absolute path, as pins record it."""
        return self.path.resolve()

    def close(self) -> None:
        """Drop the runtime and everything in it."""
        self.rt.close()

    # -- references ------------------------------------------------------------------------

    def find_program(self, ref: Ref | None) -> Program:
        """The program ``ref`` names; without one, the object's only program."""
        programs = self.obj.programs
        if ref is None:
            if len(programs) == 1:
                return next(iter(programs.values()))
            names = ", ".join(programs) or "none"
            raise CommandError(f"{self.path} has several programs ({names}): name one with 'name NAME'", 2)
        for name, program in programs.items():
            if _matches(ref, name, self.prog_ids[name], tag_of(program)):
                return program
        raise CommandError(f"program {_describe(ref)} not found in {self.path}")

    def find_map(self, ref: Ref | None) -> Map:
        """The map ``ref`` names; without one, the object's only map."""
        maps = self.obj.maps
        if ref is None:
            if len(maps) == 1:
                return maps[next(iter(maps))]
            names = ", ".join(maps) or "none"
            raise CommandError(f"{self.path} has several maps ({names}): name one with 'name NAME'", 2)
        if ref.kind == "name" and ref.value in maps:  # also ".bss" for "obj.bss"
            return maps[ref.value]
        for name in maps:
            if _matches(ref, name, self.map_ids[name], None):
                return maps[name]
        raise CommandError(f"map {_describe(ref)} not found in {self.path}")

    def map_id_of(self, inner: object) -> int:
        """The id of a map given its :class:`pybpf.maps.Map` (0 if it is not the object's)."""
        name = self._map_by_inner.get(id(inner))
        return self.map_ids[name] if name is not None else 0

    def prog_id_of(self, program: object) -> int:
        """The id of a program object stored in a program array (0 if unknown)."""
        name = self._prog_by_object.get(id(program))
        return self.prog_ids[name] if name is not None else 0


def _matches(ref: Ref, name: str, id_: int, tag: str | None) -> bool:
    if ref.kind == "name":
        return ref.value == name or (len(ref.value) >= 15 and name[:15] == ref.value[:15])
    if ref.kind == "id":
        return ref.value == str(id_)
    if ref.kind == "tag":
        return tag is not None and ref.value.lower() == tag
    return False


def _describe(ref: Ref) -> str:
    return f"'{ref.value}'" if ref.kind == "name" else f"{ref.kind} {ref.value}"


@contextmanager
def open_session(args: argparse.Namespace, target: ObjectRef, *, prepare: bool = True) -> Iterator[Session]:
    """Load ``target``, run the steps, yield the session, save the pins if all went well."""
    session = Session(args, target)
    try:
        if prepare:
            session.prepare()
        yield session
        session.save()
    finally:
        session.close()
