"""The ``pybpf`` command as a whole: usage, option placement, error reporting, bpftool's JSON."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import pybpf
from pybpf.cli import _prog
from pybpf.cli._output import JsonWriter, Raw, emit_json, fprint_hex, hex_print

from ._cli import one_error, pybpf_process
from .conftest import Build, Cli


def test_no_arguments_print_usage(cli: Cli) -> None:
    result = cli()
    assert result.status == 2
    assert result.err.startswith("usage: pybpf ")
    assert "prog " in result.err and "map " in result.err and "run " in result.err


def test_usage_in_a_separate_process() -> None:
    result = pybpf_process()
    assert result.status == 2 and result.err.startswith("usage: pybpf ")


def test_noun_without_verb(cli: Cli) -> None:
    one_error(cli("map"), "pybpf map: error: the following arguments are required: VERB")


def test_verb_help_lists_its_grammar(cli: Cli) -> None:
    result = cli("map", "update", "-h")
    assert result.status == 0
    assert result.out.startswith("usage: pybpf map update OBJ MAP key DATA value VALUE [UPDATE_FLAGS]\n")
    assert "MAP := { id N | name NAME | pinned FILE }" in result.out


def test_options_go_before_the_noun_or_anywhere_after_the_verb(cli: Cli, objects: Build) -> None:
    counter = objects("counter")
    expected = cli("-j", "map", "show", counter, "name", "raw").out
    assert cli("map", "-j", "show", counter, "name", "raw").status == 2  # not between noun and verb
    assert cli("map", "show", "-j", counter, "name", "raw").out == expected
    assert cli("map", "show", counter, "-j", "name", "raw").out == expected
    assert cli("map", "show", counter, "name", "raw", "--json").out == expected


def test_pretty_implies_json(cli: Cli, objects: Build) -> None:
    assert cli("-p", "map", "show", objects("counter"), "id", "2").out == """\
{
    "id": 2,
    "type": "array",
    "name": "raw",
    "flags": 0,
    "bytes_key": 4,
    "bytes_value": 8,
    "max_entries": 2,
    "bytes_memlock": 328,
    "frozen": 0
}
"""


def test_a_bug_is_one_line_not_a_traceback(cli: Cli, objects: Build, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> str:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(_prog, "tag_of", broken)
    one_error(cli("prog", "show", objects("counter")),
              "pybpf prog show: error: internal error: ZeroDivisionError: division by zero "
              "(-d shows the traceback)")


def test_object_that_is_a_directory(cli: Cli, tmp_path: Path) -> None:
    one_error(cli("prog", "show", tmp_path), f"pybpf prog show: error: {tmp_path}: is a directory")


# -- bpftool's JSON writer -------------------------------------------------------------------


def _write(value: object, pretty: bool) -> str:
    out = io.StringIO()
    emit_json(value, pretty, out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "compact", "pretty"),
    [
        pytest.param({}, "{}\n", "{}\n", id="empty-object"),
        pytest.param([], "[]\n", "[]\n", id="empty-array"),
        pytest.param([1, 2], "[1,2]\n", "[1,2\n]\n", id="array-of-numbers"),
        pytest.param({"a": [0, 0]}, '{"a":[0,0]}\n', '{\n    "a": [0,0\n    ]\n}\n', id="nested-array"),
        pytest.param([{"k": 1}, {"k": 2}], '[{"k":1},{"k":2}]\n',
                     '[{\n        "k": 1\n    },{\n        "k": 2\n    }\n]\n', id="array-of-objects"),
        pytest.param({"s": 'a"b\\c\td\x01'}, '{"s":"a\\"b\\\\c\\td\x01"}\n', '{\n    "s": "a\\"b\\\\c\\td\x01"\n}\n',
                     id="escapes"),
        pytest.param([True, None, Raw("0x1f")], "[true,null,0x1f]\n", "[true,null,0x1f\n]\n", id="scalars"),
    ],
)
def test_json_writer_matches_bpftool(value: object, compact: str, pretty: str) -> None:
    assert _write(value, False) == compact
    assert _write(value, True) == pretty


def test_json_writer_refuses_unknown_types() -> None:
    with pytest.raises(TypeError):
        JsonWriter(io.StringIO()).value(object())


def test_fprint_hex_breaks_like_bpftool() -> None:
    assert fprint_hex(bytes(range(20))) == (
        "00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f\n10 11 12 13")


def test_hex_print_of_prog_run() -> None:
    assert hex_print(b"AB\x00") == "0000000\t4142 00" + " " * 33 + "| AB.\n"


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert (result.status, result.out) == (0, f"pybpf {pybpf.__version__}\n")
