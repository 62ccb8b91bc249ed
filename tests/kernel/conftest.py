"""The kernel oracle's fixtures: skip without bpf(), build the C scenarios once per session.

Every test here carries the ``kernel`` marker; it is skipped (with the reason) when bpf() cannot
be used: not Linux, no libbpf.so.1, not root, or a kernel that refuses it. Objects are built
with clang against pybpf's own headers (``-I src/pybpf/include``), the way users build them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf

from . import _libbpf

TESTDATA = Path(__file__).parent / "testdata"
INCLUDE = Path(pybpf.__file__).parent / "include"
_CLANGS = ("clang-19", "clang", "clang-20", "clang-18", "clang-17", "clang-16", "clang-15")

Build = Callable[..., Path]
"""``build(source, defines={})`` → the object's path."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here ``kernel``, except in modules that say ``NEEDS_KERNEL = False``."""
    here = Path(__file__).parent
    for item in items:
        module = getattr(item, "module", None)
        if (
            here in Path(str(item.fspath)).parents
            and not item.get_closest_marker("kernel")
            and getattr(module, "NEEDS_KERNEL", True)
        ):
            item.add_marker(pytest.mark.kernel)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("kernel") and not _libbpf.available():
        pytest.skip(f"kernel oracle unavailable: {_libbpf.unavailable_reason()}")


def clang() -> str | None:
    """The clang that builds the scenarios, or None."""
    return next((c for c in _CLANGS if shutil.which(c)), None)


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """``build(source)``: the object of a ``.bpf.c`` file (built once per session)."""
    compiler = clang()
    out_dir = tmp_path_factory.mktemp("kernel-objects")
    built: dict[tuple[Path, tuple[tuple[str, str], ...]], Path] = {}

    def _build(source: Path, defines: dict[str, str] | None = None) -> Path:
        source = Path(source)
        key = (source, tuple(sorted((defines or {}).items())))
        if key in built:
            return built[key]
        if compiler is None:
            pytest.skip("no clang to build BPF objects")
        # keep the object name (the file name up to its first dot): global-data maps use it
        sub = Path(tempfile.mkdtemp(dir=out_dir))
        obj = sub / (source.name[: -len(".c")] + ".o")
        cmd = [compiler, "-target", "bpf", "-O2", "-g", "-Wall", "-Wno-unused-function",
               "-I", str(INCLUDE), "-I", str(source.parent), "-c", str(source), "-o", str(obj)]
        cmd += [f"-D{name}={value}" for name, value in (defines or {}).items()]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.fail(f"clang failed on {source.name}:\n{result.stderr}")
        built[key] = obj
        return obj

    return _build


@pytest.fixture(scope="session")
def testdata(build: Build) -> Callable[[str], Path]:
    """``testdata("hash_errno", NAME="value")``: the object of ``testdata/hash_errno.bpf.c``
    (built with ``-DNAME=value``)."""

    def _get(name: str, **defines: str) -> Path:
        return build(TESTDATA / f"{name}.bpf.c", defines)

    return _get
