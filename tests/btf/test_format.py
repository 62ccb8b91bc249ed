from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pybpf import NotSupportedError
from pybpf.btf import (
    BtfError,
    Datasec,
    Spec,
    Struct,
    Var,
    format_value,
    from_python,
    parse_btf,
    to_python,
)

from ._builder import Builder
from ._objects import BpfObject

Load = Callable[..., BpfObject]
ORDERS = ["little", "big"]

BITS_PY = {"u": 5, "s": -3, "wide": 0x8000000007, "tail": 1, "after": -1}
BITS_BPFTOOL = {"u": "0x5", "s": "0x1d", "wide": "0x8000000007", "tail": "0x1", "after": -1}
MIXED_PY = {
    "name": b"hi",
    "raw": b"\x01\x02\x03",
    "neg": -2,
    "flag": True,
    "mode": 7,
    "big": 0xFEDCBA9876543210,
    "ratio": 1.5,
    "precise": -0.25,
    "x": 10,
    "y": -20,
    "grid": [[1, 2], [3, 4]],
}
MIXED_BPFTOOL = {
    "name": "hi",
    "raw": [1, 2, 3],
    "neg": -2,
    "flag": True,
    "mode": "ON",
    "big": 0xFEDCBA9876543210,
    "ratio": 1.5,
    "precise": -0.25,
    "": {"x": 10, "y": -20},
    "grid": [[1, 2], [3, 4]],
}


def section_value(obj: BpfObject, section: str) -> tuple[int, bytes]:
    """The type of the single variable of a data section, and the bytes clang wrote for it."""
    sec = obj.spec.type_by_name(section, Datasec)
    var = obj.spec.types[sec.vars[0].type]
    assert isinstance(var, Var)
    return var.type, obj.sections[section]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize(
    ("section", "python", "bpftool"),
    [
        pytest.param(".data.bits", BITS_PY, BITS_BPFTOOL, id="bitfields"),
        pytest.param(".data.mixed", MIXED_PY, MIXED_BPFTOOL, id="mixed"),
        pytest.param(".data.text", b"abc", "abc", id="string"),
        pytest.param(".data.noterm", b"xyz", [120, 121, 122], id="unterminated-chars"),
    ],
)
def test_values_clang_laid_out(
    bpf_object: Load, order: str, section: str, python: Any, bpftool: Any
) -> None:
    obj = bpf_object("values", order)
    type_id, data = section_value(obj, section)
    assert to_python(obj.spec, type_id, data) == python
    assert format_value(obj.spec, type_id, data) == bpftool
    assert from_python(obj.spec, type_id, python) == data


@pytest.mark.parametrize("order", ORDERS)
def test_bpftool_shape_converts_back(bpf_object: Load, order: str) -> None:
    obj = bpf_object("values", order)
    type_id, data = section_value(obj, ".data.bits")
    assert from_python(obj.spec, type_id, format_value(obj.spec, type_id, data)) == data


def test_sections_and_variables(bpf_object: Load) -> None:
    obj = bpf_object("values")
    sec = obj.spec.type_by_name(".data.bits", Datasec)
    data = obj.sections[".data.bits"]
    assert format_value(obj.spec, sec.id, data) == {".data.bits": [{"bits": BITS_BPFTOOL}]}
    assert to_python(obj.spec, sec.id, data) == {"bits": BITS_PY}
    assert from_python(obj.spec, sec.id, {"bits": BITS_PY}) == data
    var = sec.vars[0].type
    assert format_value(obj.spec, var, data) == {"bits": BITS_BPFTOOL}
    assert to_python(obj.spec, var, data) == BITS_PY


