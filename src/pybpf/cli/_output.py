"""What the bpftool-style commands print: bpftool's JSON writer, its hex dumps, BTF values.

bpftool does not print JSON with a JSON library: it streams through ``json_writer.c`` (from
iproute2), whose pretty mode has a recognisable shape that scripts and people are used to:
a name starts a new indented line but a value does not, so an array of numbers stays on one
line and its closing bracket goes on the next (``"__opaque": [0,0\\n    ]``). :class:`JsonWriter`
reproduces that byte for byte, including its string escaping (only ``\\t \\n \\r \\f \\b \\\\
\\"``). Values are plain Python data; :class:`Raw` is a token printed as it is, which is how
bpftool writes the few values it formats itself (``"0x1f"`` bitfields in plain BTF dumps).
"""

from __future__ import annotations

import sys
from argparse import Namespace
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from ..btf import Array, Datasec, Int, IntEncoding, Ptr, Spec, Struct, Union, Var

__all__ = [
    "JsonWriter",
    "Raw",
    "btf_json",
    "emit_json",
    "fprint_hex",
    "hex_json",
    "hex_print",
    "show_infos",
    "succeeded",
]

_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f", "\b": "\\b", "\\": "\\\\", '"': '\\"'}


@dataclass(frozen=True)
class Raw:
    """A JSON token written verbatim (bpftool's ``jsonw_printf``)."""

    text: str


class JsonWriter:
    """bpftool's ``json_writer``: the same separators, indentation and escaping."""

    def __init__(self, out: TextIO, pretty: bool = False) -> None:
        self.out = out
        self.pretty = pretty
        self.depth = 0
        self.sep = ""

    def _eol(self) -> None:
        if self.pretty:
            self.out.write("\n" + "    " * self.depth)

    def _eor(self) -> None:
        if self.sep:
            self.out.write(self.sep)
        self.sep = ","

    def _begin(self, char: str) -> None:
        self._eor()
        self.out.write(char)
        self.depth += 1
        self.sep = ""

    def _end(self, char: str) -> None:
        self.depth -= 1
        if self.sep:
            self._eol()
        self.out.write(char)
        self.sep = ","

    def name(self, name: str) -> None:
        """A property name: a new line when pretty, then ``"name": ``."""
        self._eor()
        self._eol()
        self.sep = ""
        self.out.write(_quote(name) + (": " if self.pretty else ":"))

    def token(self, text: str) -> None:
        """A scalar written as it is."""
        self._eor()
        self.out.write(text)

    def value(self, value: Any) -> None:
        """Any Python value: dicts, lists and tuples, str, bool, int, float, None, :class:`Raw`."""
        if isinstance(value, Mapping):
            self._begin("{")
            for key, item in value.items():
                self.name(str(key))
                self.value(item)
            self._end("}")
        elif isinstance(value, (list, tuple)):
            self._begin("[")
            for item in value:
                self.value(item)
            self._end("]")
        elif isinstance(value, Raw):
            self.token(value.text)
        elif isinstance(value, str):
            self.token(_quote(value))
        elif value is None:
            self.token("null")
        elif isinstance(value, bool):
            self.token("true" if value else "false")
        elif isinstance(value, int):
            self.token(str(value))
        elif isinstance(value, float):
            self.token(f"{value:g}")
        else:
            raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _quote(text: str) -> str:
    return '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'


def emit_json(value: Any, pretty: bool = False, out: TextIO | None = None) -> None:
    """Print one value and a newline, as bpftool ends its output (``jsonw_destroy``)."""
    stream = sys.stdout if out is None else out
    writer = JsonWriter(stream, pretty)
    writer.value(value)
    stream.write("\n")


def succeeded(args: Namespace) -> int:
    """End a verb that prints nothing on success: exit status 0, and bpftool's ``null`` under
    ``--json``."""
    if args.json:
        emit_json(None, args.pretty)
    return 0


