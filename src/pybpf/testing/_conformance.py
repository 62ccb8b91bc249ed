"""The bpf_conformance test vectors: parsing ``.data`` files and running them on an engine.

A vector holds a program (``-- asm`` in the uBPF syntax, or ``-- raw`` instruction bytes), an
optional input memory (``-- mem``) and what must happen: ``-- result`` (r0) or ``-- error``
(the text, or empty for "any error"). The run contract is the suite's: r1 points to a writable
copy of the memory (0 when there is none), r2 holds its length, r10 is the top of the stack,
and the suite's own helper table applies (helper 5, "unwind", returns its first argument).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import final

from .._errors import PybpfError
from ..engine import BpfRuntimeError, Engine, ExecContext, HelperTable, Interpreter, Region
from ..isa import (
    CALLX,
    AluOp,
    AsmError,
    Class,
    Instruction,
    InstructionError,
    JmpOp,
    Mode,
    assemble,
    decode,
    validate,
)
from ..verifier import VerifierError, check_register_reads

__all__ = [
    "CONFORMANCE_HELPERS",
    "GROUPS",
    "Outcome",
    "Vector",
    "parse_memory",
    "parse_vector",
    "program_needs",
    "run_directory",
    "run_vector",
]

_IGNORED_SECTIONS = {"c", "no register offset"}
_KNOWN_SECTIONS = {"asm", "raw", "mem", "result", "error"} | _IGNORED_SECTIONS

#: Instruction groups of the conformance suite that a run may leave out.
GROUPS = ("callx", "packet")

#: What the suite's programs may read at entry: the memory pointer and length, the stack.
ENTRY_REGISTERS = frozenset({1, 2, 10})

#: Vectors run with at most this many instructions: every one of them needs far fewer.
MAX_INSTRUCTIONS = 10_000_000


def _unwind(ctx: ExecContext, r1: int, r2: int, r3: int, r4: int, r5: int) -> int:
    return r1


#: The suite's helper table: only helper 5, which returns its first argument.
CONFORMANCE_HELPERS: HelperTable = {5: _unwind}


@final
@dataclass(frozen=True)
class Vector:
    """One ``.data`` file. ``unsupported`` names a section pybpf does not know, if any."""

    name: str
    asm: str | None = None
    raw: bytes | None = None
    mem: bytes | None = None
    result: int | None = None
    error: str | None = None
    unsupported: str | None = None


@final
@dataclass(frozen=True)
class Outcome:
    """What running a vector gave.

    ``stage`` is where it ended: "skip" (not run), "assemble" or "validate" (refused before
    running), "run" (faulted while running) or "result" (returned ``value``).
    """

    name: str
    passed: bool
    stage: str
    detail: str
    value: int | None = None


def parse_memory(text: str) -> bytes:
    """Hex bytes separated by white space (``"00 01 ff"``), as in ``-- mem`` sections."""
    try:
        return bytes(int(tok, 16) for tok in text.split())
    except ValueError as err:
        raise ValueError(f"bad memory bytes: {err}") from None


def parse_vector(text: str, name: str = "<vector>") -> Vector:
    """Parse the text of a ``.data`` file.

    Raises:
        ValueError: a ``-- mem``, ``-- raw`` or ``-- result`` section is not valid hex/decimal.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("-- "):
            current = sections.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
    unknown = next((s for s in sections if s not in _KNOWN_SECTIONS), None)
    body = {key: "\n".join(lines) for key, lines in sections.items()}
    result_text = _strip_comments(body.get("result", "")).strip()
    return Vector(
        name=name,
        asm=body.get("asm"),
        raw=_parse_raw(body["raw"]) if "raw" in body else None,
        mem=parse_memory(_strip_comments(body["mem"])) if "mem" in body else None,
        result=(int(result_text, 16 if "0x" in result_text else 10) if result_text else None),
        error=body["error"].strip() if "error" in body else None,
        unsupported=unknown,
    )


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def _parse_raw(text: str) -> bytes:
    """Instruction bytes: lines of eight hex bytes, or one ``0x`` 64-bit word per line."""
    out = bytearray()
    for line in _strip_comments(text).splitlines():
        tokens = line.split()
        if len(tokens) == 1 and tokens[0].lower().startswith("0x"):
            out += int(tokens[0], 16).to_bytes(8, "little")
        else:
            out += parse_memory(line)
    return bytes(out)


