"""Fixtures for the runtime tests: the example programs of ``examples/``, built once per session
by every BPF compiler that is installed (clang-19 and the clang inside the ``ziglang`` package),
and a runtime on a virtual clock to load them into.

Objects are built with explicit commands rather than through ``Runtime.load("x.c")``, so that
each test knows which compiler made the object it runs.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import pybpf
from pybpf.runtime._compile import INCLUDE_DIR

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
_FLAGS = ["-O2", "-g", "-Wall", "-Werror", "-I", str(INCLUDE_DIR), "-c"]

#: compiler name -> the command that runs it for the BPF target (None when absent)
COMPILERS: dict[str, list[str] | None] = {
    "clang-19": ["clang-19", "-target", "bpf"] if shutil.which("clang-19") else None,
    "zig": (
        [sys.executable, "-m", "ziglang", "cc", "-target", "bpfel-freestanding"]
        if importlib.util.find_spec("ziglang") is not None
        else None
    ),
}


#: the example directories these tests cover: one program per program type, one per map type
EXAMPLE_DIRS = ("programs", "maps")


def example_sources() -> list[Path]:
    """Every ``*.bpf.c`` file of :data:`EXAMPLE_DIRS`."""
    return sorted(path for d in EXAMPLE_DIRS for path in (EXAMPLES / d).glob("*.bpf.c"))


def example_name(source: Path) -> str:
    """``programs/syscall`` for ``examples/programs/syscall.bpf.c``."""
    return str(source.relative_to(EXAMPLES).with_suffix("").with_suffix(""))


class Builds:
    """The objects built for this session: ``builds.path(compiler, "maps/hash")``."""

    def __init__(self, outcomes: dict[tuple[str, str], Path | str]) -> None:
        self._outcomes = outcomes

    def path(self, compiler: str, name: str) -> Path:
        """The object file, or a test failure carrying the compiler's output."""
        outcome = self._outcomes[compiler, name]
        if isinstance(outcome, str):
            pytest.fail(f"{compiler} could not build examples/{name}.bpf.c:\n{outcome}")
        return outcome


def _build(command: list[str], source: Path, out: Path) -> Path | str:
    result = subprocess.run(
        [*command, *_FLAGS, str(source), "-o", str(out)], capture_output=True, text=True, check=False
    )
    return out if result.returncode == 0 else result.stderr


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """Every example built by every installed compiler, in parallel, once per session."""
    out_dir = tmp_path_factory.mktemp("examples")
    jobs = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for compiler, command in COMPILERS.items():
            if command is None:
                continue
            for source in example_sources():
                name = example_name(source)
                # Keep the file name: libbpf names global-data maps after it ("syscall.bss").
                out = out_dir / compiler / f"{name}.bpf.o"
                out.parent.mkdir(parents=True, exist_ok=True)
                jobs[compiler, name] = pool.submit(_build, command, source, out)
    return Builds({key: job.result() for key, job in jobs.items()})


@pytest.fixture(params=list(COMPILERS))
def compiler(request: pytest.FixtureRequest) -> str:
    """Each BPF compiler in turn; a compiler that is not installed skips the test."""
    name: str = request.param
    if COMPILERS[name] is None:
        pytest.skip(f"{name} is not installed")
    return name


@pytest.fixture
def rt() -> Iterator[pybpf.Runtime]:
    """A runtime on a virtual clock (MONOTONIC starts at 1 s), two CPUs, the interpreter."""
    with pybpf.Runtime(clock="virtual") as runtime:
        yield runtime


@pytest.fixture
def example(builds: Builds, compiler: str) -> Callable[[str], Path]:
    """``example("maps/hash")``: the path of that example's object built by this compiler."""
    return lambda name: builds.path(compiler, name)


@pytest.fixture
def load(rt: pybpf.Runtime, example: Callable[[str], Path]) -> Callable[..., pybpf.Object]:
    """``load("maps/hash", globals={...})``: the example's object, loaded into ``rt``."""
    return lambda name, **kwargs: rt.load(example(name), **kwargs)


@pytest.fixture(scope="session")
def build_c(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """``build_c(SOURCE)``: a C source compiled once per session (skips without clang-19)."""
    if shutil.which("clang-19") is None:
        pytest.skip("needs clang-19")
    from pybpf.runtime._compile import compile_c

    built: dict[Path, Path] = {}

    def build(source: Path) -> Path:
        if source not in built:
            copy = tmp_path_factory.mktemp(source.stem.replace(".", "_")) / source.name
            shutil.copy(source, copy)
            built[source] = compile_c(copy)
        return built[source]

    return build


@pytest.fixture
def object_file(request: pytest.FixtureRequest, build_c: Callable[[Path], Path]) -> Path:
    """The C file the test module names ``SOURCE``, built (see :func:`build_c`)."""
    return build_c(request.module.SOURCE)