def show_infos(args: Namespace, infos: list[dict[str, Any]], *, single: bool,
               plain: Callable[[dict[str, Any]], str]) -> int:
    """End a ``show`` verb: bpftool's JSON (one object when one was named, else a list) or the
    plain lines ``plain`` writes for each."""
    if args.json:
        emit_json(infos[0] if single else infos, args.pretty)
    else:
        sys.stdout.write("".join(plain(info) for info in infos))
    return 0


def fprint_hex(data: bytes) -> str:
    """bpftool's ``fprint_hex``: bytes in hex, two spaces after each 8, a new line each 16."""
    parts = []
    for i, byte in enumerate(data):
        if i and i % 16 == 0:
            parts.append("\n")
        elif i and i % 8 == 0:
            parts.append("  ")
        elif i:
            parts.append(" ")
        parts.append(f"{byte:02x}")
    return "".join(parts)


def hex_json(data: bytes) -> list[Raw]:
    """bpftool's ``print_hex_data_json``: ``["0x01","0x00",...]``."""
    return [Raw(f'"0x{byte:02x}"') for byte in data]


def hex_print(data: bytes) -> str:
    """bpftool's ``hex_print`` of ``prog run ... data_out -``: offset, hex pairs, ASCII."""
    lines = []
    for start in range(0, len(data), 16):
        chunk = data[start : start + 16]
        text = [f"{start:07x}\t"]
        for j in range(start, start + 16):
            if j < len(data):
                text.append(f"{data[j]:02x}{' ' if j % 2 else ''}")
            else:
                text.append(f"  {' ' if j % 2 else ''}")
        text.append("| ")
        for j, byte in enumerate(chunk):
            text.append((chr(byte) if 0x20 <= byte <= 0x7E else ".") + (" " if j == 7 else ""))
        lines.append("".join(text))
    return "".join(line + "\n" for line in lines)


def btf_json(spec: Spec, type_id: int, value: Any, *, plain: bool) -> Any:
    """Adjust a :func:`~pybpf.btf.format_value` result to what bpftool's BTF dumper prints.

    ``format_value`` gives the JSON form's data. The dumper writes a few scalars itself, and
    differently in the plain (``is_plain_text``) dumps of ``map dump``/``lookup``:
    bitfields and 128-bit ints are ``0x..`` (quoted only in JSON), a non-printable ``char``
    is ``0x..`` in plain text and ``"\\u00.."`` in JSON, and a pointer is its number in JSON
    but ``"0x.."`` or ``"(nil)"`` in plain text.
    """
    t = spec.types[spec.skip_modifiers(type_id)]
    if isinstance(t, Ptr):
        if not plain:
            return value
        return "(nil)" if value == 0 else f"0x{value:x}"
    if isinstance(t, Int):
        return _int_token(t, value, plain)
    if isinstance(t, Array) and isinstance(value, list):
        return [btf_json(spec, t.type, item, plain=plain) for item in value]
    if isinstance(t, (Struct, Union)) and isinstance(value, dict):
        out: dict[str, Any] = {}
        for m in t.members:
            item = value.get(m.name)
            if m.bitfield_size and isinstance(item, str):
                out[m.name] = Raw(item if plain else f'"{item}"')
            else:
                out[m.name] = btf_json(spec, m.type, item, plain=plain)
        return out
    if isinstance(t, Var) and isinstance(value, dict):
        return {t.name: btf_json(spec, t.type, value[t.name], plain=plain)}
    if isinstance(t, Datasec) and isinstance(value, dict):
        items = value[t.name]
        return {t.name: [btf_json(spec, v.type, item, plain=plain) for v, item in zip(t.vars, items)]}
    return value


def _int_token(t: Int, value: Any, plain: bool) -> Any:
    if not isinstance(value, str):
        return value
    if IntEncoding.CHAR in t.encoding and t.size == 1 and len(value) == 1:
        code = ord(value)
        if 0x20 <= code < 0x7F:
            return value
        return Raw(f"0x{code:x}" if plain else f'"\\u00{code:02x}"')
    return Raw(value if plain else f'"{value}"')  # a bitfield or a 128-bit int