@pytest.mark.parametrize(
    ("source", "timer"),
    [
        pytest.param("timers", {"__opaque": [0, 0]}, id="new-header"),
        pytest.param("timers_old", {}, id="old-header"),
    ],
)
def test_a_timer_formats_as_bpftool_shows_it(bpf_object: Load, source: str, timer: Any) -> None:
    spec = bpf_object(source).spec
    value = spec.type_by_name("map_val", Struct)
    formatted = format_value(spec, value.id, bytes(value.size))
    assert formatted["t"] == timer
    assert formatted["deadline"] == 0


def test_partial_dict_leaves_the_rest_zero(bpf_object: Load) -> None:
    spec = bpf_object("timers").spec
    value = spec.type_by_name("map_val", Struct)
    data = from_python(spec, value.id, {"counter": 1, "deadline": 2})
    assert data == (2).to_bytes(8, "little") + bytes(20) + (1).to_bytes(4, "little")
    assert to_python(spec, value.id, data) == {
        "deadline": 2,
        "t": {"__opaque": [0, 0]},
        "lock": {"val": 0},
        "counter": 1,
    }
    assert from_python(spec, value.id, bytes(32)) == bytes(32)


@pytest.mark.parametrize("order", ORDERS)
def test_every_scalar_kind_round_trips(bpf_object: Load, order: str) -> None:
    spec = bpf_object("kinds", order).spec
    all_t = spec.type_by_name("all", Struct)
    value = {
        "i": -5,
        "u": 5,
        "sb": -3,
        "big": (1 << 39) + 7,
        "flag": True,
        "name": b"hi",
        "col": "GREEN",
        "ng": -1,
        "bg": "HUGE",
        "sbg": -0x123456789,
        "fl": 1.5,
        "db": -2.25,
        "n": {"i": 0x41424344},
        "ax": 1,
        "ay": 2,
        "ua": -7,
        "arr": [{"s": 1, "c": 2}, {}],
        "cv": 0x1000,
        "up": 0,
        "fp": 0,
        "fn": 8,
        "tagged": 9,
        "wide": -1,
        "uwide": 1 << 127,
    }
    decoded = to_python(spec, all_t.id, from_python(spec, all_t.id, value))
    assert decoded["col"] == 5 and decoded["bg"] == 0x123456789
    assert decoded["ub"] == (-7 if order == "little" else -1)  # the short overlays the int's start
    assert decoded["arr"] == [{"s": 1, "c": 2}, {"s": 0, "c": 0}]
    assert decoded["n"]["b"] == (b"DCBA" if order == "little" else b"ABCD")
    for key in (
        "i",
        "u",
        "sb",
        "big",
        "flag",
        "name",
        "ng",
        "fl",
        "db",
        "ax",
        "ay",
        "ua",
        "cv",
        "fn",
        "tagged",
        "wide",
        "uwide",
        "sbg",
    ):
        assert decoded[key] == value[key], key
    formatted = format_value(spec, all_t.id, from_python(spec, all_t.id, value))
    assert formatted["wide"] == "0x" + "f" * 32
    assert formatted["uwide"] == "0x8" + "0" * 31
    assert formatted["sbg"] == "SNEG" and formatted["ng"] == "MINUS"
    assert formatted[""]["ua"] == -7  # the last anonymous member wins the key


def hand_built() -> tuple[Spec, dict[str, int]]:
    b = Builder()
    ids = {
        "char": b.add_int("char", 1, encoding=2),
        "u8": b.add_int("u8", 1),
        "enum": b.add_enum("e", 4, [("A", 1), ("B", 2)]),
        "quad": b.raw(16, "long double", 16),
        "ptr": b.add_ref("ptr", 0),
        "fwd": b.add_ref("fwd", 0, "opaque"),
    }
    ids["proto"] = b.add_func_proto(0, [])
    ids["func"] = b.add_func("f", ids["proto"])
    ids["chars"] = b.add_array(ids["char"], ids["u8"], 2)
    return parse_btf(b.build()), ids


