"""Helpers the ``pybpf`` command tests share (fixtures are in ``conftest.py``)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    """What one ``pybpf`` command did."""

    status: int
    out: str
    err: str


def pybpf_process(*argv: str | Path, cwd: Path | None = None) -> Result:
    """Run ``python -m pybpf.cli`` in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "pybpf.cli", *map(str, argv)],
        capture_output=True, text=True, check=False, cwd=cwd,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def one_error(result: Result, message: str) -> None:
    """Assert the command failed with exactly one line on standard error, this one."""
    assert result.status != 0, result
    assert result.err.splitlines() == [message], result.err
