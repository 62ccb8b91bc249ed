from __future__ import annotations

import struct
from collections.abc import Callable

import pytest

from pybpf.btf import (
    BtfError,
    CoreRelo,
    Func,
    FuncInfo,
    Int,
    IntEncoding,
    LineInfo,
    Member,
    Ptr,
    Struct,
    Typedef,
    parse_btf,
    parse_btf_ext,
)

from ._builder import KIND, Builder, Order
from ._objects import BpfObject


def base() -> Builder:
    """int [1], struct pair [2] of two ints, pointer to it [3], typedef pair_t [4]."""
    b = Builder()
    b.add_int("int", signed=True)
    b.add_struct("pair", 8, [("a", 1, 0, 0), ("b", 1, 32, 0)])
    b.add_ref("ptr", 2)
    b.add_ref("typedef", 2, "pair_t")
    return b


@pytest.mark.parametrize("order", ["little", "big"])
def test_parse_hand_built_btf_in_both_byte_orders(order: Order) -> None:
    spec = parse_btf(base().build(order))
    assert spec.byte_order == order
    assert spec.types[1:] == (
        Int(1, "int", 4, IntEncoding.SIGNED, 32),
        Struct(2, "pair", 8, (Member("a", 1, 0), Member("b", 1, 32))),
        Ptr(3, "", 2),
        Typedef(4, "pair_t", 2),
    )


def _cut_last_record() -> bytes:
    b = base()
    types = b.types_blob("little")
    return b.build(type_len=len(types) - 4)


def _patched(patch: Callable[[Builder], object]) -> Callable[[], bytes]:
    def make() -> bytes:
        b = base()
        patch(b)
        return b.build()

    return make


def _name_off(b: Builder, record: int, offset: int) -> None:
    b.records[record][0] = ("I", offset)


def _typedef_chain(b: Builder) -> None:
    """129 typedefs, each of the next, the last of int: one level too many."""
    first = len(b.records) + 1
    for i in range(128):
        b.add_ref("typedef", first + i + 1, f"t{i}")
    b.add_ref("typedef", 1, "last")


def _truncated_members(b: Builder) -> None:
    b.raw(KIND["struct"], "short", 8, vlen=3, extra=[("I", 0), ("I", 1), ("I", 0)] * 2)