def program_needs(insns: Iterable[Instruction]) -> tuple[int, set[str]]:
    """The lowest CPU version (1-4) that runs ``insns``, and the optional groups they use."""
    version, groups = 1, set()
    for insn in insns:
        op, cls = insn.opcode, insn.cls
        if op == CALLX:
            groups.add("callx")
        if cls == Class.LD and op & 0xE0 in (Mode.ABS, Mode.IND):
            groups.add("packet")
        is_v4 = (
            (cls == Class.LDX and op & 0xE0 == Mode.MEMSX)
            or (cls in (Class.ALU, Class.ALU64) and op & 0xF0 in (AluOp.DIV, AluOp.MOD, AluOp.MOV) and insn.offset)
            or op == Class.ALU64 | AluOp.END
            or op == Class.JMP32 | JmpOp.JA
        )
        if is_v4:
            version = 4
        elif cls == Class.JMP32 or (cls == Class.STX and op & 0xE0 == Mode.ATOMIC):
            version = max(version, 3)
        elif cls == Class.JMP and op & 0xF0 in (JmpOp.JLT, JmpOp.JLE, JmpOp.JSLT, JmpOp.JSLE):
            version = max(version, 2)
    return version, groups


def run_vector(
    vector: Vector,
    *,
    cpu_version: int = 4,
    exclude_groups: Iterable[str] = (),
    engine: Callable[..., Engine] = Interpreter,
) -> Outcome:
    """Assemble or decode, validate and run one vector, and judge the outcome."""
    if vector.unsupported is not None:
        return Outcome(vector.name, False, "skip", f"unsupported section '{vector.unsupported}'")
    try:
        insns = _program(vector)
        check_register_reads(insns, ENTRY_REGISTERS)
    except AsmError as err:
        return _refused(vector, "assemble", err)
    except (InstructionError, VerifierError) as err:
        return _refused(vector, "validate", err)
    version, groups = program_needs(insns)
    if version > cpu_version or groups & set(exclude_groups):
        return Outcome(vector.name, False, "skip", f"needs cpu v{version} {sorted(groups)}")
    try:
        vm = engine(insns, helpers=CONFORMANCE_HELPERS, max_instructions=MAX_INSTRUCTIONS)
        value = _execute(vm, vector.mem)
    except InstructionError as err:
        return _refused(vector, "validate", err)
    except BpfRuntimeError as err:
        return _refused(vector, "run", err)
    if vector.error is not None:
        return Outcome(vector.name, False, "result", f"returned {value:#x}, expected an error", value)
    if value != vector.result:
        expected = "nothing" if vector.result is None else f"{vector.result:#x}"
        return Outcome(vector.name, False, "result", f"returned {value:#x}, expected {expected}", value)
    return Outcome(vector.name, True, "result", f"returned {value:#x}", value)


def _program(vector: Vector) -> list[Instruction]:
    if vector.raw is not None:
        insns = decode(vector.raw)
        validate(insns)
        return insns
    if vector.asm is not None:
        return assemble(vector.asm)
    raise InstructionError("no program (neither an asm nor a raw section)")


def _execute(vm: Engine, mem: bytes | None) -> int:
    if mem is None:
        return vm.run(0, 0)
    region = Region.from_bytes(mem, "mem")
    return vm.run(region.base, len(mem), regions=(region,), packet=region)


def _refused(vector: Vector, stage: str, err: PybpfError) -> Outcome:
    """An error outcome passes only if the vector expects this error (or any error)."""
    message = str(err)
    passed = vector.error is not None and (not vector.error or vector.error == message)
    return Outcome(vector.name, passed, stage, message)


def iter_vectors(paths: Iterable[Path]) -> Iterator[Path]:
    """The ``.data`` files named, directories expanded, in name order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(path.glob("*.data"))
        else:
            yield path


def run_directory(paths: Iterable[Path], **options: object) -> list[Outcome]:
    """Run every vector under ``paths`` (files or directories of ``.data`` files)."""
    outcomes = []
    for path in iter_vectors(paths):
        try:
            vector = parse_vector(path.read_text(), path.stem)
        except (OSError, UnicodeDecodeError, ValueError) as err:
            outcomes.append(Outcome(path.stem, False, "assemble", f"unreadable vector: {err}"))
            continue
        outcomes.append(run_vector(vector, **options))  # type: ignore[arg-type]
    return outcomes


_HEX_PAIRS = re.compile(r"^[0-9a-fA-F\s]*$")


def parse_plugin_program(text: str) -> bytes:
    """The program as the official runner sends it: hex digits, white space ignored."""
    digits = "".join(text.split())
    if not _HEX_PAIRS.match(text) or len(digits) % 2:
        raise InstructionError("program on standard input is not hex bytes")
    return bytes.fromhex(digits)
