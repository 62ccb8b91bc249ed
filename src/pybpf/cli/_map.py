"""``pybpf map``: bpftool's map verbs over an object file.

Output follows bpftool's: ``map show`` lines and keys, ``map dump`` as a BTF-formatted pretty
array when the map has BTF for its value (else ``key: .. value: ..`` lines and ``Found N
elements``), hex arrays plus ``formatted`` in JSON. Keys and values are read as bpftool reads
them (``key 1 0 0 0``, ``key hex 01 00 00 00``). The ``memlock`` figures are what Linux 6.18
on x86_64 charges for the same map (``map_mem_usage``), computed from its kernel structures'
sizes, so they match ``bpftool map show`` on that kernel.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..btf import format_value
from ..maps import (
    BPF_ANY,
    BPF_EXIST,
    BPF_F_MMAPABLE,
    BPF_F_NO_PREALLOC,
    BPF_NOEXIST,
    KeyNotExistError,
    MapError,
    MapType,
)
from ..runtime import Map
from ._args import CommandError, Words, add_noun, add_verb
from ._output import JsonWriter, btf_json, emit_json, fprint_hex, hex_json, show_infos, succeeded
from ._pins import write_map_pin
from ._session import Ref, Session, open_session, parse_object_ref

__all__ = ["NO_BTF_TYPES", "Value", "entries", "map_info", "memlock", "register", "type_ids"]

MAP = "MAP := { id N | name NAME | pinned FILE }"
OBJ = "OBJ is a BPF object file (or a .c file, compiled first)"
DATA = ("DATA := bytes, decimal by default, 0x.. hex, 0.. octal; 'hex' first makes them all hex\n"
        "UPDATE_FLAGS := { any | exist | noexist }")

_PERCPU = frozenset({MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH})
_FD_VALUES = frozenset({MapType.PROG_ARRAY, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS})
_QUEUES = frozenset({MapType.QUEUE, MapType.STACK})
#: Map types libbpf creates without BTF, whatever the object declares (bpf_object__create_map).
NO_BTF_TYPES = frozenset({
    MapType.PERF_EVENT_ARRAY, MapType.CGROUP_ARRAY, MapType.STACK_TRACE, MapType.ARRAY_OF_MAPS,
    MapType.HASH_OF_MAPS, MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP,
    MapType.SOCKMAP, MapType.SOCKHASH, MapType.QUEUE, MapType.STACK, MapType.ARENA,
})  # fmt: skip
_FLAGS = {"any": BPF_ANY, "exist": BPF_EXIST, "noexist": BPF_NOEXIST}

# Sizes of the kernel structures map_mem_usage() adds up (Linux 6.18, x86_64).
PAGE_SIZE = 4096
SIZEOF_BPF_ARRAY = 312
SIZEOF_BPF_HTAB = 832
SIZEOF_BUCKET = 16
SIZEOF_HTAB_ELEM = 48
HASHTAB_MAP_LOCK_COUNT = 8
SIZEOF_QUEUE_STACK = 312
SIZEOF_RINGBUF_MAP = 304
RINGBUF_META_PAGES = 3  # the header page, then the consumer and producer position pages


def register(subs: Any) -> None:
    """Add ``map`` and its verbs to the ``pybpf`` parser."""
    verbs = add_noun(subs, "map", help="show, dump, look up and update the maps of an object",
                     description="bpftool's map verbs, on an object file",
                     usage="pybpf map {show|dump|lookup|update|delete|getnext|pin|peek|push|pop} ...")
    epilog = f"{OBJ}\n{MAP}\n{DATA}"
    add_verb(verbs, "map", "show", _show, aliases=["list"], usage="show OBJ [MAP]",
             help="list the maps of OBJ as bpftool map show", epilog=epilog)
    add_verb(verbs, "map", "dump", _dump, usage="dump OBJ MAP",
             help="print every element of a map", epilog=epilog)
    add_verb(verbs, "map", "lookup", _lookup, usage="lookup OBJ MAP key DATA",
             help="print one element", epilog=epilog)
    add_verb(verbs, "map", "update", _update,
             usage="update OBJ MAP key DATA value VALUE [UPDATE_FLAGS]",
             help="create or change one element (with --pin-root or a pinned MAP, it stays)",
             epilog=epilog + "\nVALUE := DATA, or for program arrays and maps of maps "
                             "{ id N | name NAME } of the object")
    add_verb(verbs, "map", "delete", _delete, usage="delete OBJ MAP key DATA",
             help="delete one element", epilog=epilog)
    add_verb(verbs, "map", "getnext", _getnext, usage="getnext OBJ MAP [key DATA]",
             help="print the key after DATA (the first key without it)", epilog=epilog)
    add_verb(verbs, "map", "pin", _pin, usage="pin OBJ MAP FILE",
             help="save the map's contents at FILE, for later commands to open as 'pinned FILE'",
             epilog=epilog)
    add_verb(verbs, "map", "peek", _peek, usage="peek OBJ MAP",
             help="print the next value of a queue or stack", epilog=epilog)
    add_verb(verbs, "map", "push", _push, aliases=["enqueue"], usage="push OBJ MAP value DATA",
             help="push a value onto a queue or stack", epilog=epilog)
    add_verb(verbs, "map", "pop", _pop, aliases=["dequeue"], usage="pop OBJ MAP",
             help="take the next value of a queue or stack", epilog=epilog)


# -- what a map is ---------------------------------------------------------------------------


def _round8(n: int) -> int:
    return (n + 7) & ~7


def _page_align(n: int) -> int:
    return -(-n // PAGE_SIZE) * PAGE_SIZE


def memlock(handle: Map, ncpus: int) -> int:
    """``bytes_memlock``: the kernel's ``map_mem_usage()`` for this map on Linux 6.18 x86_64."""
    kind, n = handle.type, handle.max_entries
    ks, vs, flags = handle.key_size, handle.value_size, handle.flags
    if kind in (MapType.ARRAY, MapType.PERCPU_ARRAY, MapType.PROG_ARRAY, MapType.ARRAY_OF_MAPS,
                MapType.PERF_EVENT_ARRAY, MapType.CGROUP_ARRAY):
        elem = _round8(vs)
        if kind == MapType.PERCPU_ARRAY:
            return SIZEOF_BPF_ARRAY + n * 8 + n * elem * ncpus
        if flags & BPF_F_MMAPABLE:
            return _page_align(SIZEOF_BPF_ARRAY) + _page_align(n * elem)
        return SIZEOF_BPF_ARRAY + n * elem
    if kind in (MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH,
                MapType.HASH_OF_MAPS):
        percpu = kind in _PERCPU
        lru = kind in (MapType.LRU_HASH, MapType.LRU_PERCPU_HASH)
        buckets = 1 << max(0, (n - 1).bit_length())
        elem = SIZEOF_HTAB_ELEM + _round8(ks) + (8 if percpu else _round8(vs))
        usage = SIZEOF_BPF_HTAB + SIZEOF_BUCKET * buckets + 4 * ncpus * HASHTAB_MAP_LOCK_COUNT
        if lru or not flags & BPF_F_NO_PREALLOC:
            # spare elements, one per CPU, for replacing an element in place; per-CPU, LRU
            # and map-of-maps hashes have none (htab_has_extra_elems)
            extra = not percpu and not lru and kind != MapType.HASH_OF_MAPS
            count = n + (ncpus if extra else 0)
            usage += elem * count
            if percpu:
                usage += _round8(vs) * ncpus * count
            elif not lru:
                usage += 8 * ncpus
        else:
            count = len(handle.internal.keys())
            usage += (elem + 8) * count
            if percpu:
                usage += 16 * count + _round8(vs) * ncpus * count
        return usage
    if kind in _QUEUES:
        return SIZEOF_QUEUE_STACK + (n + 1) * vs
    if kind in (MapType.RINGBUF, MapType.USER_RINGBUF):
        data_pages = n // PAGE_SIZE
        return (SIZEOF_RINGBUF_MAP + (RINGBUF_META_PAGES + data_pages) * PAGE_SIZE
                + (RINGBUF_META_PAGES + 2 * data_pages) * 8)
    return _kernel_object_memlock(handle, ncpus)


