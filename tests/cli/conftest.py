"""Fixtures for the ``pybpf`` command: objects built from ``testdata/*.bpf.c`` with clang at
test time (the tests skip without clang), and a runner that calls the command in-process.

The expected outputs were checked against ``bpftool`` 7.1 on Linux 6.18 for the same objects
(loaded with ``bpftool prog loadall``), except where the module docstrings of
``pybpf.cli`` say pybpf differs (no JIT, no ``loaded_at``, ids numbered from 1).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf
from pybpf.cli import main

from ._cli import Result

TESTDATA = Path(__file__).parent / "testdata"
INCLUDE = Path(pybpf.__file__).parent / "include"
_CLANGS = ("clang-19", "clang")


Build = Callable[[str], Path]
Cli = Callable[..., Result]


@pytest.fixture(scope="session")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """``objects("counter")``: ``testdata/counter.bpf.c`` built once per session."""
    clang = next((p for p in map(shutil.which, _CLANGS) if p), None)
    out_dir = tmp_path_factory.mktemp("objects")
    built: dict[str, Path] = {}

    def build(name: str) -> Path:
        if clang is None:
            pytest.skip("no clang to build BPF objects")
        if name not in built:
            out = out_dir / f"{name}.bpf.o"
            done = subprocess.run(
                [clang, "-target", "bpf", "-O2", "-g", "-I", str(INCLUDE), "-c",
                 str(TESTDATA / f"{name}.bpf.c"), "-o", str(out)],
                capture_output=True, text=True, check=False,
            )
            if done.returncode:
                pytest.fail(f"building {name}.bpf.c failed:\n{done.stderr}")
            built[name] = out
        return built[name]

    return build


@pytest.fixture
def counter(objects: Build) -> Path:
    """``testdata/counter.bpf.c`` built: counters in hash, array and per-CPU maps and globals."""
    return objects("counter")


@pytest.fixture
def kinds(objects: Build) -> Path:
    """``testdata/kinds.bpf.c`` built: values of many BTF kinds, for typed output."""
    return objects("kinds")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``cli("map", "dump", obj, "name", "counts")``: run ``pybpf`` in this process."""

    def run(*argv: str | Path, stdin: bytes | None = None) -> Result:
        capsys.readouterr()
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        try:
            status = main([str(a) for a in argv])
        except SystemExit as exit_:
            status = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run
