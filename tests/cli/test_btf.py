"""``pybpf btf dump``: file, map and prog sources; raw, C and JSON output.

``testdata/kinds.btf.{txt,json,h}`` are what ``bpftool`` 7.1 prints for ``kinds.bpf.c`` built
by clang 19; the dumps must match them byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from ._cli import one_error
from .conftest import TESTDATA, Build, Cli


@pytest.mark.parametrize(
    ("options", "golden"),
    [
        pytest.param([], "kinds.btf.txt", id="raw"),
        pytest.param(["format", "raw"], "kinds.btf.txt", id="format-raw"),
        pytest.param(["format", "c"], "kinds.btf.h", id="c"),
        pytest.param(["-j"], "kinds.btf.json", id="json"),
    ],
)
def test_dump_file_matches_bpftool(cli: Cli, kinds: Path, options: list[str], golden: str) -> None:
    result = cli("btf", "dump", "file", kinds, *options)
    assert (result.status, result.err) == (0, "")
    assert result.out == (TESTDATA / golden).read_text()


def test_dump_file_keeps_the_files_section_sizes(cli: Cli, kinds: Path) -> None:
    # as bpftool: the .BTF section as written, before the loader fills in DATASEC sizes
    assert "[40] DATASEC '.maps' size=0 vlen=2" in cli("btf", "dump", "file", kinds).out.splitlines()


def test_dump_a_raw_btf_file(cli: Cli, kinds: Path, tmp_path: Path) -> None:
    with kinds.open("rb") as f:
        section = ELFFile(f).get_section_by_name(".BTF")
        assert section is not None
        (tmp_path / "raw.btf").write_bytes(section.data())
    assert cli("btf", "dump", "file", tmp_path / "raw.btf").out == (TESTDATA / "kinds.btf.txt").read_text()


def test_dump_map_key_and_value(cli: Cli, objects: Build) -> None:
    counter = objects("counter")
    assert cli("btf", "dump", "map", counter, "name", "counts").out == (
        "[8] TYPEDEF '__u32' type_id=9\n"
        "[26] STRUCT 'stats' size=16 vlen=2\n"
        "\t'packets' type_id=11 bits_offset=0\n"
        "\t'bytes' type_id=11 bits_offset=64\n"
    )
    assert cli("btf", "dump", "map", counter, "name", "counts", "key").out == "[8] TYPEDEF '__u32' type_id=9\n"
    assert cli("-j", "btf", "dump", "map", counter, "name", ".bss").out == (
        '{"types":[{"id":49,"kind":"DATASEC","name":".bss","size":8,"vlen":1,'
        '"vars":[{"type_id":48,"offset":0,"size":8}]}]}\n'
    )


def test_dump_map_as_c(cli: Cli, objects: Build) -> None:
    out = cli("btf", "dump", "map", objects("counter"), "name", "counts", "value", "format", "c").out
    assert "typedef unsigned long long __u64;\n\nstruct stats {\n\t__u64 packets;\n\t__u64 bytes;\n};\n" in out


def test_dump_prog_is_the_loaded_btf(cli: Cli, objects: Build) -> None:
    out = cli("btf", "dump", "prog", objects("counter"), "name", "add").out.splitlines()
    assert "[37] FUNC 'add' type_id=36 linkage=global" in out
    assert "[49] DATASEC '.bss' size=8 vlen=1" in out  # sizes filled in by the loader


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["file", "/no/such.o"], "/no/such.o: no such file", id="missing"),
        pytest.param(["file", "{junk}"], "{junk}: neither a BPF object nor a BTF file", id="junk"),
        pytest.param(["file", "{kinds}", "format", "json"], "unknown format 'json' (raw or c)", id="bad-format"),
        pytest.param(["object", "{kinds}"], "expected 'file', 'map' or 'prog', got 'object'", id="bad-source"),
        pytest.param(["map", "{kinds}", "name", "fifo"], "map 'fifo' has no BTF for its key or value",
                     id="no-btf"),
        pytest.param(["map", "{kinds}"], "expected a map: id ... | name ... | pinned ...", id="no-map"),
    ],
)
def test_mistakes_give_one_line(cli: Cli, kinds: Path, tmp_path: Path, argv: list[str], message: str) -> None:
    junk = tmp_path / "junk.o"
    junk.write_bytes(b"not an object")
    fill = {"kinds": kinds, "junk": junk}
    result = cli("btf", "dump", *[a.format(**fill) for a in argv])
    one_error(result, "pybpf btf dump: error: " + message.format(**fill))


def test_c_format_has_no_json(cli: Cli, kinds: Path) -> None:
    result = cli("-j", "btf", "dump", "file", kinds, "format", "c")
    assert result.out == '{"error":"JSON output for C-syntax dump is not supported"}\n'
    assert result.status == 2


def test_a_malformed_elf_file(cli: Cli, tmp_path: Path) -> None:
    elf = tmp_path / "broken.o"
    elf.write_bytes(b"\x7fELFjunkjunk")
    result = cli("btf", "dump", "file", elf)
    one_error(result, f"pybpf btf dump: error: {elf}: malformed ELF file (Invalid EI_CLASS b'j')")


def test_dump_file_compiles_a_c_file(cli: Cli, kinds: Path) -> None:
    result = cli("btf", "dump", "file", TESTDATA / "kinds.bpf.c")
    assert (result.status, result.err) == (0, "")
    assert result.out == (TESTDATA / "kinds.btf.txt").read_text()


@pytest.mark.parametrize("field", [pytest.param(24, id="sh_offset"), pytest.param(32, id="sh_size")])
def test_a_section_header_past_any_size_is_a_malformed_file(cli: Cli, kinds: Path, tmp_path: Path, field: int) -> None:
    data = bytearray(kinds.read_bytes())
    with kinds.open("rb") as f:
        elf = ELFFile(f)
        index = next(i for i, s in enumerate(elf.iter_sections()) if s.name == ".BTF")
        header = elf["e_shoff"] + index * elf["e_shentsize"]
    data[header + field : header + field + 8] = (1 << 63).to_bytes(8, "little")
    broken = tmp_path / "huge.o"
    broken.write_bytes(bytes(data))
    result = cli("btf", "dump", "file", broken)
    assert result.status != 0
    assert result.err.startswith(f"pybpf btf dump: error: {broken}: malformed ELF file (")
