"""Hand-built BTF blobs: exact inputs that no compiler would write, including malformed ones."""

from __future__ import annotations

import struct
from typing import Literal

Order = Literal["little", "big"]

KIND = {
    "int": 1,
    "ptr": 2,
    "array": 3,
    "struct": 4,
    "union": 5,
    "enum": 6,
    "fwd": 7,
    "typedef": 8,
    "volatile": 9,
    "const": 10,
    "restrict": 11,
    "func": 12,
    "func_proto": 13,
    "var": 14,
    "datasec": 15,
    "float": 16,
    "decl_tag": 17,
    "type_tag": 18,
    "enum64": 19,
}


class Builder:
    """Collects types and strings; ``build()`` lays them out as a ``.BTF`` section.

    Each ``add_*`` method returns the new type's id (ids start at 1 in call order).
    """

    def __init__(self) -> None:
        self.strings = bytearray(b"\0")
        self.offsets: dict[str, int] = {"": 0}
        self.records: list[list[tuple[str, int]]] = []

    def string(self, text: str) -> int:
        if text not in self.offsets:
            self.offsets[text] = len(self.strings)
            self.strings += text.encode() + b"\0"
        return self.offsets[text]

    def raw(
        self,
        kind: int,
        name: str = "",
        size_or_type: int = 0,
        *,
        vlen: int = 0,
        kflag: bool = False,
        extra: list[tuple[str, int]] | None = None,
        info: int | None = None,
    ) -> int:
        word = (kflag << 31) | (kind << 24) | vlen if info is None else info
        record = [("I", self.string(name)), ("I", word), ("I", size_or_type)]
        self.records.append(record + (extra or []))
        return len(self.records)

    def add_int(
        self,
        name: str,
        size: int = 4,
        *,
        signed: bool = False,
        bits: int | None = None,
        offset: int = 0,
        encoding: int | None = None,
    ) -> int:
        enc = encoding if encoding is not None else int(signed)
        data = enc << 24 | offset << 16 | (8 * size if bits is None else bits)
        return self.raw(KIND["int"], name, size, extra=[("I", data)])

    def add_ref(self, kind: str, target: int, name: str = "", *, kflag: bool = False) -> int:
        return self.raw(KIND[kind], name, target, kflag=kflag)

    def add_array(self, elem: int, index: int, nelems: int) -> int:
        return self.raw(KIND["array"], "", 0, extra=[("I", elem), ("I", index), ("I", nelems)])

    def add_struct(
        self, name: str, size: int, members: list[tuple[str, int, int, int]], *, union: bool = False
    ) -> int:
        """Members are (name, type, bit_offset, bitfield_size); any bitfield sets kind_flag."""
        kflag = any(bits for *_, bits in members)
        extra: list[tuple[str, int]] = []
        for member, type_id, offset, bits in members:
            extra += [("I", self.string(member)), ("I", type_id), ("I", bits << 24 | offset)]
        kind = KIND["union" if union else "struct"]
        return self.raw(kind, name, size, vlen=len(members), kflag=kflag, extra=extra)

    def add_enum(
        self, name: str, size: int, values: list[tuple[str, int]], *, signed: bool = False
    ) -> int:
        extra: list[tuple[str, int]] = []
        for value_name, value in values:
            extra += [("I", self.string(value_name)), ("i" if signed else "I", value)]
        return self.raw(KIND["enum"], name, size, vlen=len(values), kflag=signed, extra=extra)

    def add_enum64(self, name: str, values: list[tuple[str, int]], *, signed: bool = False) -> int:
        extra: list[tuple[str, int]] = []
        for value_name, value in values:
            value &= (1 << 64) - 1
            extra += [("I", self.string(value_name)), ("I", value & 0xFFFFFFFF), ("I", value >> 32)]
        return self.raw(KIND["enum64"], name, 8, vlen=len(values), kflag=signed, extra=extra)

    def add_func_proto(self, ret: int, params: list[tuple[str, int]]) -> int:
        extra: list[tuple[str, int]] = []
        for param, type_id in params:
            extra += [("I", self.string(param)), ("I", type_id)]
        return self.raw(KIND["func_proto"], "", ret, vlen=len(params), extra=extra)

    def add_func(self, name: str, proto: int, linkage: int = 1) -> int:
        return self.raw(KIND["func"], name, proto, vlen=linkage)

    def add_var(self, name: str, type_id: int, linkage: int = 1) -> int:
        return self.raw(KIND["var"], name, type_id, extra=[("I", linkage)])

    def add_datasec(self, name: str, size: int, secinfos: list[tuple[int, int, int]]) -> int:
        extra = [("I", word) for secinfo in secinfos for word in secinfo]
        return self.raw(KIND["datasec"], name, size, vlen=len(secinfos), extra=extra)

    def add_decl_tag(self, name: str, target: int, component_idx: int = -1) -> int:
        return self.raw(KIND["decl_tag"], name, target, extra=[("i", component_idx)])

    def types_blob(self, order: Order) -> bytes:
        prefix = "<" if order == "little" else ">"
        return b"".join(
            struct.pack(prefix + fmt, value) for rec in self.records for fmt, value in rec
        )

    def build(self, order: Order = "little", **header: int) -> bytes:
        """The section; ``header`` overrides fields (magic, version, flags, hdr_len, ...)."""
        types = self.types_blob(order)
        fields = {
            "magic": 0xEB9F,
            "version": 1,
            "flags": 0,
            "hdr_len": 24,
            "type_off": 0,
            "type_len": len(types),
            "str_off": len(types),
            "str_len": len(self.strings),
        }
        fields.update(header)
        prefix = "<" if order == "little" else ">"
        head = struct.pack(prefix + "HBBIIIII", *fields.values())
        return head + types + bytes(self.strings)

    def build_ext(
        self,
        order: Order = "little",
        *,
        func_info: dict[str, list[tuple[int, int]]] | None = None,
        line_info: dict[str, list[tuple[int, str, str, int, int]]] | None = None,
        core_relo: dict[str, list[tuple[int, int, str, int]]] | None = None,
        func_rec_size: int = 8,
        line_rec_size: int = 16,
        core_rec_size: int = 16,
    ) -> bytes:
        """A ``.BTF.ext`` section; call before :meth:`build` so its strings are included."""
        prefix = "<" if order == "little" else ">"

        def subsection(rec_size: int, groups: dict[str, list[list[int]]]) -> bytes:
            if not groups:
                return b""
            out = struct.pack(prefix + "I", rec_size)
            for section, records in groups.items():
                out += struct.pack(prefix + "II", self.string(section), len(records))
                for words in records:
                    rec = struct.pack(prefix + "I" * len(words), *words)
                    out += rec.ljust(rec_size, b"\0")[:rec_size]
            return out

        funcs = subsection(
            func_rec_size,
            {sec: [[off, tid] for off, tid in recs] for sec, recs in (func_info or {}).items()},
        )
        lines = subsection(
            line_rec_size,
            {
                sec: [
                    [off, self.string(f), self.string(text), num << 10 | col]
                    for off, f, text, num, col in recs
                ]
                for sec, recs in (line_info or {}).items()
            },
        )
        relos = subsection(
            core_rec_size,
            {
                sec: [[off, tid, self.string(access), kind] for off, tid, access, kind in recs]
                for sec, recs in (core_relo or {}).items()
            },
        )
        head = struct.pack(
            prefix + "HBBIIIIIII",
            0xEB9F,
            1,
            0,
            32,
            0,
            len(funcs),
            len(funcs),
            len(lines),
            len(funcs) + len(lines),
            len(relos),
        )
        return head + funcs + lines + relos