# map_mem_usage() of the other map types (Linux 6.18, x86_64; checked against the kernel):
# the map structure, then its slot or bucket table, then what each element costs.
SIZEOF_BPF_DTAB, SIZEOF_BPF_DTAB_NETDEV = 344, 64
SIZEOF_BPF_CPU_MAP = 304
SIZEOF_XSK_MAP = 304
SIZEOF_STAB, SIZEOF_SHTAB, SIZEOF_SHTAB_BUCKET, SIZEOF_SHTAB_ELEM = 376, 384, 16, 40
SIZEOF_REUSEPORT_ARRAY = 296
SIZEOF_STACK_MAP, SIZEOF_STACK_BUCKET = 320, 16
SIZEOF_BLOOM = 312
SIZEOF_LOCAL_STORAGE_MAP, SIZEOF_LOCAL_STORAGE_BUCKET = 480, 16
SIZEOF_LPM_TRIE_NODE = 24
SIZEOF_CGROUP_STORAGE_MAP = 328  #: all a cgroup storage is charged: its values are not counted
SIZEOF_STRUCT_OPS_MAP, SIZEOF_STRUCT_OPS_VALUE = 512, 64
_LOCAL_STORAGE = frozenset({MapType.SK_STORAGE, MapType.TASK_STORAGE, MapType.INODE_STORAGE, MapType.CGRP_STORAGE})