MALFORMED = [
    pytest.param(lambda: b"", "truncated btf header", id="empty"),
    pytest.param(lambda: b"\x9f", "truncated btf header", id="one-byte"),
    pytest.param(lambda: b"\x9f\xeb\x01\x00", "truncated btf header", id="short-header"),
    pytest.param(lambda: b"\x7fELF" + bytes(40), "bad btf magic 0x7f45", id="magic"),
    pytest.param(lambda: base().build(version=2), "unsupported btf version 2", id="version"),
    pytest.param(lambda: base().build(flags=1), "unsupported btf flags 0x1", id="flags"),
    pytest.param(lambda: base().build(hdr_len=16), "bad btf header length 16", id="hdr-short"),
    pytest.param(lambda: base().build(hdr_len=9999), "bad btf header length 9999", id="hdr-long"),
    pytest.param(
        lambda: base().build(type_len=4000),
        r"type section \(4000 bytes at 24\) beyond end of data",
        id="type-beyond-end",
    ),
    pytest.param(
        lambda: base().build(str_len=4000),
        r"string section \(4000 bytes at \d+\) beyond end of data",
        id="strings-beyond-end",
    ),
    pytest.param(
        lambda: base().build(type_off=2), "type section offset 2 is not 4-byte aligned", id="align"
    ),
    pytest.param(lambda: base().build(str_off=0), "type and string sections overlap", id="overlap"),
    pytest.param(
        lambda: base().build(str_len=0, type_len=64), "empty string section", id="no-strings"
    ),
    pytest.param(_cut_last_record, "truncated type section at offset 64", id="truncated-type"),
    pytest.param(
        _patched(_truncated_members), "truncated type section at offset 76", id="truncated-vlen"
    ),
    pytest.param(_patched(lambda b: b.raw(20)), r"type \[5\]: unknown kind 20", id="unknown-kind"),
    pytest.param(_patched(lambda b: b.raw(0)), r"type \[5\]: unknown kind 0", id="kind-zero"),
    pytest.param(
        _patched(lambda b: b.raw(0, info=0x02010000)),
        r"type \[5\]: reserved info bits set \(0x02010000\)",
        id="reserved-info",
    ),
    pytest.param(
        _patched(lambda b: b.raw(KIND["ptr"], size_or_type=1, kflag=True)),
        r"type \[5\]: PTR has kind_flag set",
        id="kflag",
    ),
    pytest.param(
        _patched(lambda b: b.raw(KIND["ptr"], size_or_type=1, vlen=2)),
        r"type \[5\]: PTR has vlen 2",
        id="vlen",
    ),
    pytest.param(
        _patched(lambda b: _name_off(b, 3, 1234)),
        r"type \[4\]: string offset 1234 out of range",
        id="name-offset",
    ),
    pytest.param(
        _patched(lambda b: b.records[1].__setitem__(3, ("I", 999))),
        r"type \[2\]: string offset 999 out of range",
        id="member-name-offset",
    ),
    pytest.param(
        _patched(lambda b: b.add_int("odd", 3)),
        r"type \[5\]: int size 3 not one of \(1, 2, 4, 8, 16\)",
        id="int-size",
    ),
    pytest.param(
        _patched(lambda b: b.add_int("odd", encoding=3)),
        r"type \[5\]: int encoding 0x3 is not a single known encoding",
        id="int-encoding",
    ),
    pytest.param(
        _patched(lambda b: b.add_int("odd", bits=33)),
        r"type \[5\]: int bits 0\+33 do not fit in 4 bytes",
        id="int-bits",
    ),
    pytest.param(
        _patched(lambda b: b.add_int("odd", encoding=16)),
        r"type \[5\]: reserved int bits set \(0x10000020\)",
        id="int-reserved",
    ),
    pytest.param(
        _patched(lambda b: b.add_enum("e", 3, [("A", 1)])),
        r"type \[5\]: enum size 3 not one of \(1, 2, 4, 8\)",
        id="enum-size",
    ),
    pytest.param(
        _patched(lambda b: b.raw(KIND["float"], "f", 5)),
        r"type \[5\]: float size 5 not one of \(2, 4, 8, 12, 16\)",
        id="float-size",
    ),
    pytest.param(
        _patched(lambda b: b.add_var("v", 1, linkage=7)),
        r"type \[5\]: unknown linkage 7",
        id="var-linkage",
    ),
    pytest.param(
        _patched(lambda b: b.add_decl_tag("t", 2, -2)),
        r"type \[5\]: decl tag component -2 out of range",
        id="decl-tag-component",
    ),
    pytest.param(
        _patched(lambda b: b.add_struct("s", 4, [("x", 99, 0, 0)])),
        r"type \[5\]: member 'x' refers to missing type 99",
        id="missing-member-type",
    ),
    pytest.param(
        _patched(lambda b: b.add_ref("ptr", 42)),
        r"type \[5\]: target refers to missing type 42",
        id="missing-target",
    ),
    pytest.param(
        _patched(lambda b: b.add_array(1, 2, 4)),
        r"type \[5\]: index refers to STRUCT 'pair'",
        id="array-index",
    ),
    pytest.param(
        _patched(lambda b: b.add_func("f", 1)),
        r"type \[5\]: prototype refers to INT 'int'",
        id="func-proto",
    ),
    pytest.param(
        _patched(lambda b: b.add_datasec(".bss", 4, [(1, 0, 4)])),
        r"type \[5\]: variable 0 refers to INT 'int'",
        id="datasec-var",
    ),
    pytest.param(
        _patched(
            lambda b: b.add_struct("s", 4, [("f", b.add_func("f", b.add_func_proto(1, [])), 0, 0)])
        ),
        r"type \[7\]: member 'f' refers to FUNC 'f'",
        id="member-func",
    ),
    pytest.param(
        _patched(lambda b: b.add_struct("self", 4, [("me", 5, 0, 0)])),
        r"type \[5\]: contains itself",
        id="struct-loop",
    ),
    pytest.param(
        _patched(lambda b: (b.add_ref("typedef", 6, "a"), b.add_ref("typedef", 5, "b"))),
        r"type \[5\]: contains itself",
        id="typedef-loop",
    ),
    pytest.param(
        _patched(_typedef_chain),
        r"type \[\d+\]: nested deeper than 128 types",
        id="too-deep",
    ),
    pytest.param(
        _patched(lambda b: b.add_struct("s", 8, [("x", b.add_ref("fwd", 0, "opaque"), 0, 0)])),
        r"type \[6\]: member 'x' has no size",
        id="member-unsized",
    ),
    pytest.param(
        _patched(lambda b: b.add_struct("s", 4, [("a", 1, 0, 0), ("b", 1, 32, 0)])),
        r"type \[5\]: member 'b' ends beyond the 4-byte struct",
        id="member-beyond",
    ),
    pytest.param(
        _patched(lambda b: b.add_struct("s", 16, [("p", 3, 3, 0)])),
        r"type \[5\]: member 'p' is not byte aligned",
        id="member-unaligned",
    ),
    pytest.param(
        _patched(lambda b: b.add_struct("s", 16, [("p", 2, 0, 3)])),
        r"type \[5\]: member 'p' is a bitfield of STRUCT 'pair'",
        id="bitfield-struct",
    ),
    pytest.param(
        _patched(lambda b: b.add_struct("s", 8, [("p", 1, 0, 40)])),
        r"type \[5\]: member 'p' has 40 bits in a 4-byte type",
        id="bitfield-wide",
    ),
    pytest.param(
        _patched(lambda b: b.add_array(b.add_ref("fwd", 0, "opaque"), 1, 2)),
        r"type \[6\]: FWD 'opaque' has no size",
        id="array-unsized",
    ),
    pytest.param(
        _patched(lambda b: b.add_array(2, 1, 1 << 31)),
        r"type \[5\]: size 17179869184 does not fit in 32 bits",
        id="size-overflow",
    ),
    pytest.param(
        _patched(lambda b: b.add_decl_tag("t", 2, 5)),
        r"type \[5\]: component 5 out of range",
        id="decl-tag-range",
    ),
    pytest.param(
        _patched(lambda b: b.add_decl_tag("t", 1)),
        r"type \[5\]: target refers to INT 'int'",
        id="decl-tag-target",
    ),
]


