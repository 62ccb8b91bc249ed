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


def _needs_vectors(argv: list[str]) -> bool:
    """Whether an example runs the public bpf_conformance vectors, which the repository lacks."""
    return any(word.startswith("bpf_conformance/") for word in argv)


def _run(cli: Cli, argv: list[str]) -> str:
    """Run one example (``< FILE`` feeds FILE to standard input); what it printed."""
    assert argv[0] == "pybpf", argv
    stdin = None
    if "<" in argv:
        at = argv.index("<")
        stdin, argv = Path(argv[at + 1]).read_bytes(), argv[:at]
    result = cli(*argv[1:], stdin=stdin)
    return result.out + result.err


@pytest.fixture
def page_dir(objects: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory the page's examples run in, holding the files the page names."""
    for name in ("counter", "timer", "kinds"):
        shutil.copy(objects(name), tmp_path / f"{name}.bpf.o")
    shutil.copy(Path(__file__).parent / "testdata" / "timer.bpf.c", tmp_path / "timer.bpf.c")
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "asm", tmp_path / "asm")
    (tmp_path / "args.bin").write_bytes(bytes.fromhex("0200000005000000"))
    (tmp_path / "packet.bin").write_bytes(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123")
    (tmp_path / "prog.hex").write_text("b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    return tmp_path


def test_every_example_prints_what_the_page_shows(cli: Cli, page_dir: Path) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        drawing = False
    else:
        drawing = True
    cases = examples(DOC.read_text())
    assert len(cases) > 20
    for argv, expected in cases:
        if _needs_vectors(argv):
            continue  # test_the_examples_with_the_public_vectors
        if argv[1:3] == ["timer", "plot"] and not drawing:
            continue  # the optional extra is not installed: tests/cli/test_timer.py says so
        assert _mask(_run(cli, argv)) == _mask(expected), f"$ {shlex.join(argv)}"
    assert os.getcwd() == str(page_dir)


def test_the_examples_with_the_public_vectors(cli: Cli, page_dir: Path, conformance_dir: Path) -> None:
    (page_dir / "bpf_conformance").symlink_to(conformance_dir)
    cases = [(argv, expected) for argv, expected in examples(DOC.read_text()) if _needs_vectors(argv)]
    assert cases
    for argv, expected in cases:
        assert _run(cli, argv) == expected, f"$ {shlex.join(argv)}"


def test_every_command_has_an_example() -> None:
    """Each subcommand and verb of the parser appears in an example of the page (aliases aside)."""
    from pybpf.cli._main import build_parser

    shown = set()
    for argv, _ in examples(DOC.read_text()):
        words = [w for w in argv[1:] if not w.startswith("-")]
        shown |= {tuple(words[:1]), tuple(words[:2])}
    commands = next(a for a in build_parser()._actions if a.dest == "command")  # noqa: SLF001
    wanted = []
    for choice in commands._choices_actions:  # noqa: SLF001 - primary names, not aliases
        sub = commands.choices[choice.dest]
        verbs = [a for a in sub._actions if a.dest == "verb"]  # noqa: SLF001
        names = [c.dest for c in verbs[0]._choices_actions] if verbs else [""]  # noqa: SLF001
        wanted += [(choice.dest, verb) if verb else (choice.dest,) for verb in names]
    assert [w for w in wanted if w not in shown] == []
    assert any(argv[1:] == ["--version"] for argv, _ in examples(DOC.read_text()))
