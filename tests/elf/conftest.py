"""Fixtures that build BPF objects from ``testdata/*.c`` at test time, once per session.

Two compilers can build them: clang (``clang -target bpf``) and ziglang's bundled clang
(``python -m ziglang cc -target bpfel-freestanding``). The sources include only pybpf's own
``bpf/bpf_helpers.h``, so no kernel or libbpf headers are needed. A test asking for a compiler
the machine lacks is skipped, and so is the ziglang variant if its objects carry no BTF.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf
from pybpf._spec import CollectionSpec
from pybpf.elf import load_collection

TESTDATA = Path(__file__).parent / "testdata"
INCLUDE = Path(pybpf.__file__).parent / "include"
COMPILERS = ("clang", "zig")
_CLANGS = ("clang-19", "clang", "clang-20", "clang-18", "clang-17", "clang-16", "clang-15")
_TARGETS = {
    "clang": {"little": "bpfel", "big": "bpfeb"},
    "zig": {"little": "bpfel-freestanding", "big": "bpfeb-freestanding"},
}

Build = Callable[..., Path]
"""``build(source, compiler="clang", order="little", defines=())`` → the object's path."""


def _command(compiler: str) -> list[str] | None:
    if compiler == "zig":
        if importlib.util.find_spec("ziglang") is None:
            return None
        return [sys.executable, "-m", "ziglang", "cc"]
    path = next((p for p in map(shutil.which, _CLANGS) if p), None)
    return None if path is None else [path]


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Compile ``testdata/<source>.c``; each (source, compiler, order, defines) only once."""
    out_dir = tmp_path_factory.mktemp("objects")
    cache: dict[tuple[str, str, str, tuple[str, ...]], Path] = {}

    def build(
        source: str, compiler: str = "clang", order: str = "little", defines: tuple[str, ...] = ()
    ) -> Path:
        key = (source, compiler, order, defines)
        if key not in cache:
            command = _command(compiler)
            if command is None:
                pytest.skip(f"no {compiler} to build BPF objects with")
            target = _TARGETS[compiler][order]
            # the object name stops at the first dot: it stays the source's name
            out = out_dir / ".".join((source, compiler, order, *defines, "o"))
            flags = [f"-D{d}" for d in defines]
            cmd = [*command, "-target", target, "-O2", "-g", "-c", f"-I{INCLUDE}", *flags]
            done = subprocess.run(
                [*cmd, str(TESTDATA / f"{source}.c"), "-o", str(out)],
                capture_output=True,
                check=False,
            )
            if done.returncode:
                pytest.fail(f"{' '.join(cmd)} failed:\n{done.stderr.decode()}")
            cache[key] = out
        return cache[key]

    return build


@pytest.fixture(params=COMPILERS)
def compiler(request: pytest.FixtureRequest, build: Build) -> str:
    """Each compiler in turn; ziglang only where it writes BTF."""
    name: str = request.param
    if name == "zig":
        try:
            probe = build("timer", name)
        except pytest.fail.Exception as exc:
            pytest.skip(f"ziglang cannot build BPF objects here: {exc}")
        if ".BTF" not in _section_names(probe):
            pytest.skip("ziglang's objects carry no BTF")
    return name


def _section_names(path: Path) -> set[str]:
    from elftools.elf.elffile import ELFFile

    with path.open("rb") as f:
        return {s.name for s in ELFFile(f).iter_sections()}


@pytest.fixture
def load(build: Build, compiler: str) -> Callable[..., CollectionSpec]:
    """``load("maps")``: the spec of ``testdata/maps.c`` built by the current compiler."""

    def load(source: str, order: str = "little") -> CollectionSpec:
        return load_collection(build(source, compiler, order))

    return load
