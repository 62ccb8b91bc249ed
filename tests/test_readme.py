"""The README's examples are code: the first ``python`` block runs and prints what its comments
say; every ``$ pybpf`` line of its ``console`` blocks prints what the README shows."""

from __future__ import annotations

import contextlib
import os
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from pybpf.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PYTHON = re.findall(r"```python\n(.*?)```", README, flags=re.S)
CONSOLE = re.findall(r"```console\n(.*?)```", README, flags=re.S)


def test_the_api_example_runs_and_prints_what_it_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    block = PYTHON[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own documentation
    expected = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    assert out.getvalue().splitlines() == expected


def commands() -> list[tuple[str, str]]:
    found = []
    for block in CONSOLE:
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            found.append((command, output))
    return found


@pytest.mark.parametrize(("command", "expected"), commands(), ids=lambda c: c[:40] if isinstance(c, str) else "")
def test_the_command_examples_print_what_the_readme_shows(
    command: str, expected: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    argv = shlex.split(command)
    assert argv[0] == "pybpf"
    assert main(argv[1:]) == 0
    assert capsys.readouterr().out == expected


def test_the_timeline_picture_is_there_and_its_command_makes_it(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    [image] = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", README)
    assert (ROOT / image).read_bytes()[:4] == b"\x89PNG"
    [command] = re.findall(rf"Made with `(python [^`]+ {re.escape(image)})`", README)
    script = shlex.split(command)[1]
    out = tmp_path / "timeline.png"
    done = subprocess.run([sys.executable, str(ROOT / script), str(out)], capture_output=True, text=True,
                          check=False, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_the_demo_prints_its_times_on_one_clock(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``make demo``: every time it prints is CLOCK_MONOTONIC (the virtual clock starts at 1 s),
    none a CLOCK_REALTIME one, and what it prints says what it is."""
    makefile = (ROOT / "Makefile").read_text()
    [recipe] = re.findall(r"^demo:.*\n\t\$\(BIN\)/(pybpf .*)$", makefile, flags=re.M)
    monkeypatch.chdir(ROOT)
    assert main(shlex.split(recipe)[1:]) == 0
    out = capsys.readouterr().out
    times = [int(t) for t in re.findall(r"(\d+)ns\b", out)]
    assert times and all(t < 10**12 for t in times), out
    assert "advance 2s: monotonic time 3000000000ns, 1 callback fired" in out
    assert "global start_result = 0" in out
    assert "event 1000000000ns start hmap[0] expires 2000000000ns" in out
    assert "event 1000000000ns init hmap[0] clock realtime" in out
