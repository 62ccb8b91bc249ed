from __future__ import annotations

from collections.abc import Callable

import pytest

from pybpf.btf import (
    Array,
    BtfError,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    EnumValue,
    Field,
    Float,
    Func,
    FuncProto,
    Fwd,
    Int,
    IntEncoding,
    Linkage,
    Member,
    Ptr,
    Restrict,
    Spec,
    SpecialField,
    StringTable,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
    Void,
    Volatile,
    parse_btf,
)

from ._builder import Builder
from ._objects import BpfObject

Load = Callable[..., BpfObject]


@pytest.fixture
def kinds(bpf_object: Load) -> Spec:
    return bpf_object("kinds").spec


def member(spec: Spec, struct: str, name: str) -> Member:
    return next(m for m in spec.type_by_name(struct, Struct).members if m.name == name)


def test_every_kind_appears_in_a_compiled_object(kinds: Spec) -> None:
    assert {type(t) for t in kinds} == {
        Void,
        Int,
        Ptr,
        Array,
        Struct,
        Union,
        Enum,
        Enum64,
        Fwd,
        Typedef,
        Volatile,
        Const,
        Restrict,
        Func,
        FuncProto,
        Var,
        Datasec,
        Float,
        DeclTag,
        TypeTag,
    }


def test_ints_carry_encoding_and_width(kinds: Spec) -> None:
    assert kinds.type_by_name("int", Int) == Int(
        kinds.type_by_name("int").id, "int", 4, IntEncoding.SIGNED, 32
    )
    assert kinds.type_by_name("_Bool", Int).encoding == IntEncoding.BOOL
    assert kinds.type_by_name("char", Int).signed
    assert not kinds.type_by_name("unsigned int", Int).signed
    wide = kinds.type_by_name("__int128", Int)
    assert (wide.size, wide.bits, wide.signed) == (16, 128, True)


def test_bitfields_have_bit_offsets_and_sizes(kinds: Spec) -> None:
    assert member(kinds, "all", "u").bit_offset == 32
    assert member(kinds, "all", "u").bitfield_size == 3
    assert (member(kinds, "all", "sb").bit_offset, member(kinds, "all", "sb").bitfield_size) == (
        35,
        5,
    )
    assert member(kinds, "all", "big").bitfield_size == 40
    assert member(kinds, "all", "i").bitfield_size == 0


def test_anonymous_members_and_unions(kinds: Spec) -> None:
    anonymous = [m for m in kinds.type_by_name("all", Struct).members if not m.name]
    assert [type(kinds.types[m.type]) for m in anonymous] == [Struct, Union]
    num = kinds.type_by_name("num", Union)
    assert [m.bit_offset for m in num.members] == [0, 0, 0]


def test_enums_are_signed_per_kind_flag(kinds: Spec) -> None:
    assert kinds.type_by_name("color", Enum).values == (
        EnumValue("RED", 0),
        EnumValue("GREEN", 5),
        EnumValue("BLUE", 6),
    )
    neg = kinds.type_by_name("neg", Enum)
    assert neg.signed and neg.values[0] == EnumValue("MINUS", -1)
    big = kinds.type_by_name("big", Enum64)
    assert not big.signed and big.values[0] == EnumValue("HUGE", 0x123456789)
    sbig = kinds.type_by_name("sbig", Enum64)
    assert sbig.signed and sbig.values[0] == EnumValue("SNEG", -0x123456789)


def test_functions_variables_and_sections(kinds: Spec) -> None:
    linkage = {t.name: t.linkage for t in kinds if isinstance(t, (Func, Var))}
    assert linkage == {
        "helper": Linkage.GLOBAL,
        "twice": Linkage.STATIC,
        "ext_func": Linkage.EXTERN,
        "entry": Linkage.GLOBAL,
        "a": Linkage.GLOBAL,
        "answer": Linkage.STATIC,
        "rp": Linkage.GLOBAL,
        "ext_var": Linkage.EXTERN,
    }
    proto = kinds.types[kinds.type_by_name("helper", Func).type]
    assert isinstance(proto, FuncProto) and [p.name for p in proto.params] == ["x"]
    bss = kinds.type_by_name(".bss", Datasec)
    assert {kinds.types[v.type].name for v in bss.vars} == {"a", "rp"}
    assert kinds.type_by_name("float", Float).size == 4
    assert kinds.type_by_name("double", Float).size == 8
    assert not kinds.type_by_name("fwd_only", Fwd).is_union


