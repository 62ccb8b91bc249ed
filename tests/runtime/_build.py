"""Writing small C programs to files for tests, and skipping when no compiler exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybpf.runtime._compile import find_compiler


def c_file(tmp_path: Path, source: str, name: str = "prog.bpf.c") -> Path:
    """``source`` written to ``tmp_path/name``; the test skips when no BPF compiler is installed."""
    if find_compiler() is None:
        pytest.skip("no clang or ziglang to build BPF programs")
    path = tmp_path / name
    path.write_text("#include <bpf/bpf_helpers.h>\n" + source)
    return path