def _pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def _kernel_object_memlock(handle: Map, ncpus: int) -> int:
    kind, n = handle.type, handle.max_entries
    ks, vs = handle.key_size, handle.value_size
    inner = handle.internal
    stored = len(inner.keys()) if kind in (MapType.DEVMAP_HASH, MapType.SOCKHASH, MapType.LPM_TRIE) else 0
    if kind == MapType.DEVMAP:
        stored = sum(inner.stored(i) is not None for i in range(n))  # type: ignore[attr-defined]
        return SIZEOF_BPF_DTAB + 8 * n + SIZEOF_BPF_DTAB_NETDEV * stored
    if kind == MapType.DEVMAP_HASH:
        return SIZEOF_BPF_DTAB + 8 * _pow2(n) + SIZEOF_BPF_DTAB_NETDEV * stored
    if kind == MapType.CPUMAP:
        return SIZEOF_BPF_CPU_MAP + 8 * n
    if kind == MapType.XSKMAP:
        return SIZEOF_XSK_MAP + 8 * n
    if kind == MapType.SOCKMAP:
        return SIZEOF_STAB + 8 * n
    if kind == MapType.SOCKHASH:
        return SIZEOF_SHTAB + SIZEOF_SHTAB_BUCKET * _pow2(n) + (SIZEOF_SHTAB_ELEM + _round8(ks)) * stored
    if kind == MapType.REUSEPORT_SOCKARRAY:
        return SIZEOF_REUSEPORT_ARRAY + 8 * n
    if kind == MapType.STACK_TRACE:
        return SIZEOF_STACK_MAP + 8 * _pow2(n) + n * (SIZEOF_STACK_BUCKET + vs)
    if kind == MapType.BLOOM_FILTER:
        bits: int = handle.internal.bits  # type: ignore[attr-defined]
        return SIZEOF_BLOOM + -(-bits // 64) * 8
    if kind in (MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE):
        return SIZEOF_CGROUP_STORAGE_MAP
    if kind == MapType.STRUCT_OPS:
        # the map, its kernel value and a user copy (the common header counted once), a link
        # and a symbol pointer per function member, and the trampoline's page
        funcs: int = handle.internal.funcs  # type: ignore[attr-defined]
        return SIZEOF_STRUCT_OPS_MAP + 2 * vs - SIZEOF_STRUCT_OPS_VALUE + 16 * funcs + PAGE_SIZE
    if kind in _LOCAL_STORAGE:
        return SIZEOF_LOCAL_STORAGE_MAP + SIZEOF_LOCAL_STORAGE_BUCKET * max(2, _pow2(ncpus))
    if kind == MapType.LPM_TRIE:
        return (SIZEOF_LPM_TRIE_NODE + ks - 4 + vs) * stored
    return _round8(ks) + _round8(vs) * n  # a type pybpf does not create: a rough size


def type_ids(session: Session, handle: Map) -> tuple[int, int]:
    """The BTF key and value type ids the map was created with (0 for none), as libbpf
    passes them to the kernel."""
    mspec = session.obj.spec.maps[handle.name]
    if session.obj.spec.btf is None or handle.type in NO_BTF_TYPES:
        return 0, 0
    return mspec.key_type_id, mspec.value_type_id


def _has_btf(session: Session, handle: Map) -> bool:
    return any(type_ids(session, handle))


def map_info(session: Session, name: str) -> dict[str, Any]:
    """What ``map show -j`` prints for one map."""
    handle = session.obj.maps[name]
    info: dict[str, Any] = {
        "id": session.map_ids[name],
        "type": handle.type.name.lower(),
        "name": name[:15],
        "flags": handle.flags,
        "bytes_key": handle.key_size,
        "bytes_value": handle.value_size,
        "max_entries": handle.max_entries,
        "bytes_memlock": memlock(handle, session.rt.ncpus),
    }
    owner = _owner_type(session, handle)
    if owner is not None:
        info["owner_prog_type"] = owner
        info["owner_jited"] = False
    info["frozen"] = 1 if handle.internal.frozen else 0
    if _has_btf(session, handle):
        info["btf_id"] = 1
    return info


def _owner_type(session: Session, handle: Map) -> str | None:
    """The program type a program array is bound to: that of the first program that uses it,
    else of the first program stored in it (the kernel binds it at the first of the two)."""
    if handle.type != MapType.PROG_ARRAY:
        return None
    for program in session.obj.programs.values():
        if handle.name in program.spec.map_refs:
            return program.type.name.lower()
    for key in handle.internal.keys():  # noqa: SIM118 - a BPF map, not a dict
        stored = handle.internal.lookup_elem(key)
        name = next((n for n, p in session.obj.programs.items() if p is stored), None)
        if name is not None:
            return session.obj.programs[name].type.name.lower()
    return None


def _show_plain(info: dict[str, Any]) -> str:
    lines = [
        f"{info['id']}: {info['type']}  name {info['name']}  flags 0x{info['flags']:x}",
        (f"\tkey {info['bytes_key']}B  value {info['bytes_value']}B  max_entries {info['max_entries']}"
         f"  memlock {info['bytes_memlock']}B"),
    ]
    if "owner_prog_type" in info:
        lines.append(f"\towner_prog_type {info['owner_prog_type']}  owner not jited")
    tail = []
    if "btf_id" in info:
        tail.append(f"btf_id {info['btf_id']}")
    if info["frozen"]:
        tail.append("frozen")
    if tail:
        lines.append("\t" + "  ".join(tail))
    return "".join(line + "\n" for line in lines)


def _show(args: argparse.Namespace, words: Words) -> int:
    target = parse_object_ref(words, "map")
    words.done()
    with open_session(args, target) as session:
        if target.ref is None:
            names = list(session.obj.maps)
        else:
            names = [session.find_map(target.ref).name]
        infos = [map_info(session, name) for name in names]
        return show_infos(args, infos, single=target.ref is not None, plain=_show_plain)


# -- elements --------------------------------------------------------------------------------


Value = bytes | list[bytes]  #: a value as user space reads it; per-CPU maps give one per CPU


def _value_bytes(session: Session, handle: Map, value: object) -> Value:
    """A looked-up value as bytes: program arrays and maps of maps hold objects, which the
    kernel reports by id."""
    if isinstance(value, (bytes, list)):
        return value
    if handle.type == MapType.PROG_ARRAY:
        return session.prog_id_of(value).to_bytes(4, "little")
    return session.map_id_of(value).to_bytes(4, "little")


def entries(session: Session, handle: Map) -> list[tuple[bytes, Value]]:
    """Every element of the map, in key order, as bytes."""
    inner = handle.internal
    try:
        keys = inner.keys()
    except MapError as err:
        kind = handle.type.name.lower()
        if handle.type in _QUEUES:
            raise CommandError(f"map '{handle.name}': {kind} maps cannot be dumped; "
                               "use 'map peek' or 'map pop'") from None
        raise CommandError(f"map '{handle.name}': {kind} maps cannot be dumped ({err})") from None
    found = []
    for key in keys:
        try:
            value = inner.lookup_elem(key)
        except KeyNotExistError:
            continue
        found.append((key, _value_bytes(session, handle, value)))
    return found


def _formatted(session: Session, handle: Map, key: bytes, value: Value, *, plain: bool) -> dict[str, Any]:
    """bpftool's ``do_dump_btf``: the key and value through BTF."""
    btf = session.obj.spec.btf
    assert btf is not None
    key_id, value_id = type_ids(session, handle)
    out: dict[str, Any] = {}
    if key_id:
        out["key"] = btf_json(btf, key_id, format_value(btf, key_id, key), plain=plain)

    def one(data: bytes) -> Any:
        return btf_json(btf, value_id, format_value(btf, value_id, data), plain=plain)

    if isinstance(value, list):
        out["values"] = [{"cpu": cpu, "value": one(v)} for cpu, v in enumerate(value)]
    else:
        out["value"] = one(value)
    return out


def _btf_values(session: Session, handle: Map) -> bool:
    return bool(type_ids(session, handle)[1]) and handle.type not in _FD_VALUES


def _entry_json(session: Session, handle: Map, key: bytes, value: Value) -> dict[str, Any]:
    """bpftool's ``print_entry_json``."""
    out: dict[str, Any] = {"key": hex_json(key)}
    if isinstance(value, list):
        out["values"] = [{"cpu": cpu, "value": hex_json(v)} for cpu, v in enumerate(value)]
    else:
        out["value"] = hex_json(value)
    if _btf_values(session, handle):
        out["formatted"] = _formatted(session, handle, key, value, plain=False)
    return out


def _entry_plain(handle: Map, key: bytes, value: Value) -> str:
    """bpftool's ``print_entry_plain``."""
    ks, vs = len(key), handle.value_size
    if isinstance(value, list):
        text = ""
        if ks:
            text += f"key:\n{fprint_hex(key)}\n"
        for cpu, v in enumerate(value):
            text += f"value (CPU {cpu:02d}):{chr(10) if vs > 16 else ' '}{fprint_hex(v)}\n"
        return text
    break_names = ks > 16 or vs > 16
    single_line = ks + vs <= 24 and not break_names
    sep = "\n" if break_names else " "
    text = ""
    if ks:
        text += f"key:{sep}{fprint_hex(key)}" + ("  " if single_line else "\n")
    if vs:
        text += f"value:{sep}{fprint_hex(value)}"
    return text + "\n"


def _btf_text(value: Any) -> str:
    """A value through bpftool's pretty BTF writer (the plain-text dumps)."""
    out = io.StringIO()
    JsonWriter(out, pretty=True).value(value)
    return out.getvalue() + "\n"


def _print_element(args: argparse.Namespace, session: Session, handle: Map, key: bytes, value: Value) -> None:
    """bpftool's ``print_key_value`` (lookup, peek, pop)."""
    if args.json:
        emit_json(_entry_json(session, handle, key, value), args.pretty)
    elif _btf_values(session, handle):
        sys.stdout.write(_btf_text(_formatted(session, handle, key, value, plain=True)))
    else:
        sys.stdout.write(_entry_plain(handle, key, value))


def _dump(args: argparse.Namespace, words: Words) -> int:
    target = parse_object_ref(words, "map")
    words.done()
    with open_session(args, target) as session:
        handle = session.find_map(target.ref)
        found = entries(session, handle)
        if args.json:
            emit_json([_entry_json(session, handle, k, v) for k, v in found], args.pretty)
        elif _has_btf(session, handle) and _btf_values(session, handle):
            sys.stdout.write(_btf_text([_formatted(session, handle, k, v, plain=True) for k, v in found]))
        else:
            sys.stdout.write("".join(_entry_plain(handle, k, v) for k, v in found))
            print(f"Found {len(found)} element{'' if len(found) == 1 else 's'}")
    return 0


def _key(words: Words, handle: Map, *, required: bool = True) -> bytes | None:
    if not words.accept("key"):
        if required:
            raise CommandError("did not find key", 2)
        return None
    if not handle.key_size:
        raise CommandError(f"map '{handle.name}' has no keys ({handle.type.name.lower()})", 2)
    return words.take_bytes("key", handle.key_size)


@contextmanager
def _opened(args: argparse.Namespace, words: Words) -> Iterator[tuple[Session, Map]]:
    """The session on the command's object and the map its ``OBJ MAP`` words name."""
    target = parse_object_ref(words, "map", ref_required=True)
    with open_session(args, target) as session:
        yield session, session.find_map(target.ref)


@contextmanager
def _reported(handle: Map) -> Iterator[None]:
    """A failing map operation ends the command with its error, prefixed by the map's name."""
    try:
        yield
    except MapError as err:
        raise CommandError(f"map '{handle.name}': {err}") from None


def _lookup(args: argparse.Namespace, words: Words) -> int:
    with _opened(args, words) as (session, handle):
        key = _key(words, handle)
        assert key is not None
        words.done()
        with _reported(handle):
            try:
                value = handle.internal.lookup_elem(key)
            except KeyNotExistError:
                if args.json:
                    emit_json(None, args.pretty)
                else:
                    print(f"key:\n{fprint_hex(key)}\n\nNot found")
                return 1
        _print_element(args, session, handle, key, _value_bytes(session, handle, value))
    return 0


def _fd_value(session: Session, handle: Map, words: Words) -> object:
    """A program or map of the object, for program arrays and maps of maps."""
    keyword = words.accept("id", "name", "pinned")
    if keyword is None:
        raise CommandError(f"map '{handle.name}' holds {'programs' if handle.type == MapType.PROG_ARRAY else 'maps'}: "
                           "give the value as 'id N' or 'name NAME'", 2)
    ref = Ref(keyword, words.next(f"a value after '{keyword}'"))
    if ref.kind == "pinned":
        raise CommandError("a value cannot be 'pinned FILE' here: use 'name NAME'", 2)
    if handle.type == MapType.PROG_ARRAY:
        return session.find_program(ref)
    return session.find_map(ref).internal


def _update(args: argparse.Namespace, words: Words) -> int:
    with _opened(args, words) as (session, handle):
        key: bytes | None = b""
        value: object = None
        flags: int | None = None
        seen_key = not handle.key_size
        while words:
            word = words.next("key, value or flags")
            if word == "key" and not seen_key:
                words.pos -= 1
                key = _key(words, handle)
                seen_key = True
            elif word == "value" and value is None:
                if handle.type in _FD_VALUES:
                    value = _fd_value(session, handle, words)
                else:
                    value = words.take_bytes("value", handle.value_size)
            elif word in _FLAGS and flags is None:
                flags = _FLAGS[word]
            elif word in ("key", "value") or word in _FLAGS:
                raise CommandError(f"'{word}' given twice" if word in ("key", "value")
                                   else "flags specified more than once", 2)
            else:
                raise CommandError(f"expected key, value or flags, got '{word}'", 2)
        if not seen_key:
            raise CommandError("did not find key", 2)
        if value is None:
            raise CommandError("did not find value", 2)
        with _reported(handle):
            handle.internal.update_elem(key or b"", value, flags or BPF_ANY)
    return succeeded(args)


def _delete(args: argparse.Namespace, words: Words) -> int:
    with _opened(args, words) as (_, handle):
        key = _key(words, handle)
        assert key is not None
        words.done()
        with _reported(handle):
            handle.internal.delete_elem(key)
    return succeeded(args)


def _getnext(args: argparse.Namespace, words: Words) -> int:
    with _opened(args, words) as (_, handle):
        key = _key(words, handle, required=False)
        words.done()
        with _reported(handle):
            following = handle.internal.get_next_key(key)
        if following is None:
            where = f"after {fprint_hex(key)}" if key is not None else "in the map"
            raise CommandError(f"map '{handle.name}': no key {where} (ENOENT)")
        if args.json:
            emit_json({"key": None if key is None else hex_json(key), "next_key": hex_json(following)},
                      args.pretty)
        else:
            text = "key: None\n" if key is None else f"key:\n{fprint_hex(key)}\n"
            print(f"{text}next key:\n{fprint_hex(following)}")
    return 0


def _pin(args: argparse.Namespace, words: Words) -> int:
    target = parse_object_ref(words, "map", ref_required=True)
    path = words.next("FILE to pin the map at")
    words.done()
    with open_session(args, target) as session:
        handle = session.find_map(target.ref)
        write_map_pin(Path(path), session.object_path, handle)
    return succeeded(args)


def _queue(handle: Map) -> None:
    if handle.type not in _QUEUES:
        raise CommandError(f"map '{handle.name}' is a {handle.type.name.lower()} map, not a queue or stack")


def _peek(args: argparse.Namespace, words: Words) -> int:
    return _take(args, words, remove=False)


def _pop(args: argparse.Namespace, words: Words) -> int:
    return _take(args, words, remove=True)


def _take(args: argparse.Namespace, words: Words, *, remove: bool) -> int:
    target = parse_object_ref(words, "map", ref_required=True)
    words.done()
    with open_session(args, target) as session:
        handle = session.find_map(target.ref)
        _queue(handle)
        with _reported(handle):
            try:
                value = (handle.internal.lookup_and_delete_elem(b"") if remove
                         else handle.internal.lookup_elem(b""))
            except KeyNotExistError:
                raise CommandError(f"map '{handle.name}' is empty") from None
        _print_element(args, session, handle, b"", _value_bytes(session, handle, value))
    return 0


def _push(args: argparse.Namespace, words: Words) -> int:
    with _opened(args, words) as (_, handle):
        _queue(handle)
        if not words.accept("value"):
            raise CommandError("did not find value", 2)
        value = words.take_bytes("value", handle.value_size)
        flags = BPF_ANY
        if words.accept("exist"):
            flags = BPF_EXIST
        words.done()
        with _reported(handle):
            handle.internal.update_elem(b"", value, flags)
    return succeeded(args)