@pytest.mark.parametrize(("make", "message"), MALFORMED)
def test_malformed_btf_raises_btf_error(make: Callable[[], bytes], message: str) -> None:
    with pytest.raises(BtfError, match=f"^{message}$"):
        parse_btf(make())


def test_loops_through_pointers_are_allowed() -> None:
    b = Builder()
    b.add_struct("list", 8, [("next", 2, 0, 0)])
    b.add_ref("ptr", 1)
    spec = parse_btf(b.build())
    assert spec.resolve_size(1) == 8


def test_big_endian_blob_parses_like_little_endian() -> None:
    assert parse_btf(base().build("big")).types == parse_btf(base().build("little")).types


# .BTF.ext


def ext_base() -> tuple[Builder, bytes]:
    b = base()
    proto = b.add_func_proto(1, [("ctx", 3)])
    b.add_func("prog", proto)
    ext = b.build_ext(
        func_info={"xdp": [(0, 6)]},
        line_info={"xdp": [(0, "prog.c", "int prog(void *ctx)", 3, 1), (8, "prog.c", "}", 5, 0)]},
        core_relo={"xdp": [(16, 2, "0:1", 0)]},
    )
    return b, ext


def test_parse_ext_records() -> None:
    b, ext_blob = ext_base()
    ext = parse_btf_ext(ext_blob, parse_btf(b.build()))
    assert ext.func_info == {"xdp": (FuncInfo(0, 6),)}
    assert ext.line_info == {
        "xdp": (
            LineInfo(0, "prog.c", "int prog(void *ctx)", 3, 1),
            LineInfo(8, "prog.c", "}", 5, 0),
        )
    }
    assert ext.core_relos == {"xdp": (CoreRelo(16, 2, "0:1", 0),)}
    assert (ext.func_info_rec_size, ext.line_info_rec_size, ext.core_relo_rec_size) == (8, 16, 16)


def test_parse_ext_accepts_larger_records_and_no_core_relo_header() -> None:
    b = base()
    b.add_func("prog", b.add_func_proto(1, []))
    blob = b.build_ext(func_info={".text": [(0, 6), (40, 6)]}, func_rec_size=12)
    short_header = blob[:4] + struct.pack("<I", 24) + blob[8:24] + blob[32:]
    ext = parse_btf_ext(short_header, parse_btf(b.build()))
    assert ext.func_info == {".text": (FuncInfo(0, 6), FuncInfo(40, 6))}
    assert ext.func_info_rec_size == 12
    assert ext.line_info == {} and ext.core_relo_rec_size == 0


