"""Pins that outlive the process: map contents and program references in plain JSON files.

bpftool pins an object in bpffs and a later command opens it. A pybpf command is a process of
its own whose maps die with it, so a pin here is a file holding what a later command needs to
rebuild the object: which object file, and for a map its contents. Timers (and anything else
that lives only inside a running process, such as ring-buffer records) are not saved: after a
restore, a value's ``bpf_timer`` is uninitialized, as after a user-space update in the kernel.

A map pin (``map pin``, ``--pin-root DIR``, ``prog load ... pinmaps DIR``)::

    {"pybpf_pin": 1, "kind": "map", "object": "/abs/path/obj.bpf.o", "name": "counts",
     "type": "hash", "key_size": 4, "value_size": 8, "max_entries": 16, "flags": 0,
     "elements": [{"key": "01000000", "value": "0500000000000000"}]}

Keys and values are hex; a per-CPU map has ``"values": [hex, ...]`` (one per CPU) instead of
``"value"``. Under a pin root, the file of map ``NAME`` is ``DIR/NAME`` with dots replaced by
underscores, as libbpf names pins (``t.bss`` → ``t_bss``). Only maps whose contents are plain
bytes are saved: hash, array, LRU hash and their per-CPU forms, global data except the frozen
``.rodata``. A program pin (``prog load``, ``prog loadall``, ``prog pin``)::

    {"pybpf_pin": 1, "kind": "program", "object": "/abs/path/obj.bpf.o", "name": "count",
     "pin_root": "/abs/path/maps"}

``pin_root`` (present with ``pinmaps DIR``) is where that program's maps were pinned; commands
that name the program as ``pinned FILE`` restore and save its maps there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..maps import MapError, MapType
from ..runtime import Map
from ._args import CommandError, os_reason

__all__ = [
    "PERSISTED_TYPES",
    "map_pin_path",
    "persistable",
    "pin_path",
    "read_pin",
    "restore_map",
    "write_map_pin",
    "write_prog_pin",
]

PIN_VERSION = 1

#: The map types whose contents a pin keeps.
PERSISTED_TYPES = frozenset({
    MapType.HASH, MapType.ARRAY, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY,
    MapType.LRU_HASH, MapType.LRU_PERCPU_HASH,
})  # fmt: skip
_PERCPU = frozenset({MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH})


def pin_path(root: str | Path, name: str) -> Path:
    """Where the pin of ``name`` lives under ``root``, which it never leaves.

    As libbpf does (``pathname_concat``), the name is appended to the root as text, so an
    absolute name lands under the root too. A name that would still climb out of it (``..``
    components, which libbpf lets through for programs) or holds a NUL is refused.

    Raises:
        CommandError: the name would leave ``root``.
    """
    base = os.path.normpath(root)
    path = os.path.normpath(f"{base}/{name}")
    if "\0" in name or not path.startswith(base.rstrip("/") + "/"):
        raise CommandError(f"cannot pin '{name}': the name leaves {root}")
    return Path(path)


def map_pin_path(root: str | Path, name: str) -> Path:
    """Where the pin of map ``name`` lives under ``root``: dots become underscores, as libbpf's
    ``sanitize_pin_path`` does (so ``..`` cannot climb either)."""
    return pin_path(root, name.replace(".", "_"))


def persistable(handle: Map) -> bool:
    """Whether a pin keeps this map's contents (plain-bytes maps that user space may write)."""
    return handle.type in PERSISTED_TYPES and not handle.internal.frozen


def _shape(handle: Map) -> dict[str, Any]:
    return {
        "type": handle.type.name.lower(),
        "key_size": handle.key_size,
        "value_size": handle.value_size,
        "max_entries": handle.max_entries,
        "flags": handle.flags,
    }


def _describe(shape: dict[str, Any]) -> str:
    return (f"{shape.get('type')} key {shape.get('key_size')}B value {shape.get('value_size')}B "
            f"max_entries {shape.get('max_entries')} flags 0x{int(shape.get('flags') or 0):x}")