def test_char_encoded_ints_are_characters_to_bpftool() -> None:
    spec, ids = hand_built()
    assert format_value(spec, ids["char"], b"A") == "A"
    assert format_value(spec, ids["char"], b"\x01") == "\x01"
    assert to_python(spec, ids["char"], b"A") == 0x41
    assert from_python(spec, ids["char"], "A") == b"A"
    assert from_python(spec, ids["chars"], "ok") == b"ok"
    assert format_value(spec, ids["chars"], b"o\0") == "o"


def test_unknown_enum_values_stay_numbers() -> None:
    spec, ids = hand_built()
    assert format_value(spec, ids["enum"], (2).to_bytes(4, "little")) == "B"
    assert format_value(spec, ids["enum"], (9).to_bytes(4, "little")) == 9
    assert from_python(spec, ids["enum"], "A") == (1).to_bytes(4, "little")


def test_pointers_are_numbers() -> None:
    spec, ids = hand_built()
    assert format_value(spec, ids["ptr"], (0x1234).to_bytes(8, "little")) == 0x1234
    assert from_python(spec, ids["ptr"], 0x1234) == (0x1234).to_bytes(8, "little")


def test_long_double_is_not_supported() -> None:
    spec, ids = hand_built()
    with pytest.raises(NotSupportedError, match=r"^type \[4\]: 16-byte floats$"):
        to_python(spec, ids["quad"], bytes(16))
    with pytest.raises(NotSupportedError, match=r"^type \[4\]: 16-byte floats$"):
        from_python(spec, ids["quad"], 1.0)


@pytest.mark.parametrize(
    ("type_key", "data", "message"),
    [
        pytest.param("enum", b"\0", r"value of ENUM 'e' needs 4 bytes, got 1", id="size"),
        pytest.param("fwd", b"", r"type \[6\]: FWD 'opaque' has no size", id="fwd"),
        pytest.param("func", b"", r"type \[8\]: FUNC 'f' has no size", id="func"),
    ],
)
def test_reading_errors(type_key: str, data: bytes, message: str) -> None:
    spec, ids = hand_built()
    with pytest.raises(BtfError, match=f"^{message}$"):
        to_python(spec, ids[type_key], data)
    with pytest.raises(BtfError, match=f"^{message}$"):
        format_value(spec, ids[type_key], data)


def test_datasec_variables_must_fit_the_data() -> None:
    b = Builder()
    i = b.add_int("int")
    v = b.add_var("late", i)
    sec = b.add_datasec(".data", 0, [(v, 8, 4)])
    spec = parse_btf(b.build())
    assert to_python(spec, sec, bytes(12)) == {"late": 0}
    with pytest.raises(
        BtfError, match=r"^type \[3\]: variable 'late' ends at 12, beyond the 8 bytes of data$"
    ):
        to_python(spec, sec, bytes(8))
    with pytest.raises(BtfError, match=r"^value: DATASEC '.data' has no variable 'nope'$"):
        from_python(spec, sec, {"nope": 1})


