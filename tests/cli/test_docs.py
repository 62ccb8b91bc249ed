"""``docs/cli.md`` is true: every ``$ pybpf ...`` example prints what the page shows.

The examples run in order in one directory holding ``counter.bpf.o``, ``timer.bpf.o`` and
``kinds.bpf.o`` (built from ``testdata/``), so that pins written by one example are there for
the next. Durations, which depend on the machine, are compared as ``<N>``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from .conftest import Build, Cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
_BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)
_VARYING = re.compile(r"(duration(?: \(average\))?: |run_time_ns |\"duration\":)\d+")


def examples(text: str) -> list[tuple[list[str], str]]:
    """``(argv, expected output)`` of every ``$ pybpf`` command in the page's console blocks."""
    found = []
    for block in _BLOCK.findall(text):
        command: list[str] | None = None
        output: list[str] = []
        for line in block.splitlines(keepends=True):
            if line.startswith("$ "):
                if command is not None:
                    found.append((command, "".join(output)))
                command, output = shlex.split(line[2:]), []
            else:
                output.append(line)
        if command is not None:
            found.append((command, "".join(output)))
    return found


def _mask(text: str) -> str:
    return _VARYING.sub(lambda m: m.group(1) + "<N>", text)


def test_every_example_prints_what_the_page_shows(
    cli: Cli, objects: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("counter", "timer", "kinds"):
        shutil.copy(objects(name), tmp_path / f"{name}.bpf.o")
    shutil.copy(Path(__file__).parent / "testdata" / "timer.bpf.c", tmp_path / "timer.bpf.c")
    (tmp_path / "args.bin").write_bytes(bytes.fromhex("0200000005000000"))
    (tmp_path / "packet.bin").write_bytes(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    cases = examples(DOC.read_text())
    assert len(cases) > 20
    for argv, expected in cases:
        assert argv[0] == "pybpf", argv
        result = cli(*argv[1:])
        shown = result.out + result.err
        assert _mask(shown) == _mask(expected), f"$ {shlex.join(argv)}"
    assert os.getcwd() == str(tmp_path)
