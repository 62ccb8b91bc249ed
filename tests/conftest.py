"""Shared fixtures: the public bpf_conformance vectors, when they are there, and C sources.

The vectors are not part of the repository. Tests look for them in ``$PYBPF_CONFORMANCE``, else
in ``../shared/conformance`` beside the repository (where CI puts them), and skip without them,
all from one place so that the run says once why:
``git clone https://github.com/Alan-Jowett/bpf_conformance`` and point ``PYBPF_CONFORMANCE`` at
the clone (``make test CONFORMANCE=...`` does that).

A test that asks for ``conformance_vector`` runs once per ``tests/*.data`` vector with an
``-- asm`` section, receiving ``(name, asm text)``; ``negative_vector`` does the same for
``negative/*.data``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CONFORMANCE = Path(
    os.environ.get("PYBPF_CONFORMANCE") or Path(__file__).resolve().parents[1].parent / "shared" / "conformance"
)
HOW_TO_GET = (
    f"the bpf_conformance vectors are not in {CONFORMANCE}: clone "
    "https://github.com/Alan-Jowett/bpf_conformance and set PYBPF_CONFORMANCE to the clone"
)


def require_conformance() -> Path:
    """The vectors' directory (with ``tests/`` and ``negative/``); skips the test without it."""
    if not (CONFORMANCE / "tests").is_dir():
        pytest.skip(HOW_TO_GET)
    return CONFORMANCE


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Report every skip for want of the vectors at one place, so ``-ra`` says it once, with
    the count, instead of once per test."""
    report = yield
    longrepr = getattr(report, "longrepr", None)
    if report.skipped and isinstance(longrepr, tuple) and longrepr[2].endswith(HOW_TO_GET):
        report.longrepr = (__file__, require_conformance.__code__.co_firstlineno, longrepr[2])
    return report


@pytest.fixture
def conformance_dir() -> Path:
    """The bpf_conformance vectors; the test skips when they are absent."""
    return require_conformance()


def read_sections(path: Path) -> dict[str, str]:
    """The sections of a ``.data`` file by name (``asm``, ``raw``, ``result``...)."""
    sections: dict[str, str] = {}
    current: str | None = None
    for line in path.read_text().splitlines(keepends=True):
        if line.startswith("--"):
            current = line[2:].strip()
            sections[current] = ""
        elif current is not None:
            sections[current] += line
    return sections


def _asm_params(folder: str) -> list[object]:
    directory = CONFORMANCE / folder
    if not directory.is_dir():
        return [pytest.param(None, id="missing")]  # the fixture skips it, saying why
    params: list[object] = []
    for path in sorted(directory.glob("*.data")):
        sections = read_sections(path)
        if "asm" in sections:
            params.append(pytest.param((path.stem, sections["asm"]), id=path.stem))
    return params


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for fixture, folder in (("conformance_vector", "tests"), ("negative_vector", "negative")):
        if fixture in metafunc.fixturenames:
            metafunc.parametrize(fixture, _asm_params(folder), indirect=True)


@pytest.fixture
def conformance_vector(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(name, asm text)`` of one ``tests/*.data`` vector."""
    if request.param is None:
        require_conformance()
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def negative_vector(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(name, asm text)`` of one ``negative/*.data`` vector."""
    if request.param is None:
        require_conformance()
    return request.param  # type: ignore[no-any-return]


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
