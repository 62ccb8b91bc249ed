"""``pybpf run``: load, run programs and advance the virtual clock in order, print the state."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from pybpf.cli import _progress
from pybpf.cli._args import CommandError, format_time, parse_time

from ._cli import one_error
from .conftest import TESTDATA, Build, Cli


def test_run_arm_and_advance(cli: Cli, objects: Build) -> None:
    result = cli("run", objects("timer"), "--prog", "arm", "--advance", "1s", "--advance", "5s")
    assert (result.status, result.err) == (0, "")
    assert result.out == """\
run arm: return value 0
advance 1s: monotonic time 2000000000ns, 1 callback fired
advance 5s: monotonic time 7000000000ns, 2 callbacks fired
map timers (hash, 1 element):
  1: {"t": {"__opaque": [0, 0]}, "deadline": 2000000000}
global fired = 3
timer timers[1]: idle, clock monotonic, callback fire
trace: armed key 1
"""


def test_run_shows_an_armed_timer(cli: Cli, objects: Build) -> None:
    out = cli("run", objects("timer"), "--prog", "arm", "--advance", "1500ms").out.splitlines()
    assert out[1] == "advance 1500ms: monotonic time 2500000000ns, 1 callback fired"
    assert out[4:6] == [
        "global fired = 1",
        "timer timers[1]: armed, clock monotonic, expires 3000000000ns, callback fire",
    ]


def test_run_compiles_c(cli: Cli, objects: Build) -> None:
    objects("timer")  # skips without clang
    result = cli("run", TESTDATA / "timer.bpf.c", "--prog", "arm", "--advance", "3s")
    assert "global fired = 3" in result.out.splitlines()


def test_run_json(cli: Cli, objects: Build) -> None:
    out = cli("run", "-j", objects("timer"), "--prog", "arm", "--advance", "1500ms").out
    assert out == (
        '{"steps":[{"run":"arm","retval":0},{"advance_ns":1500000000,"now_ns":2500000000,"fired":1}],'
        '"now_ns":2500000000,"maps":[{"id":1,"name":"timers","type":"hash","elements":[{"key":1,'
        '"value":{"t":{"__opaque":[0,0]},"deadline":2000000000}}]}],"globals":{"fired":1},'
        '"timers":[{"map":"timers","key":1,"kind":"timer","clock":"monotonic","state":"armed","expires_ns":3000000000,'
        '"callback":"fire","program":"arm"}],"trace":["armed key 1"]}\n'
    )


def test_run_prints_every_map_and_global(cli: Cli, objects: Build) -> None:
    result = cli("run", objects("counter"), "--prog", "count", "--prog", "add", "--ctx", "03000000 07000000")
    assert result.out == """\
run count: return value 1
run add: return value 1
map hits (percpu_array, 1 element):
  0: [1, 0]
map raw (array, 2 elements):
  00 00 00 00: 00 00 00 00 00 00 00 00
  01 00 00 00: 00 00 00 00 00 00 00 00
map counts (hash, 2 elements):
  1: {"packets": 1, "bytes": 100}
  3: {"packets": 1, "bytes": 7}
