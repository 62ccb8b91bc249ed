from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pybpf.btf import BtfError, dump_c, dump_raw, parse_btf

from ._builder import KIND, Builder
from ._objects import BpfObject

HEADER = """\
#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

"""
FOOTER = """\
#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
"""


def every_kind() -> bytes:
    """One type of every kind, with an old-style (member-less) struct bpf_timer."""
    b = Builder()
    i = b.add_int("int", signed=True)
    c = b.add_int("char", 1, encoding=2)
    bo = b.add_int("_Bool", 1, encoding=4)
    u64 = b.add_int("unsigned long", 8)
    t = b.add_struct("bpf_timer", 16, [])
    val = b.add_struct(
        "val",
        32,
        [("deadline", u64, 0, 0), ("t", t, 64, 0), ("flags", i, 192, 3), ("on", bo, 195, 1)],
    )
    b.add_enum("state", 4, [("IDLE", 0), ("ARMED", -1)], signed=True)
    b.add_enum64("wide", [("W", 1 << 40)])
    b.add_ref("fwd", 0, "later")
    b.raw(KIND["fwd"], "ulater", 0, kflag=True)
    td = b.add_ref("typedef", val, "val_t")
    p = b.add_ref("ptr", b.add_ref("const", b.add_ref("volatile", i)))
    r = b.add_ref("restrict", p)
    arr = b.add_array(c, i, 8)
    b.add_struct("u", 8, [("a", u64, 0, 0), ("b", arr, 0, 0)], union=True)
    f = b.add_func("prog", b.add_func_proto(i, [("ctx", p), ("", 0)]))
    b.raw(KIND["float"], "double", 8)
    pt = b.add_ref("ptr", b.add_ref("type_tag", i, "user"))
    hold = b.add_struct("holder", 40, [("v", td, 0, 0), ("p", pt, 256, 0)])
    v = b.add_var("value", hold, 1)
    sv = b.add_var("count", r, 0)
    b.add_datasec(".bss", 48, [(v, 0, 40), (sv, 40, 8)])
    b.add_decl_tag("kfunc", f, -1)
    b.add_decl_tag("arg", f, 0)
    return b.build()


EVERY_KIND_RAW = """\
[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
[2] INT 'char' size=1 bits_offset=0 nr_bits=8 encoding=CHAR
[3] INT '_Bool' size=1 bits_offset=0 nr_bits=8 encoding=BOOL
[4] INT 'unsigned long' size=8 bits_offset=0 nr_bits=64 encoding=(none)
[5] STRUCT 'bpf_timer' size=16 vlen=0
[6] STRUCT 'val' size=32 vlen=4
\t'deadline' type_id=4 bits_offset=0
\t't' type_id=5 bits_offset=64
\t'flags' type_id=1 bits_offset=192 bitfield_size=3
\t'on' type_id=3 bits_offset=195 bitfield_size=1
[7] ENUM 'state' encoding=SIGNED size=4 vlen=2
\t'IDLE' val=0
\t'ARMED' val=-1
[8] ENUM64 'wide' encoding=UNSIGNED size=8 vlen=1
\t'W' val=1099511627776ULL
[9] FWD 'later' fwd_kind=struct
[10] FWD 'ulater' fwd_kind=union
[11] TYPEDEF 'val_t' type_id=6
[12] VOLATILE '(anon)' type_id=1
[13] CONST '(anon)' type_id=12
[14] PTR '(anon)' type_id=13
[15] RESTRICT '(anon)' type_id=14
[16] ARRAY '(anon)' type_id=2 index_type_id=1 nr_elems=8
[17] UNION 'u' size=8 vlen=2
\t'a' type_id=4 bits_offset=0
\t'b' type_id=16 bits_offset=0
[18] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2
\t'ctx' type_id=14
\t'(anon)' type_id=0
[19] FUNC 'prog' type_id=18 linkage=global
[20] FLOAT 'double' size=8
[21] TYPE_TAG 'user' type_id=1
[22] PTR '(anon)' type_id=21
[23] STRUCT 'holder' size=40 vlen=2
\t'v' type_id=11 bits_offset=0
\t'p' type_id=22 bits_offset=256
[24] VAR 'value' type_id=23, linkage=global
[25] VAR 'count' type_id=15, linkage=static
[26] DATASEC '.bss' size=48 vlen=2
\ttype_id=24 offset=0 size=40 (VAR 'value')
\ttype_id=25 offset=40 size=8 (VAR 'count')
[27] DECL_TAG 'kfunc' type_id=19 component_idx=-1
[28] DECL_TAG 'arg' type_id=19 component_idx=0
"""