@pytest.mark.parametrize(
    ("type_name", "value", "message"),
    [
        pytest.param(
            "map_val",
            {"nope": 1},
            r"value: type \[\d+\]: STRUCT 'map_val' has no member 'nope'",
            id="unknown-member",
        ),
        pytest.param(
            "map_val",
            {"counter": -1},
            r"value.counter: -1 out of range for INT 'unsigned int' \(0..4294967295\)",
            id="range",
        ),
        pytest.param(
            "map_val",
            {"t": 5},
            r"value.t: expected a dict for STRUCT 'bpf_timer', got int",
            id="shape",
        ),
        pytest.param(
            "map_val",
            {"t": {"__opaque": [1]}},
            r"value.t.__opaque: expected 2 elements for ARRAY \[\d+\], got 1",
            id="list-length",
        ),
        pytest.param(
            "map_val",
            {"t": {"__opaque": [1, "x"]}},
            r"value.t.__opaque\[1\]: expected an int for INT 'unsigned long long', got str 'x'",
            id="list-item",
        ),
        pytest.param(
            "map_val",
            {"t": {"__opaque": 7}},
            r"value.t.__opaque: expected a list for ARRAY \[\d+\], got int",
            id="not-a-list",
        ),
        pytest.param(
            "map_val",
            b"\0\0\0",
            r"value: STRUCT 'map_val' needs 32 bytes, got 3",
            id="raw-bytes",
        ),
        pytest.param(
            "map_val",
            [1, 2],
            r"value: expected a dict for STRUCT 'map_val', got list",
            id="list-for-struct",
        ),
    ],
)
def test_conversion_errors_name_the_path(
    bpf_object: Load, type_name: str, value: object, message: str
) -> None:
    spec = bpf_object("timers").spec
    with pytest.raises(BtfError, match=f"^{message}$"):
        from_python(spec, spec.type_by_name(type_name).id, value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            {"name": b"toolong"},
            r"value.name: 7 bytes do not fit in ARRAY \[\d+\] of 6",
            id="bytes-too-long",
        ),
        pytest.param(
            {"mode": "MAYBE"}, r"value.mode: ENUM 'mode' has no enumerator 'MAYBE'", id="enumerator"
        ),
        pytest.param(
            {"neg": "abc"},
            r"value.neg: expected an int for INT 'short', got str 'abc'",
            id="int-string",
        ),
        pytest.param(
            {"neg": 1 << 15},
            r"value.neg: 32768 out of range for INT 'short' "
            r"\(-32768..32767\)",
            id="short-range",
        ),
        pytest.param({"flag": 2}, r"value.flag: 2 is not a bool for INT '_Bool'", id="bool"),
        pytest.param(
            {"ratio": "x"},
            r"value.ratio: expected a number for FLOAT 'float', got str",
            id="float-type",
        ),
        pytest.param(
            {"ratio": 1e300},
            r"value.ratio: 1e\+300 out of range for FLOAT 'float'",
            id="float-range",
        ),
        pytest.param(
            {"mode": 1 << 32},
            r"value.mode: 4294967296 out of range for ENUM 'mode' "
            r"\(0..4294967295\)",
            id="enum-range",
        ),
    ],
)
def test_scalar_conversion_errors(bpf_object: Load, value: object, message: str) -> None:
    spec = bpf_object("values").spec
    with pytest.raises(BtfError, match=f"^{message}$"):
        from_python(spec, spec.type_by_name("mixed", Struct).id, value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            {"u": 8}, r"value.u: 8 out of range for INT 'unsigned int' \(0..7\)", id="unsigned"
        ),
        pytest.param(
            {"s": -17}, r"value.s: -17 out of range for INT 'int' \(-16..15\)", id="signed"
        ),
    ],
)
def test_bitfield_range_errors(bpf_object: Load, value: object, message: str) -> None:
    spec = bpf_object("values").spec
    with pytest.raises(BtfError, match=f"^{message}$"):
        from_python(spec, spec.type_by_name("bits", Struct).id, value)


def test_variables_without_a_value_type_cannot_be_written() -> None:
    b = Builder()
    proto = b.add_func_proto(0, [])
    var = b.add_var("weird", proto)
    sec = b.add_datasec(".data", 8, [(var, 0, 8)])
    spec = parse_btf(b.build())
    with pytest.raises(BtfError, match=r"^value.weird: FUNC_PROTO \[1\] has no value$"):
        from_python(spec, sec, {"weird": 1})


def test_billions_of_empty_elements_are_refused() -> None:
    b = Builder()
    empty = b.add_struct("empty", 0, [])
    i = b.add_int("int")
    few = b.add_array(empty, i, 3)
    many = b.add_array(empty, i, 1 << 31)
    spec = parse_btf(b.build())
    assert to_python(spec, few, b"") == [{}, {}, {}]
    with pytest.raises(BtfError, match=r"^type \[1\]: too many zero-sized parts to convert$"):
        format_value(spec, many, b"")
