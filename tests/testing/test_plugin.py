"""The pytest plugin's kernel-release options, run in a child pytest on a test file of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).parents[2] / "src"

TESTS = """
import pytest

def test_default(bpf_runtime, bpf_kernel):
    print("default", bpf_kernel, bpf_runtime.kernel)

@pytest.mark.bpf_kernel("5.15", "7.0")
def test_marked(bpf_runtime, bpf_kernel):
    print("marked", bpf_kernel, bpf_runtime.kernel)
"""


def _pytest(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_it.py").write_text(source)
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         str(tmp_path), *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )


def test_the_marker_runs_a_test_once_per_release_and_the_option_sets_the_default(tmp_path: Path) -> None:
    result = _pytest(tmp_path, TESTS, "--bpf-kernel", "6.9", "-vv")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "default 6.9 6.9" in "".join(lines)
    assert "marked 5.15 5.15" in "".join(lines) and "marked 7.0 7.0" in "".join(lines)
    assert "test_marked[linux-5.15]" in result.stdout and "test_marked[linux-7.0]" in result.stdout


def test_an_unknown_release_is_a_usage_error(tmp_path: Path) -> None:
    bad = TESTS.replace('"5.15", "7.0"', '"5.10"')
    result = _pytest(tmp_path, bad)
    assert result.returncode != 0
    assert "bpf_kernel takes releases 5.15 to 7.0, got ['5.10']" in result.stdout + result.stderr
    result = _pytest(tmp_path, TESTS, "--bpf-kernel", "4.19")
    assert result.returncode == 4 and "invalid choice: '4.19'" in result.stderr
