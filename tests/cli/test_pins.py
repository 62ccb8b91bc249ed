"""Pins across processes: ``--pin-root DIR``, ``map pin``, ``prog load ... pinmaps DIR``.

Each pybpf command is a process of its own; these tests run ``python -m pybpf.cli`` in separate
processes and check that map contents survive from one to the next (and timers do not).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ._cli import one_error, pybpf_process
from .conftest import Build, Cli


def test_pin_root_keeps_maps_across_processes(counter: Path, tmp_path: Path) -> None:
    pins = tmp_path / "pins"
    first = pybpf_process("--pin-root", pins, "map", "update", counter, "name", "counts",
                          "key", "5", "0", "0", "0", "value", "2", *["0"] * 7, "9", *["0"] * 7)
    assert (first.status, first.out, first.err) == (0, "", "")
    assert sorted(p.name for p in pins.iterdir()) == ["counter_bss", "counter_data", "counts", "hits", "raw"]
    second = pybpf_process("map", "lookup", counter, "name", "counts", "key", "5", "0", "0", "0",
                           "--pin-root", pins)
    assert second.out == '{\n    "key": 5,\n    "value": {\n        "packets": 2,\n        "bytes": 9\n    }\n}\n'


def test_programs_keep_counting_across_processes(counter: Path, tmp_path: Path) -> None:
    pins = tmp_path / "pins"
    for expected in (1, 2, 3):
        result = pybpf_process("prog", "run", counter, "name", "count", "--pin-root", pins)
        assert result.out.startswith(f"Return value: {expected},"), result
    shown = pybpf_process("-j", "run", counter, "--pin-root", pins)
    assert json.loads(shown.out)["globals"]["runs"] == 3


def test_prog_load_pinmaps_then_run_the_pinned_program(counter: Path, tmp_path: Path) -> None:
    assert pybpf_process("prog", "load", counter, tmp_path / "prog", "pinmaps", tmp_path / "maps").status == 0
    pybpf_process("prog", "run", "pinned", tmp_path / "prog")
    pybpf_process("prog", "run", "pinned", tmp_path / "prog")
    dump = pybpf_process("map", "dump", "pinned", tmp_path / "maps" / "counts")
    assert dump.out == '[{\n        "key": 1,\n        "value": {\n            "packets": 2,\n' \
                       '            "bytes": 200\n        }\n    }\n]\n'


def test_map_pin_then_update_in_another_process(counter: Path, tmp_path: Path) -> None:
    pin = tmp_path / "raw"
    pybpf_process("map", "pin", counter, "name", "raw", pin)
    pybpf_process("map", "update", "pinned", pin, "key", "1", "0", "0", "0", "value", "hex", *["ab"] * 8)
    dump = pybpf_process("map", "dump", "pinned", pin)
    assert dump.out == ("key: 00 00 00 00  value: 00 00 00 00 00 00 00 00\n"
                        "key: 01 00 00 00  value: ab ab ab ab ab ab ab ab\n"
                        "Found 2 elements\n")


def test_timers_are_not_persisted(cli: Cli, objects: Build, tmp_path: Path) -> None:
    timer = objects("timer")
    armed = cli("run", timer, "--prog", "arm", "--pin-root", tmp_path).out
    assert "timer timers[1]: armed" in armed
    later = cli("run", timer, "--advance", "5s", "--pin-root", tmp_path).out.splitlines()
    assert later == [
        "advance 5s: monotonic time 6000000000ns, 0 callbacks fired",
        "map timers (hash, 1 element):",
        '  1: {"t": {"__opaque": [0, 0]}, "deadline": 2000000000}',
        "global fired = 0",
    ]


def test_read_only_data_is_not_pinned(cli: Cli, counter: Path, tmp_path: Path) -> None:
    cli("map", "show", counter, "--pin-root", tmp_path)
    assert not (tmp_path / "counter_rodata").exists()


def test_a_pin_of_another_shape_is_refused(cli: Cli, counter: Path, tmp_path: Path) -> None:
    cli("map", "pin", counter, "name", "raw", tmp_path / "counts")  # raw's contents under counts' name
    result = cli("map", "dump", counter, "name", "counts", "--pin-root", tmp_path)
    one_error(result, f"pybpf map dump: error: map 'counts': the pin {tmp_path / 'counts'} holds "
                      "array key 4B value 8B max_entries 2 flags 0x0, the map is hash key 4B value 16B "
                      "max_entries 16 flags 0x0")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("not json", "{pin} is not a pybpf pin", id="not-json"),
        pytest.param('{"pybpf_pin": 1, "kind": "program", "object": "x", "name": "count"}',
                     "{pin} pins a program, not a map", id="wrong-kind"),
        pytest.param('{"pybpf_pin": 1, "kind": "map", "object": "x", "name": "counts", "type": "hash", '
                     '"key_size": 4, "value_size": 16, "max_entries": 16, "flags": 0, '
                     '"elements": [{"key": "zz"}]}',
                     "map 'counts': the pin {pin} is damaged (non-hexadecimal number found in fromhex() "
                     "arg at position 0)", id="damaged"),
    ],
)
def test_bad_pins_give_one_line(cli: Cli, counter: Path, tmp_path: Path, content: str, message: str) -> None:
    pin = tmp_path / "counts"
    pin.write_text(content)
    result = cli("map", "dump", counter, "name", "counts", "--pin-root", tmp_path)
    one_error(result, "pybpf map dump: error: " + message.format(pin=pin))


def test_pinned_program_used_as_a_map(cli: Cli, counter: Path, tmp_path: Path) -> None:
    cli("prog", "pin", counter, "name", "count", tmp_path / "count")
    one_error(cli("map", "dump", "pinned", tmp_path / "count"),
              f"pybpf map dump: error: {tmp_path / 'count'} pins a program, not a map")


def test_failed_commands_do_not_save(cli: Cli, counter: Path, tmp_path: Path) -> None:
    result = cli("map", "update", counter, "name", "counts", "key", "1", "0", "0", "0", "--pin-root", tmp_path)
    assert result.status == 2
    assert not tmp_path.joinpath("counts").exists()


def _renamed(counter: Path, tmp_path: Path, old: bytes, new: bytes) -> Path:
    """A copy of ``counter`` whose symbol ``old`` is named ``new`` (same length)."""
    data = counter.read_bytes()
    assert len(old) == len(new) and b"\0" + old + b"\0" in data
    patched = tmp_path / "renamed.bpf.o"
    patched.write_bytes(data.replace(b"\0" + old + b"\0", b"\0" + new + b"\0"))
    return patched


@pytest.mark.parametrize(
    ("name", "pinned"),
    [
        pytest.param(b"count", "count", id="plain"),
        pytest.param(b"/tmp/", "tmp", id="absolute-lands-inside"),
        pytest.param(b"../co", None, id="climbing-is-refused"),
    ],
)
def test_loadall_pins_stay_under_their_directory(counter: Path, tmp_path: Path, name: bytes, pinned: str | None) -> None:
    obj = _renamed(counter, tmp_path, b"count", name)
    pins = tmp_path / "a" / "pins"
    result = pybpf_process("prog", "loadall", obj, pins)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert [w for w in written if not w.startswith("a/pins/")] == ["renamed.bpf.o"]
    if pinned is None:
        assert result.status != 0 and "leaves" in result.err and "internal error" not in result.err
    else:
        assert result.status == 0 and f"a/pins/{pinned}" in written


def test_map_pins_stay_under_the_pin_root_whatever_the_names_say() -> None:
    from pybpf.cli._pins import map_pin_path, pin_path

    assert map_pin_path("/pins", "/etc/passwd") == Path("/pins/etc/passwd")
    assert map_pin_path("/pins", "../../x.bss") == Path("/pins/__/__/x_bss")
    assert pin_path("/pins", "/etc/x") == Path("/pins/etc/x")
    for bad in ("..", "a/../../x", "x\0y"):
        with pytest.raises(Exception, match="leaves /pins"):
            pin_path("/pins", bad)
