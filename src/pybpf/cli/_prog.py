"""``pybpf prog``: bpftool's program verbs over an object file.

``show``, ``dump xlated``, ``run``, ``load``, ``loadall`` and ``pin`` print what bpftool prints
for the same object loaded in the kernel, with two differences that follow from pybpf itself:
``show`` says ``not jited`` (a program starts interpreted; ``dump jited`` compiles it and
prints the JIT's native code as assembly), and since each command loads the object afresh
there is no ``loaded_at``/``uid`` line. ``prog run`` also runs ``SEC("syscall")`` programs,
with or without ``ctx_in``, which bpftool cannot do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .._spec import ProgType
from ..engine import native_listing
from ..isa import LDDW, format_instruction, iter_pcs
from ..runtime import Program
from ..verifier import license_is_gpl_compatible
from ._args import CommandError, Words, add_noun, add_verb, os_reason
from ._output import Raw, emit_json, fprint_hex, hex_json, hex_print, show_infos, succeeded
from ._pins import pin_path, write_prog_pin
from ._session import ObjectRef, Session, open_session, parse_object_ref
from ._xlated import func_signature, helper_name, tag_of, xlated

__all__ = ["map_ids", "memlock", "register"]

PAGE_SIZE = 4096
BPF_PROG_HEADER = 96  #: sizeof(struct bpf_prog) on Linux 6.18 x86_64; instructions follow it

PROG = "PROG := { id N | name NAME | tag TAG | pinned FILE }"
OBJ = "OBJ is a BPF object file (or a .c file, compiled first)"


def register(subs: Any) -> None:
    """Add ``prog`` and its verbs to the ``pybpf`` parser."""
    verbs = add_noun(subs, "prog", help="show, dump, run and pin the programs of an object",
                     description="bpftool's prog verbs, on an object file",
                     usage="pybpf prog {show|dump|run|load|loadall|pin} ...")
    epilog = f"{OBJ}\n{PROG}"
    add_verb(verbs, "prog", "show", _show, aliases=["list"], usage="show OBJ [PROG]",
             help="list the programs of OBJ as bpftool prog show", epilog=epilog)
    add_verb(verbs, "prog", "dump", _dump,
             usage="dump {xlated OBJ [PROG] [opcodes] [linum] [file FILE] | jited OBJ [PROG]}",
             help="disassemble a program (xlated), or show the JIT's native code (jited)", epilog=epilog)
    add_verb(verbs, "prog", "run", _run,
             usage="run OBJ [PROG] [data_in FILE] [data_out FILE [data_size_out L]] "
                   "[ctx_in FILE] [ctx_out FILE [ctx_size_out L]] [repeat N]",
             help="run a program once (BPF_PROG_TEST_RUN), syscall programs included",
             epilog=epilog + "\nFILE may be '-' for standard input or output.")
    add_verb(verbs, "prog", "load", _load, usage="load OBJ FILE [pinmaps DIR]",
             help="load OBJ and pin its first program at FILE (and its maps in DIR)",
             epilog=OBJ)
    add_verb(verbs, "prog", "loadall", _loadall, usage="loadall OBJ DIR [pinmaps DIR]",
             help="load OBJ and pin every program as DIR/NAME (and its maps in DIR)",
             epilog=OBJ)
    add_verb(verbs, "prog", "pin", _pin, usage="pin OBJ PROG FILE",
             help="pin one program of OBJ at FILE", epilog=epilog)


# -- show ------------------------------------------------------------------------------------


def memlock(program: Program) -> int:
    """What the kernel charges for a program: its header and instructions, in whole pages."""
    size = BPF_PROG_HEADER + 8 * sum(insn.width for insn in program.spec.instructions)
    return -(-size // PAGE_SIZE) * PAGE_SIZE


def map_ids(session: Session, program: Program) -> list[int]:
    """The maps the program uses, in the order the kernel lists them: by first reference, then
    the read-only data maps (``.rodata``, ``.rodata.*``), which libbpf binds to every program
    of the object (``bpf_prog_bind_map``)."""
    ids = [session.map_ids[name] for name in program.spec.map_refs]
    for name, mspec in session.obj.spec.maps.items():
        if mspec.is_readonly and session.map_ids[name] not in ids:
            ids.append(session.map_ids[name])
    return ids


def _info(session: Session, program: Program) -> dict[str, Any]:
    notes = program.source
    info: dict[str, Any] = {
        "id": session.prog_ids[program.name],
        "type": ProgType(program.type).name.lower(),
        "name": program.name,
        "tag": tag_of(program),
        "gpl_compatible": license_is_gpl_compatible(program.spec.license),
    }
    if program.run_time_ns:
        info["run_time_ns"] = program.run_time_ns
        info["run_cnt"] = program.run_count
    info["bytes_xlated"] = 8 * sum(insn.width for insn in program.instructions)
    info["jited"] = False
    info["bytes_memlock"] = memlock(program)
    ids = map_ids(session, program)
    if ids:
        info["map_ids"] = ids
    if notes.funcs:
        info["btf_id"] = 1
    return info


def _show_plain(info: dict[str, Any]) -> str:
    head = f"{info['id']}: {info['type']}  name {info['name']}  tag {info['tag']}"
    if info["gpl_compatible"]:
        head += "  gpl"
    if "run_time_ns" in info:
        head += f" run_time_ns {info['run_time_ns']} run_cnt {info['run_cnt']}"
    body = f"\txlated {info['bytes_xlated']}B  not jited  memlock {info['bytes_memlock']}B"
    if "map_ids" in info:
        body += "  map_ids " + ",".join(str(i) for i in info["map_ids"])
    lines = [head, body]
    if "btf_id" in info:
        lines.append(f"\tbtf_id {info['btf_id']}")
    return "".join(line + "\n" for line in lines)


def _show(args: argparse.Namespace, words: Words) -> int:
    target = parse_object_ref(words, "program")
    words.done()
    with open_session(args, target) as session:
        if target.ref is None:
            programs = list(session.obj.programs.values())
        else:
            programs = [session.find_program(target.ref)]
        infos = [_info(session, p) for p in programs]
        return show_infos(args, infos, single=target.ref is not None, plain=_show_plain)


# -- dump ------------------------------------------------------------------------------------


def _dump(args: argparse.Namespace, words: Words) -> int:
    mode = words.next("'xlated' or 'jited'")
    if mode == "jited":
        return _dump_jited(args, words)
    if mode != "xlated":
        raise CommandError(f"expected 'xlated' or 'jited', got '{mode}'", 2)
    target = parse_object_ref(words, "program")
    flags: set[str] = set()
    out_file: str | None = None
    while words:
        word = words.next("an option")
        if word in ("opcodes", "linum"):
            flags.add(word)
        elif word == "file":
            out_file = words.next("FILE after 'file'")
        elif word == "visual":
            raise CommandError("'visual' (the DOT graph) is not supported", 2)
        else:
            raise CommandError(f"unexpected argument '{word}'", 2)
    with open_session(args, target) as session:
        program = session.find_program(target.ref)
        insns = xlated(program, session.map_ids)
        if out_file is not None:
            _write_file(out_file, b"".join(insn.encode() for insn in insns))
            return succeeded(args)
        notes = program.source
        btf = session.obj.spec.btf
        rows: list[dict[str, Any]] = []
        for pc, insn in iter_pcs(insns):
            row: dict[str, Any] = {"pc": pc, "insn": insn}
            if btf is not None and pc in notes.funcs:
                signature = func_signature(btf, notes.funcs[pc])
                if signature:
                    row["proto"] = signature
            line = notes.lines.get(pc)
            if line is not None:
                row["line"] = line
            rows.append(row)
        if args.json:
            emit_json([_xlated_json(row, flags) for row in rows], args.pretty)
        else:
            sys.stdout.write("".join(_xlated_plain(row, flags) for row in rows))
    return 0


def _dump_jited(args: argparse.Namespace, words: Words) -> int:
    """The native code the JIT made of the program, a function per subprogram (the main
    program under its own name), as assembly text: llvmlite compiles, but cannot disassemble,
    so there are no byte offsets or opcodes."""
    target = parse_object_ref(words, "program")
    if words:
        word = words.next("nothing")
        raise CommandError(f"unexpected argument '{word}' (dump jited takes no options here)", 2)
    with open_session(args, target) as session:
        program = session.find_program(target.ref)
        listing = native_listing(program.engine)
        if listing is None:
            raise CommandError(
                f"program '{program.name}' is interpreted (engine interpreter, or no llvmlite):"
                " there is no JIT image to dump (use 'xlated')"
            )
        names = {pc: name for name, pc in program.spec.subprograms.items()}
        names[0] = program.name
        functions = [(names.get(pc, f"pc_{pc}"), lines) for pc, lines in sorted(listing.items())]
        if args.json:
            emit_json([{"name": name, "insns": [_jited_json(line) for line in lines]} for name, lines in functions],
                      args.pretty)
        else:
            sys.stdout.write("\n".join(f"{name}:\n" + "".join(line + "\n" for line in lines) for name, lines in functions))
    return 0


def _jited_json(line: str) -> dict[str, Any]:
    if not line.startswith("\t"):
        return {"label": line[:-1]}
    operation, _, operands = line.strip().partition(" ")
    return {"operation": operation, "operands": operands.split(", ") if operands else []}


def _disasm(row: dict[str, Any]) -> str:
    insn = row["insn"]
    return f"({insn.opcode:02x}) {format_instruction(insn, helper_name=helper_name)}"


def _xlated_plain(row: dict[str, Any], flags: set[str]) -> str:
    out = []
    if "proto" in row:
        out.append(f"{row['proto']}:")
    line = row.get("line")
    if line is not None and line.line.strip():
        text = f"; {line.line.lstrip()}"
        if "linum" in flags:
            text += f" [file:{line.file_name} line_num:{line.line_num} line_col:{line.column}]"
        out.append(text)
    out.append(f"{row['pc']:4d}: {_disasm(row)}")
    if "opcodes" in flags:
        raw = row["insn"].encode()
        text = "       " + fprint_hex(raw[:8])
        if len(raw) > 8:
            text += " " + fprint_hex(raw[8:])
        out.append(text)
    return "".join(line + "\n" for line in out)


def _xlated_json(row: dict[str, Any], flags: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "proto" in row:
        out["proto"] = row["proto"]
    line = row.get("line")
    if line is not None:
        out["src"] = line.line.lstrip()
        if "linum" in flags:
            out["file"] = line.file_name
            if line.line_num:
                out["line_num"] = line.line_num
            if line.column:
                out["line_col"] = line.column
    out["disasm"] = _disasm(row)
    if "opcodes" in flags:
        insn = row["insn"]
        raw = insn.encode()
        out["opcodes"] = {
            "code": Raw(f'"0x{insn.opcode:02x}"'),
            "src_reg": Raw(f'"0x{insn.src:x}"'),
            "dst_reg": Raw(f'"0x{insn.dst:x}"'),
            "off": hex_json(raw[2:4]),
            "imm": hex_json(raw[4:16] if insn.opcode == LDDW else raw[4:8]),
        }
    return out


# -- run -------------------------------------------------------------------------------------

_RUN_FILES = ("data_in", "data_out", "ctx_in", "ctx_out")
_RUN_NUMBERS = ("data_size_out", "ctx_size_out", "repeat")


def _run(args: argparse.Namespace, words: Words) -> int:
    target = parse_object_ref(words, "program")
    opts: dict[str, str] = {}
    while words:
        word = words.next("an option")
        if word not in _RUN_FILES + _RUN_NUMBERS:
            raise CommandError(f"unexpected argument '{word}'", 2)
        if word in opts:
            raise CommandError(f"'{word}' given twice", 2)
        opts[word] = words.next(f"a value after '{word}'")
    numbers = {key: _number(key, opts[key]) for key in _RUN_NUMBERS if key in opts}
    if opts.get("data_in") == "-" and opts.get("ctx_in") == "-":
        raise CommandError("data_in and ctx_in cannot both read standard input", 2)
    data = _read_input(opts["data_in"]) if "data_in" in opts else None
    ctx = _read_input(opts["ctx_in"]) if "ctx_in" in opts else None
    repeat = numbers.get("repeat", 1)
    with open_session(args, target) as session:
        program = session.find_program(target.ref)
        result = session.run_program(program, ctx, data, repeat=repeat, what=f"run {program.name}")
        out: dict[str, Any] = {}
        for key, produced, size_key in (("data_out", result.data_out, "data_size_out"),
                                        ("ctx_out", result.ctx_out, "ctx_size_out")):
            if key not in opts:
                continue
            produced = produced or b""
            limit = numbers.get(size_key)
            if limit is not None and len(produced) > limit:
                raise CommandError(f"{key}: {len(produced)} bytes do not fit in {size_key} {limit} (ENOSPC)")
            if opts[key] == "-":
                out[key] = produced
            else:
                _write_file(opts[key], produced)
        if args.json:
            value: dict[str, Any] = {key: list(produced) for key, produced in out.items()}
            value["retval"] = result.retval
            value["duration"] = result.duration_ns
            emit_json(value, args.pretty)
        else:
            for produced in out.values():
                sys.stdout.write(hex_print(produced))
            average = " (average)" if repeat > 1 else ""
            print(f"Return value: {result.retval}, duration{average}: {result.duration_ns}ns")
    return 0


def _number(key: str, text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise CommandError(f"{key}: '{text}' is not a number", 2) from None
    if value < 0:
        raise CommandError(f"{key}: '{text}' is negative", 2)
    return value


def _read_input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as err:
        raise CommandError(f"cannot read {name}: {os_reason(err)}") from None


def _write_file(name: str, data: bytes) -> None:
    if name == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        Path(name).write_bytes(data)
    except OSError as err:
        raise CommandError(f"cannot write {name}: {os_reason(err)}") from None


# -- load, loadall, pin ----------------------------------------------------------------------


def _pinmaps(words: Words, args: argparse.Namespace) -> Path | None:
    pinmaps: Path | None = None
    while words:
        word = words.next("an option")
        if word != "pinmaps":
            raise CommandError(f"unexpected argument '{word}'", 2)
        pinmaps = Path(words.next("DIR after 'pinmaps'"))
    if pinmaps is not None:
        args.pin_root = str(pinmaps)
    return pinmaps.resolve() if pinmaps is not None else None


def _load(args: argparse.Namespace, words: Words) -> int:
    obj = Path(words.next("an object file (OBJ)"))
    pin = Path(words.next("FILE to pin the program at"))
    pinmaps = _pinmaps(words, args)
    with open_session(args, ObjectRef(obj)) as session:
        if not session.obj.programs:
            raise CommandError(f"{obj} has no programs")
        first = next(iter(session.obj.programs))
        write_prog_pin(pin, session.object_path, first, pinmaps)
    return succeeded(args)


def _loadall(args: argparse.Namespace, words: Words) -> int:
    obj = Path(words.next("an object file (OBJ)"))
    directory = Path(words.next("DIR to pin the programs in"))
    pinmaps = _pinmaps(words, args)
    with open_session(args, ObjectRef(obj)) as session:
        for name in session.obj.programs:
            write_prog_pin(pin_path(directory, name), session.object_path, name, pinmaps)
    return succeeded(args)


def _pin(args: argparse.Namespace, words: Words) -> int:
    target = parse_object_ref(words, "program", ref_required=True)
    pin = Path(words.next("FILE to pin the program at"))
    words.done()
    with open_session(args, target) as session:
        program = session.find_program(target.ref)
        write_prog_pin(pin, session.object_path, program.name, session.pin_root.resolve()
                       if session.pin_root is not None else None)
    return succeeded(args)
