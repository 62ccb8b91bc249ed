"""Shared fixtures: where the shared conformance vectors live, if they are beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CONFORMANCE = SHARED / "conformance"


@pytest.fixture
def conformance_dir() -> Path:
    """The bpf_conformance vectors of ../shared; the test skips when they are absent."""
    if not (CONFORMANCE / "tests").is_dir():
        pytest.skip("../shared/conformance is not beside the repository")
    return CONFORMANCE


@pytest.fixture
def c_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Writes C source to a file (with pybpf's ``bpf_helpers.h`` included) and returns its path;
    the test skips when no BPF compiler is installed."""
    from pybpf.runtime._compile import find_compiler

    if find_compiler() is None:
        pytest.skip("no clang or ziglang to build BPF programs")

    def write(source: str, name: str = "prog.bpf.c") -> Path:
        path = tmp_path / name
        if "bpf_helpers.h" not in source:
            source = "#include <bpf/bpf_helpers.h>\n" + source
        path.write_text(source)
        return path

    return write