def test_tags(kinds: Spec) -> None:
    all_id = kinds.type_by_name("all", Struct).id
    helper_id = kinds.type_by_name("helper", Func).id
    tags = {(t.name, t.type, t.component_idx) for t in kinds if isinstance(t, DeclTag)}
    index = [m.name for m in kinds.type_by_name("all", Struct).members].index("tagged")
    assert tags == {
        ("structtag", all_id, -1),
        ("field", all_id, index),
        ("func", helper_id, -1),
        ("param", helper_id, 0),
    }
    up = kinds.types[member(kinds, "all", "up").type]
    assert isinstance(up, Ptr)
    assert kinds.types[up.type] == TypeTag(up.type, "user", kinds.type_by_name("int").id)


def test_qualifiers_and_skip_modifiers(kinds: Spec) -> None:
    cv = kinds.types[member(kinds, "all", "cv").type]
    assert isinstance(cv, Ptr)
    assert isinstance(kinds.types[cv.type], (Const, Volatile))
    assert kinds.skip_modifiers(cv.type) == kinds.type_by_name("int").id
    rp = kinds.type_by_name("rp", Var)
    assert isinstance(kinds.types[rp.type], Restrict)
    assert isinstance(kinds.types[kinds.skip_modifiers(rp.type)], Ptr)
    assert kinds.skip_modifiers(0) == 0


def test_lookups_by_id_and_name() -> None:
    b = Builder()
    b.add_int("int")
    b.add_struct("dup", 4, [("x", 1, 0, 0)])
    b.add_ref("typedef", 2, "dup")
    spec = parse_btf(b.build())
    assert spec.type_by_id(2).name == "dup"
    assert [t.id for t in spec.types_by_name("dup")] == [2, 3]
    assert spec.types_by_name("dup", Typedef) == (Typedef(3, "dup", 2),)
    assert spec.type_by_name("dup", Struct).id == 2
    with pytest.raises(BtfError, match=r"^2 types named 'dup'$"):
        spec.type_by_name("dup")
    with pytest.raises(BtfError, match=r"^no type named 'nope'$"):
        spec.type_by_name("nope")
    with pytest.raises(BtfError, match=r"^no UNION named 'dup'$"):
        spec.type_by_name("dup", Union)
    with pytest.raises(BtfError, match=r"^type id 9 out of range$"):
        spec.type_by_id(9)


def test_resolve_size(kinds: Spec) -> None:
    all_t = kinds.type_by_name("all", Struct)
    assert kinds.resolve_size(kinds.type_by_name("a", Var).id) == all_t.size
    assert kinds.resolve_size(kinds.type_by_name("bool", Typedef).id) == 1
    assert kinds.resolve_size(member(kinds, "all", "arr").type) == 8
    assert kinds.resolve_size(member(kinds, "all", "fn").type) == 8
    fwd = kinds.type_by_name("fwd_only").id
    with pytest.raises(BtfError, match=rf"^type \[{fwd}\]: FWD 'fwd_only' has no size$"):
        kinds.resolve_size(fwd)
    with pytest.raises(BtfError, match=r"^type \[0\]: UNKN \[0\] has no size$"):
        kinds.resolve_size(0)


def test_align_of(kinds: Spec, bpf_object: Load) -> None:
    assert kinds.align_of(kinds.type_by_name("all").id) == 8
    assert kinds.align_of(kinds.type_by_name("inner").id) == 2
    assert kinds.align_of(kinds.type_by_name("__int128").id) == 8
    layout = bpf_object("layout").spec
    assert layout.align_of(layout.type_by_name("packed_tail").id) == 1
    with pytest.raises(BtfError, match=r"FWD 'fwd_only' has no alignment$"):
        kinds.align_of(kinds.type_by_name("fwd_only").id)


def test_field_finds_nested_and_anonymous_members(kinds: Spec) -> None:
    all_t = kinds.type_by_name("all", Struct)
    anon = next(m for m in all_t.members if not m.name)
    assert kinds.field(all_t.id, "ay") == Field(kinds.type_by_name("int").id, anon.bit_offset + 32)
    assert kinds.field(all_t.id, "sb") == Field(kinds.type_by_name("int").id, 35, 5)
    arr = member(kinds, "all", "n")
    assert kinds.field(all_t.id, "n.b").bit_offset == arr.bit_offset
    assert kinds.field(all_t.id, "n.b").byte_offset == arr.bit_offset // 8
    with pytest.raises(BtfError, match=r"^type \[\d+\]: STRUCT 'all' has no member 'zz'$"):
        kinds.field(all_t.id, "zz")
    with pytest.raises(BtfError, match=r"^type \[\d+\]: INT 'int' has no members$"):
        kinds.field(all_t.id, "i.x")
    with pytest.raises(BtfError, match=r"^type \[\d+\]: STRUCT 'all' has no member ''$"):
        kinds.field(all_t.id, "")


