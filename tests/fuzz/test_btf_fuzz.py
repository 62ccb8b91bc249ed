"""Property: random damage to valid BTF is either parsed or refused with BtfError, never a crash.

Whatever parses must also survive everything later layers do with a Spec: the text dumps,
sizes and special fields, and a round of value conversion on zeroed bytes.
"""

from __future__ import annotations

import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import NotSupportedError
from pybpf.btf import (
    BtfError,
    Datasec,
    Spec,
    Type,
    dump_c,
    dump_raw,
    format_value,
    from_python,
    parse_btf,
    parse_btf_ext,
    to_python,
)

# Kinds (BTF_KIND_*) and info words used to lay out the seed below.
INT, PTR, ARRAY, STRUCT, ENUM, TYPEDEF, FUNC, FUNC_PROTO, VAR, DATASEC = 1, 2, 3, 4, 6, 8, 12, 13, 14, 15  # fmt: skip
STRINGS = b"\0int\0bpf_timer\0val\0t\0n\0val_t\0prog\0ctx\0v\0.bss\0A\0xdp\0x.c\0{\0"


def _name(text: str) -> int:
    return STRINGS.index(text.encode() + b"\0")


def _info(kind: int, vlen: int = 0, kflag: int = 0) -> int:
    return kflag << 31 | kind << 24 | vlen


SEED_TYPES = [
    (_name("int"), _info(INT), 4, [1 << 24 | 32]),  # [1] int
    (_name("bpf_timer"), _info(STRUCT), 16, []),  # [2] old-style timer
    (0, _info(ARRAY), 0, [1, 1, 3]),  # [3] int[3]
    (_name("val"), _info(STRUCT, 3, 1), 40, [  # [4] struct val
        _name("t"), 2, 0,
        _name("n"), 3, 128,
        _name("A"), 1, 5 << 24 | 224,
    ]),
    (_name("val_t"), _info(TYPEDEF), 4, []),  # [5] typedef val_t
    (0, _info(PTR), 5, []),  # [6] val_t *
    (_name("A"), _info(ENUM, 1), 4, [_name("A"), 7]),  # [7] enum A
    (0, _info(FUNC_PROTO, 1), 1, [_name("ctx"), 6]),  # [8] int (val_t *ctx)
    (_name("prog"), _info(FUNC, 1), 8, []),  # [9] prog
    (_name("v"), _info(VAR), 4, [1]),  # [10] v
    (_name(".bss"), _info(DATASEC, 1), 40, [10, 0, 40]),  # [11] .bss
]  # fmt: skip


def seed_btf() -> bytes:
    types = b"".join(
        struct.pack(f"<III{len(extra)}I", *head, *extra) for *head, extra in SEED_TYPES
    )
    header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(STRINGS))
    return header + types + STRINGS


def seed_ext() -> bytes:
    funcs = struct.pack("<IIIII", 8, _name("xdp"), 1, 0, 9)
    lines = struct.pack("<IIIIIII", 16, _name("xdp"), 1, 0, _name("x.c"), _name("{"), 1 << 10)
    relos = struct.pack("<IIIIIII", 16, _name("xdp"), 1, 8, 4, _name("n"), 0)
    offsets = (0, len(funcs), len(funcs), len(lines), len(funcs) + len(lines), len(relos))
    return struct.pack("<HBBIIIIIII", 0xEB9F, 1, 0, 32, *offsets) + funcs + lines + relos


def mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """Apply (kind, position, value) edits: overwrite a byte or a word, cut, or insert."""
    buf = bytearray(data)
    for kind, position, value in edits:
        at = position % (len(buf) + 1)
        if kind == 0 and at < len(buf):
            buf[at] = value & 0xFF
        elif kind == 1 and at + 4 <= len(buf):
            struct.pack_into("<I", buf, at, value)
        elif kind == 2:
            del buf[at:]
        else:
            buf[at:at] = bytes([value & 0xFF])
    return bytes(buf)


EDITS = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.integers(0, 1 << 16),
        st.one_of(
            st.integers(0, 0xFF),
            st.integers(0, 0xFFFFFFFF),
            st.sampled_from([0, 1, 0xFFFFFFFF, 0x7FFFFFFF]),
        ),
    ),
    min_size=1,
    max_size=6,
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def value_size(spec: Spec, t: Type) -> int:
    """The bytes a value of ``t`` takes; a section's variables may lie beyond its size."""
    if isinstance(t, Datasec):
        return max([t.size, *(v.offset + v.size for v in t.vars)])
    return spec.resolve_size(t.id)


def exercise(spec: Spec) -> None:
    """Use a parsed Spec the way the rest of pybpf will; only refusals may come out."""
    dump_raw(spec)
    try:
        dump_c(spec)
    except BtfError:
        pass
    for t in spec.types:
        try:
            spec.find_special_fields(t.id)
            size = value_size(spec, t)
            if size <= 4096:
                value = to_python(spec, t.id, bytes(size))
                format_value(spec, t.id, bytes(size))
                from_python(spec, t.id, value)
        except (BtfError, NotSupportedError):
            pass


def test_seeds_are_valid() -> None:
    spec = parse_btf(seed_btf())
    assert spec.is_bpf_timer(2)
    assert len(spec.find_special_fields(4)) == 1
    ext = parse_btf_ext(seed_ext(), spec)
    assert ext.func_info["xdp"][0].type_id == 9
    exercise(spec)


@FUZZ
@given(EDITS)
def test_damaged_btf_parses_or_raises_btf_error(edits: list[tuple[int, int, int]]) -> None:
    try:
        spec = parse_btf(mutate(seed_btf(), edits))
    except BtfError:
        return
    exercise(spec)


@FUZZ
@given(EDITS)
def test_damaged_btf_ext_parses_or_raises_btf_error(edits: list[tuple[int, int, int]]) -> None:
    spec = parse_btf(seed_btf())
    try:
        parse_btf_ext(mutate(seed_ext(), edits), spec)
    except BtfError:
        pass
