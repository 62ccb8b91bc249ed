from __future__ import annotations

import pytest

from pybpf.btf import BtfError, StringTable


def test_lookup_returns_the_string_at_an_offset() -> None:
    table = StringTable(b"\0int\0bpf_timer\0")
    assert table.lookup(0) == ""
    assert table.lookup(1) == "int"
    assert table.lookup(5) == "bpf_timer"
    assert table.lookup(9) == "timer"  # offsets may point into the middle of a string


def test_lookup_keeps_stray_bytes_round_trippable() -> None:
    table = StringTable(b"\0caf\xe9\0")
    assert table.lookup(1).encode("utf-8", "surrogateescape") == b"caf\xe9"


@pytest.mark.parametrize("offset", [5, 1234, -1], ids=["end", "far", "negative"])
def test_lookup_out_of_range_is_an_error(offset: int) -> None:
    with pytest.raises(BtfError, match=rf"^string offset {offset} out of range$"):
        StringTable(b"\0abc\0").lookup(offset)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "empty string section", id="empty"),
        pytest.param(b"a\0", "string section does not start with a NUL byte", id="start"),
        pytest.param(b"\0a", "string section does not end with a NUL byte", id="end"),
    ],
)
def test_malformed_tables_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(BtfError, match=f"^{message}$"):
        StringTable(data)