EVERY_KIND_C = (
    HEADER
    + """\
struct bpf_timer {
\tlong: 64;
\tlong: 64;
};

struct val {
\tunsigned long deadline;
\tstruct bpf_timer t;
\tint flags: 3;
\t_Bool on: 1;
};

enum state {
\tIDLE = 0,
\tARMED = -1,
};

enum wide {
\tW = 1099511627776ULL,
};

struct later;

union ulater;

typedef struct val val_t;

union u {
\tunsigned long a;
\tchar b[8];
};

struct holder {
\tval_t v;
\tint __attribute__((btf_type_tag("user"))) *p;
};

"""
    + FOOTER
)


def test_raw_dump_of_every_kind() -> None:
    assert dump_raw(parse_btf(every_kind())) == EVERY_KIND_RAW


def test_c_dump_of_every_kind() -> None:
    assert dump_c(parse_btf(every_kind())) == EVERY_KIND_C


def test_dumps_of_chosen_types_include_what_they_need() -> None:
    spec = parse_btf(every_kind())
    assert dump_raw(spec, [5]) == "[5] STRUCT 'bpf_timer' size=16 vlen=0\n"
    assert dump_c(spec, [11]) == EVERY_KIND_C.split("enum state")[0] + (
        "typedef struct val val_t;\n\n" + FOOTER
    )
    with pytest.raises(BtfError, match=r"^type id 99 out of range$"):
        dump_c(spec, [99])


def test_hand_built_dumps_match_bpftool(bpftool: str, tmp_path: Path) -> None:
    path = tmp_path / "every_kind.btf"
    path.write_bytes(every_kind())
    for fmt, expected in (("raw", EVERY_KIND_RAW), ("c", EVERY_KIND_C)):
        cmd = [bpftool, "btf", "dump", "file", str(path), "format", fmt]
        assert subprocess.run(cmd, check=True, capture_output=True, text=True).stdout == expected


@pytest.mark.parametrize("order", ["little", "big"])
@pytest.mark.parametrize("name", ["kinds", "timers", "timers_old", "values", "layout"])
def test_dumps_of_compiled_objects_match_bpftool(
    bpf_object: Callable[..., BpfObject], bpftool: str, name: str, order: str
) -> None:
    obj = bpf_object(name, order)
    for fmt, dump in (("raw", dump_raw), ("c", dump_c)):
        cmd = [bpftool, "btf", "dump", "file", str(obj.path), "format", fmt]
        expected = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        assert dump(obj.spec) == expected, fmt


def test_clashing_names_get_suffixes() -> None:
    b = Builder()
    i = b.add_int("int")
    b.add_struct("dup", 4, [("a", i, 0, 0)])
    b.add_struct("dup", 4, [("b", i, 0, 0)], union=True)
    b.add_enum("e1", 4, [("X", 1)])
    b.add_enum("e2", 4, [("X", 2)])
    text = dump_c(parse_btf(b.build()))
    assert "struct dup {\n\tint a;\n};" in text
    assert "union dup___2 {\n\tint b;\n};" in text
    assert "enum e2 {\n\tX___2 = 2,\n};" in text


def test_anonymous_struct_loop_is_unsatisfiable() -> None:
    b = Builder()
    b.add_struct("", 8, [("self", 2, 0, 0)])
    b.add_ref("ptr", 1)
    with pytest.raises(BtfError, match=r"^type \[1\]: unsatisfiable type cycle$"):
        dump_c(parse_btf(b.build()))


def test_absurd_pointer_chains_are_refused() -> None:
    b = Builder()
    for target in range(2, 202):
        b.add_ref("ptr", target)  # 200 pointers, each to the next
    b.add_int("int")
    b.add_ref("typedef", 1, "deep_t")
    spec = parse_btf(b.build())
    assert dump_raw(spec).count("PTR") == 200
    with pytest.raises(BtfError, match=r"^type \[\d+\]: declaration nested deeper than 128$"):
        dump_c(spec)


def test_absurd_gaps_are_refused() -> None:
    b = Builder()
    i = b.add_int("int")
    b.add_struct("page", 4096 + 4, [("a", i, 0, 0), ("b", i, 8 * 4096, 0)])
    b.add_struct("huge", 1 << 30, [("a", i, 0, 0)])
    spec = parse_btf(b.build())
    assert dump_c(spec, [2]).count("long: 64;") == 511
    with pytest.raises(BtfError, match=r"^type \[3\]: 1073741820-byte gap is too large to pad$"):
        dump_c(spec, [3])