@pytest.mark.parametrize("source", ["timers", "timers_old"])
def test_is_bpf_timer_matches_name_and_size_in_both_header_forms(
    bpf_object: Load, source: str
) -> None:
    spec = bpf_object(source).spec
    timer = spec.type_by_name("bpf_timer", Struct)
    assert spec.is_bpf_timer(timer.id)
    assert len(timer.members) == (1 if source == "timers" else 0)
    assert not spec.is_bpf_timer(spec.type_by_name("map_val").id)


def test_is_bpf_timer_needs_the_size_and_no_typedef() -> None:
    b = Builder()
    b.add_int("long", 8)
    b.add_struct("bpf_timer", 16, [])
    b.add_ref("typedef", 2, "timer_t")
    b.add_struct("bpf_timer", 8, [("x", 1, 0, 0)])
    spec = parse_btf(b.build())
    assert spec.is_bpf_timer(2)
    assert not spec.is_bpf_timer(3)
    assert not spec.is_bpf_timer(4)


def timer(offset: int) -> SpecialField:
    return SpecialField("bpf_timer", offset, 16)


@pytest.mark.parametrize(
    ("type_name", "expected"),
    [
        pytest.param("map_val", [timer(8), SpecialField("bpf_spin_lock", 24, 4)], id="value"),
        pytest.param(
            "nested", [timer(16), SpecialField("bpf_spin_lock", 32, 4)], id="nested-struct"
        ),
        pytest.param("many", [timer(0), timer(24), timer(48)], id="array-of-structs"),
        pytest.param("in_union", [], id="unions-are-not-searched"),
        pytest.param("bpf_timer", [], id="the-timer-itself"),
    ],
)
def test_find_special_fields(
    bpf_object: Load, type_name: str, expected: list[SpecialField]
) -> None:
    spec = bpf_object("timers").spec
    assert spec.find_special_fields(spec.type_by_name(type_name, Struct).id) == tuple(expected)


def test_find_special_fields_with_the_old_timer(bpf_object: Load) -> None:
    spec = bpf_object("timers_old").spec
    assert spec.find_special_fields(spec.type_by_name("map_val").id) == (timer(8),)


def test_find_special_fields_in_sections_skipping_misfits() -> None:
    b = Builder()
    u64 = b.add_int("unsigned long", 8)
    t = b.add_struct("bpf_timer", 16, [])
    small = b.add_struct("bpf_timer", 8, [("x", u64, 0, 0)])  # 3: wrong size, not special
    packed = b.add_struct("packed", 20, [("c", u64, 0, 0), ("t", t, 32, 0)])  # misaligned
    arr = b.add_array(t, u64, 2)
    v = b.add_var("timers", arr)
    w = b.add_var("odd", small)
    p = b.add_var("p", packed)
    sec = b.add_datasec(".bss", 64, [(v, 8, 32), (w, 40, 8), (p, 48, 20)])
    spec = parse_btf(b.build())
    assert spec.find_special_fields(sec) == (timer(8), timer(24))
    assert spec.find_special_fields(packed) == ()
    assert spec.find_special_fields(u64) == ()


def test_spec_checks_ids() -> None:
    strings = StringTable(b"\0")
    with pytest.raises(BtfError, match="^type 0 must be void$"):
        Spec([], strings)
    with pytest.raises(BtfError, match=r"^type \[1\]: has id 5$"):
        Spec([Void(), Int(5, "", 4, IntEncoding(0), 32)], strings)
    with pytest.raises(BtfError, match=r"^type \[1\]: has id 0$"):
        Spec([Void(), Void()], strings)


def test_more_special_fields_than_the_kernel_allows_is_an_error() -> None:
    b = Builder()
    t = b.add_struct("bpf_timer", 16, [])
    i = b.add_int("int")
    ok = b.add_struct("ok", 16 * 11, [("t", b.add_array(t, i, 11), 0, 0)])
    many = b.add_struct("many", 16 * 12, [("t", b.add_array(t, i, 12), 0, 0)])
    huge = b.add_array(b.add_struct("slot", 16, [("t", t, 0, 0)]), i, 1 << 26)
    outer = b.add_struct("outer", 16 << 26, [("slots", huge, 0, 0)])
    spec = parse_btf(b.build())
    assert len(spec.find_special_fields(ok)) == 11
    for type_id in (many, outer):
        with pytest.raises(BtfError, match=r"^type \[\d+\]: more than 11 special fields$"):
            spec.find_special_fields(type_id)
