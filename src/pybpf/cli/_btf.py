"""``pybpf btf dump``: the types of an object as bpftool prints them, raw, C or JSON.

``btf dump file FILE`` reads the ``.BTF`` section as the file holds it (or a raw BTF file such
as ``/sys/kernel/btf/vmlinux``), before any loader fix-up, as bpftool does: data sections still
have ``size=0`` there. ``btf dump map`` and ``btf dump prog`` show the loaded object's types
(after the loader filled in section sizes and offsets): the map's key and value types, or
every type of the program's BTF.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

from elftools.elf.elffile import ELFFile

from ..btf import (
    Array,
    BtfError,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    Float,
    Func,
    FuncProto,
    Fwd,
    Int,
    Ptr,
    Restrict,
    Spec,
    Struct,
    Type,
    Typedef,
    TypeTag,
    Union,
    Var,
    Volatile,
    dump_c,
    dump_raw,
    parse_btf,
)
from ..btf._c_dump import ENCODING_NAMES, LINKAGE_NAMES
from ..runtime import CompileError, compile_c
from ._args import CommandError, Words, add_noun, add_verb, os_reason
from ._map import type_ids
from ._output import emit_json
from ._session import compile_failure, open_session, parse_object_ref

__all__ = ["register", "type_json"]

BTF_MAGIC = b"\x9f\xeb"


def register(subs: Any) -> None:
    """Add ``btf`` and its verb to the ``pybpf`` parser."""
    verbs = add_noun(subs, "btf", help="dump the BTF types of an object",
                     description="bpftool's btf verbs, on an object file",
                     usage="pybpf btf dump ...")
    add_verb(verbs, "btf", "dump", _dump,
             usage="dump { file FILE | map OBJ MAP [key|value|kv|all] | prog OBJ PROG } "
                   "[format { raw | c }]",
             help="print BTF types as bpftool btf dump",
             epilog="FILE is a BPF object, a C file (compiled first) or a raw BTF file\n"
                    "(/sys/kernel/btf/vmlinux)\n"
                    "MAP := { id N | name NAME | pinned FILE }\n"
                    "PROG := { id N | name NAME | tag TAG | pinned FILE }")


def read_btf_file(path: Path) -> Spec:
    """The BTF of an object file's ``.BTF`` section, or of a raw BTF file, unmodified.

    A C file is compiled first, as every command that takes an object does.
    """
    if path.suffix == ".c" and path.is_file():
        try:
            path = compile_c(path)
        except CompileError as err:
            raise compile_failure(err) from None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except OSError as err:
        raise CommandError(f"{path}: {os_reason(err)}") from None
    section: bytes | None
    if data[:2] in (BTF_MAGIC, BTF_MAGIC[::-1]):
        section = data
    elif data[:4] == b"\x7fELF":
        try:
            found = ELFFile(io.BytesIO(data)).get_section_by_name(".BTF")
            section = None if found is None else found.data()
        except Exception as err:  # noqa: BLE001 - pyelftools raises nearly anything on corrupt input
            raise CommandError(f"{path}: malformed ELF file ({err})") from None
        if section is None:
            raise CommandError(f"{path}: no .BTF section")
    else:
        raise CommandError(f"{path}: neither a BPF object nor a BTF file")
    try:
        return parse_btf(section)
    except BtfError as err:
        raise CommandError(f"{path}: {err}") from None


def type_json(spec: Spec, t: Type) -> dict[str, Any]:
    """One type as ``bpftool -j btf dump`` prints it (``dump_btf_type``)."""
    out: dict[str, Any] = {"id": t.id, "kind": t.kind.name, "name": t.name or "(anon)"}
    match t:
        case Int():
            out |= {"size": t.size, "bits_offset": t.offset, "nr_bits": t.bits,
                    "encoding": ENCODING_NAMES.get(t.encoding, "(unknown)")}
        case Array():
            out |= {"type_id": t.type, "index_type_id": t.index_type, "nr_elems": t.nelems}
        case Struct() | Union():
            members = []
            for m in t.members:
                member: dict[str, Any] = {"name": m.name or "(anon)", "type_id": m.type,
                                          "bits_offset": m.bit_offset}
                if m.bitfield_size:
                    member["bitfield_size"] = m.bitfield_size
                members.append(member)
            out |= {"size": t.size, "vlen": len(t.members), "members": members}
        case Enum() | Enum64():
            out |= {"encoding": "SIGNED" if t.signed else "UNSIGNED", "size": t.size,
                    "vlen": len(t.values),
                    "values": [{"name": v.name or "(anon)", "val": v.value} for v in t.values]}
        case Fwd():
            out["fwd_kind"] = "union" if t.is_union else "struct"
        case Func():
            out |= {"type_id": t.type, "linkage": LINKAGE_NAMES.get(t.linkage, "(unknown)")}
        case FuncProto():
            out |= {"ret_type_id": t.return_type, "vlen": len(t.params),
                    "params": [{"name": p.name or "(anon)", "type_id": p.type} for p in t.params]}
        case Var():
            out |= {"type_id": t.type, "linkage": LINKAGE_NAMES.get(t.linkage, "(unknown)")}
        case Datasec():
            out |= {"size": t.size, "vlen": len(t.vars),
                    "vars": [{"type_id": v.type, "offset": v.offset, "size": v.size} for v in t.vars]}
        case Float():
            out["size"] = t.size
        case DeclTag():
            out |= {"type_id": t.type, "component_idx": t.component_idx}
        case Ptr() | Typedef() | Volatile() | Const() | Restrict() | TypeTag():
            out["type_id"] = t.type
    return out


def _print(args: argparse.Namespace, spec: Spec, ids: list[int] | None, fmt: str) -> None:
    if fmt == "c":
        if args.json:
            raise CommandError("JSON output for C-syntax dump is not supported", 2)
        try:
            sys.stdout.write(dump_c(spec, ids))
        except BtfError as err:
            raise CommandError(f"format c: {err}") from None
        return
    if args.json:
        chosen = range(1, len(spec)) if ids is None else ids
        emit_json({"types": [type_json(spec, spec.type_by_id(i)) for i in chosen]}, args.pretty)
    else:
        sys.stdout.write(dump_raw(spec, ids))


def _format(words: Words) -> str:
    if not words.accept("format"):
        return "raw"
    fmt = words.next("'raw' or 'c' after 'format'")
    if fmt not in ("raw", "c"):
        raise CommandError(f"unknown format '{fmt}' (raw or c)", 2)
    return fmt


def _dump(args: argparse.Namespace, words: Words) -> int:
    source = words.next("'file', 'map' or 'prog'")
    if source == "file":
        spec = read_btf_file(Path(words.next("FILE after 'file'")))
        fmt = _format(words)
        words.done()
        _print(args, spec, None, fmt)
        return 0
    if source not in ("map", "prog"):
        raise CommandError(f"expected 'file', 'map' or 'prog', got '{source}'", 2)
    target = parse_object_ref(words, "map" if source == "map" else "program", ref_required=True)
    part = words.accept("key", "value", "kv", "all") if source == "map" else None
    fmt = _format(words)
    words.done()
    with open_session(args, target) as session:
        loaded = session.obj.spec.btf
        if loaded is None:
            raise CommandError(f"{session.path} has no BTF")
        if source == "map":
            handle = session.find_map(target.ref)
            key_id, value_id = type_ids(session, handle)
            ids = []
            if part in (None, "key", "kv", "all") and key_id:
                ids.append(key_id)
            if part in (None, "value", "kv", "all") and value_id:
                ids.append(value_id)
            if not ids:
                raise CommandError(f"map '{handle.name}' has no BTF for its {part or 'key or value'}")
            _print(args, loaded, ids, fmt)
        else:  # as bpftool: every type of the BTF the program was loaded with
            program = session.find_program(target.ref)
            if not program.source.funcs:
                raise CommandError(f"program '{program.name}' was loaded without BTF")
            _print(args, loaded, None, fmt)
    return 0