def write_map_pin(path: Path, object_path: Path, handle: Map) -> None:
    """Save ``handle``'s contents at ``path`` (atomically: a reader never sees half a file)."""
    inner = handle.internal
    elements = []
    for key in inner.keys():  # noqa: SIM118 - a BPF map, not a dict
        value = inner.lookup_elem(key)
        if isinstance(value, list):
            elements.append({"key": key.hex(), "values": [v.hex() for v in value]})
        else:
            assert isinstance(value, bytes)
            elements.append({"key": key.hex(), "value": value.hex()})
    pin = {"pybpf_pin": PIN_VERSION, "kind": "map", "object": str(object_path), "name": handle.name,
           **_shape(handle), "elements": elements}
    _write(path, pin)


def write_prog_pin(path: Path, object_path: Path, name: str, pin_root: Path | None) -> None:
    """Save a reference to program ``name`` of ``object_path`` at ``path``."""
    pin: dict[str, Any] = {"pybpf_pin": PIN_VERSION, "kind": "program", "object": str(object_path),
                           "name": name}
    if pin_root is not None:
        pin["pin_root"] = str(pin_root)
    _write(path, pin)


def _write(path: Path, pin: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(_dumps(pin))
        tmp.replace(path)
    except OSError as err:
        raise CommandError(f"cannot write pin {path}: {os_reason(err)}") from None


def _dumps(pin: dict[str, Any]) -> str:
    """The pin as JSON: the header on one line, then one line per element."""
    elements = pin.get("elements")
    head = {k: v for k, v in pin.items() if k != "elements"}
    if elements is None:
        return json.dumps(head) + "\n"
    body = ",\n".join(" " + json.dumps(e) for e in elements)
    return json.dumps(head)[:-1] + ', "elements": [\n' + body + ("\n" if body else "") + "]}\n"


def read_pin(path: Path, kind: str) -> dict[str, Any]:
    """The pin at ``path``, which must be a ``kind`` (``map`` or ``program``) pin.

    Raises:
        CommandError: there is no such file, or it is not a pin of that kind.
    """
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise CommandError(f"no pin at {path}") from None
    except OSError as err:
        raise CommandError(f"cannot read pin {path}: {os_reason(err)}") from None
    try:
        pin = json.loads(text)
    except ValueError:
        pin = None
    if not isinstance(pin, dict) or pin.get("pybpf_pin") != PIN_VERSION:
        raise CommandError(f"{path} is not a pybpf pin")
    if pin.get("kind") != kind:
        raise CommandError(f"{path} pins a {pin.get('kind')}, not a {kind}")
    if not isinstance(pin.get("name"), str) or not isinstance(pin.get("object"), str):
        raise CommandError(f"{path} is not a pybpf pin")
    return pin


def restore_map(handle: Map, pin: dict[str, Any], path: Path) -> None:
    """Fill ``handle`` with the contents saved in ``pin`` (read from ``path``).

    Raises:
        CommandError: the pin describes a map of another shape, or its data is damaged.
    """
    shape = _shape(handle)
    pinned = {k: pin.get(k) for k in shape}
    if pinned != shape:
        raise CommandError(
            f"map '{handle.name}': the pin {path} holds {_describe(pinned)}, "
            f"the map is {_describe(shape)}"
        )
    inner = handle.internal
    try:
        for element in pin.get("elements", []):
            key = bytes.fromhex(element["key"])
            if handle.type in _PERCPU:
                value: Any = [bytes.fromhex(v) for v in element["values"]]
                if len(value) != inner.ncpus:
                    value = value[0]  # saved with another CPU count: every CPU gets CPU 0's
            else:
                value = bytes.fromhex(element["value"])
            inner.update_elem(key, value)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise CommandError(f"map '{handle.name}': the pin {path} is damaged ({err})") from None
    except MapError as err:
        raise CommandError(f"map '{handle.name}': restoring from {path}: {err}") from None