global limit = 3
global greeting = "hello"
global runs = 1
"""


def test_run_without_steps_shows_the_initial_state(cli: Cli, objects: Build) -> None:
    out = json.loads(cli("-j", "run", objects("counter")).out)
    assert out["steps"] == [] and out["now_ns"] == 1_000_000_000
    assert out["globals"] == {"limit": 3, "greeting": "hello", "runs": 0}
    assert [m["name"] for m in out["maps"]] == ["hits", "raw", "counts"]


def test_run_bpftool_values(cli: Cli, objects: Build) -> None:
    out = cli("run", objects("kinds"), "--prog", "fill").out.splitlines()
    assert out[2] == ('  7: {"f": {"low": "0x5", "mid": "0x1d", "ch": 1, "name": "hi", "on": true}, '
                      '"u": {"number": 16909060, "bytes": [4, 3, 2, 1]}, "color": "BLUE", "big": "HUGE", '
                      '"s": -2, "ptr": 0, "list": [1, 2]}')
    assert out[3] == "map fifo (queue)"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["{obj}", "--prog", "nope"], "program 'nope' not found in {obj}", id="unknown-prog"),
        pytest.param(["{obj}", "--advance", "5x"],
                     "argument --advance: bad time '5x' (use 90s, 1.5m, 2h, 100ms, 250us, 10ns or nanoseconds)",
                     id="bad-time"),
        pytest.param(["{obj}", "--ctx", "zz"], "--ctx: 'zz' is not hex bytes", id="bad-ctx"),
        pytest.param(["{obj}", "--advance=-1s"], "argument --advance: bad time '-1s': time can't go backwards",
                     id="negative-time"),
        pytest.param(["{obj}", "--prog", "count", "--ctx", "00", "--ctx", "01"],
                     "argument --ctx: given twice for --run count", id="ctx-twice"),
        pytest.param(["{obj}", "--prog", "pass"],
                     "--run pass: test_run: xdp programs need a packet of at least 14 bytes (EINVAL)",
                     id="xdp-without-packet"),
        pytest.param(["/no/such.bpf.o"], "/no/such.bpf.o: no such file", id="missing-file"),
        pytest.param([], "expected an object or C file (OBJ_OR_C)", id="no-object"),
        pytest.param(["{obj}", "extra"], "unexpected argument 'extra'", id="stray-word"),
    ],
)
def test_mistakes_give_one_line(cli: Cli, objects: Build, argv: list[str], message: str) -> None:
    obj = objects("counter")
    result = cli("run", *[a.format(obj=obj) for a in argv])
    one_error(result, "pybpf run: error: " + message.format(obj=obj))


def test_a_program_that_needs_a_context(cli: Cli, objects: Build) -> None:
    result = cli("run", objects("counter"), "--prog", "add")
    assert result.status == 1
    assert len(result.err.splitlines()) == 1
    assert result.err.startswith("pybpf run: error: --run add: test_run: ")


def test_a_c_file_that_does_not_compile(cli: Cli, objects: Build, tmp_path: Path) -> None:
    objects("timer")  # skips without clang
    source = tmp_path / "broken.bpf.c"
    source.write_text("int f( {\n")
    result = cli("run", source)
    assert result.status == 1
    lines = result.err.splitlines()
    # The command and its status, the whole diagnostic, then the one-line error.
    assert re.fullmatch(rf".* -c {re.escape(str(source))} -o .*: exited with status 1", lines[0])
    assert f"{source}:1:8: error: expected parameter declarator" in lines
    assert lines[-2].endswith(" errors generated.")
    assert lines[-1] == f"pybpf run: error: compile {source}: {source}:1:8: error: expected parameter declarator"


@pytest.mark.parametrize(
    ("text", "ns"),
    [("5s", 5_000_000_000), ("100ms", 100_000_000), ("250us", 250_000), ("10ns", 10), ("42", 42),
     ("1.5s", 1_500_000_000), ("0", 0), ("2m", 120_000_000_000), ("1.5h", 5_400_000_000_000),
     ("-0", 0)],
)
def test_times(text: str, ns: int) -> None:
    assert parse_time(text) == ns


@pytest.mark.parametrize("text", ["", "s", "5d", "1.5ns", "-1s", "1e9", "5 min"])
def test_bad_times(text: str) -> None:
    with pytest.raises(CommandError):
        parse_time(text)


def test_format_time_is_the_shortest_exact_spelling() -> None:
    assert [format_time(n) for n in (5_000_000_000, 1_500_000_000, 250_000, 7, 0)] == [
        "5s", "1500ms", "250us", "7ns", "0ns"]


def test_run_passes_defines_and_include_dirs_to_the_compiler(cli: Cli, objects: Build, tmp_path: Path) -> None:
    objects("timer")  # skips without clang
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "answer.h").write_text("#define BASE 40\n")
    source = tmp_path / "answer.bpf.c"
    source.write_text(
        '#include <bpf/bpf_helpers.h>\n#include "answer.h"\nint answer;\n'
        'SEC("syscall") int set(void *ctx) { answer = BASE + EXTRA; return 0; }\n'
    )
    result = cli("-D", "EXTRA=2", "-I", tmp_path / "inc", "run", source, "--prog", "set")
    assert "global answer = 42" in result.out.splitlines()


def test_ctx_binds_to_the_prog_before_it(cli: Cli, objects: Build) -> None:
    result = cli("run", "-j", objects("counter"), "--prog", "add", "--ctx", "03000000 07000000",
                 "--prog", "add", "--ctx", "05000000 01000000", "--prog", "add")
    assert result.status == 1  # the third run has no context: add reads 8 bytes of it
    assert "--run add: test_run: the program reads 8 bytes of context, 0 given (EINVAL)" in result.err
    out = json.loads(cli("run", "-j", objects("counter"), "--prog", "add", "--ctx", "03000000 07000000",
                         "--prog", "add", "--ctx", "05000000 01000000").out)
    counts = next(m for m in out["maps"] if m["name"] == "counts")
    assert [(e["key"], e["value"]["bytes"]) for e in counts["elements"]] == [(3, 7), (5, 1)]


def test_ctx_before_any_prog_is_every_runs_context(cli: Cli, objects: Build) -> None:
    out = json.loads(cli("run", "-j", objects("counter"), "--ctx", "03000000 07000000",
                         "--prog", "add", "--prog", "add").out)
    counts = next(m for m in out["maps"] if m["name"] == "counts")
    assert [(e["key"], e["value"]["packets"]) for e in counts["elements"]] == [(3, 2)]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_advance_shows_progress_on_a_terminal_only(
    cli: Cli, objects: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_progress, "QUIET_SECONDS", 0.0)  # every run counts as long here
    monkeypatch.setattr(_progress, "_REDRAW_SECONDS", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    result = cli("run", objects("timer"), "--prog", "arm", "--advance", "10s")
    assert result.status == 0
    assert "advance 10s: monotonic time 11000000000ns, 3 callbacks fired" in result.out  # as without
    drawn = terminal.getvalue()
    assert "\r--advance 10s: virtual time 1100000000ns (1%), 0 callbacks fired\x1b[K" in drawn
    assert "\r--advance 10s: virtual time 11000000000ns (100%), 3 callbacks fired\x1b[K" in drawn
    assert drawn.endswith("\r\x1b[K")  # erased at the end


def test_piped_there_is_no_progress(cli: Cli, objects: Build, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_progress, "QUIET_SECONDS", 0.0)
    result = cli("run", objects("timer"), "--prog", "arm", "--advance", "10s")
    assert (result.status, result.err) == (0, "")