def _ext_patched(fmt: str, offset: int, *values: int) -> Callable[[bytes], bytes]:
    def patch(blob: bytes) -> bytes:
        data = bytearray(blob)
        struct.pack_into("<" + fmt, data, offset, *values)
        return bytes(data)

    return patch


MALFORMED_EXT = [
    pytest.param(lambda blob: blob[:10], "truncated btf.ext header", id="header"),
    pytest.param(lambda blob: b"\0\0" + blob[2:], "bad btf.ext magic 0x0000", id="magic"),
    pytest.param(
        lambda blob: b"\xeb\x9f" + blob[2:],
        "btf.ext is big-endian but btf is little-endian",
        id="byte-order",
    ),
    pytest.param(_ext_patched("B", 3, 7), "unsupported btf.ext flags 0x7", id="flags"),
    pytest.param(
        lambda blob: blob[:4] + struct.pack("<I", 36) + blob[8:32] + b"\1\0\0\0" + blob[32:],
        "unknown non-zero btf.ext header fields",
        id="header-tail",
    ),
    pytest.param(
        _ext_patched("I", 12, 400),
        r"func_info section \(400 bytes at 32\) beyond end of data",
        id="beyond-end",
    ),
    pytest.param(
        _ext_patched("I", 32, 4), r"func_info record size 4 invalid \(at least 8\)", id="rec-size"
    ),
    pytest.param(
        _ext_patched("I", 32, 10),
        r"func_info record size 10 invalid \(at least 8\)",
        id="rec-align",
    ),
    pytest.param(
        _ext_patched("I", 40, 0), "func_info of section 'xdp' has no records", id="no-records"
    ),
    pytest.param(
        _ext_patched("I", 40, 2),
        "truncated func_info of section 'xdp' at offset 12",
        id="truncated-records",
    ),
    pytest.param(
        _ext_patched("I", 36, 999), "func_info: string offset 999 out of range", id="section-name"
    ),
    pytest.param(
        _ext_patched("I", 48, 1),
        "func_info of section 'xdp': type 1 is not a FUNC",
        id="not-a-func",
    ),
    pytest.param(
        _ext_patched("I", 48, 99),
        "func_info of section 'xdp': type 99 is not a FUNC",
        id="missing-func",
    ),
    pytest.param(
        _ext_patched("I", 68, 999), "line_info: string offset 999 out of range", id="line-file"
    ),
    pytest.param(
        _ext_patched("I", 112, 99),
        "core_relo of section 'xdp': type 99 is not a type",
        id="relo-type",
    ),
]


@pytest.mark.parametrize(("patch", "message"), MALFORMED_EXT)
def test_malformed_btf_ext_raises_btf_error(patch: Callable[[bytes], bytes], message: str) -> None:
    b, blob = ext_base()
    spec = parse_btf(b.build())
    with pytest.raises(BtfError, match=f"^{message}$"):
        parse_btf_ext(patch(blob), spec)


# Objects built by clang.


@pytest.mark.parametrize("order", ["little", "big"])
def test_compiled_object_parses_the_same_in_both_byte_orders(
    bpf_object: Callable[..., BpfObject], order: str
) -> None:
    obj = bpf_object("kinds", order)
    assert obj.spec.byte_order == order
    assert obj.spec.types == bpf_object("kinds", "little").spec.types


@pytest.mark.parametrize("order", ["little", "big"])
def test_compiled_object_ext_names_its_functions_and_lines(
    bpf_object: Callable[..., BpfObject], order: str
) -> None:
    obj = bpf_object("kinds", order)
    assert obj.ext is not None
    funcs = {
        section: [obj.spec.types[rec.type_id].name for rec in records]
        for section, records in obj.ext.func_info.items()
    }
    assert funcs == {".text": ["helper", "twice"], "prog": ["entry"]}
    assert all(isinstance(obj.spec.types[r.type_id], Func) for r in obj.ext.func_info["prog"])
    lines = [rec.line.strip() for rec in obj.ext.line_info[".text"]]
    assert "return x + 1;" in lines
    assert all(rec.file_name.endswith("kinds.c") for rec in obj.ext.line_info["prog"])
    assert obj.ext.func_info_rec_size == 8 and obj.ext.line_info_rec_size == 16
