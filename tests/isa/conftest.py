"""The bpf_conformance vectors as test parameters.

A test that asks for ``conformance_vector`` runs once per ``tests/*.data`` file of the shared
conformance suite that has an ``-- asm`` section, receiving ``(name, asm text)``;
``negative_vector`` does the same for the ``negative/*.data`` files. When the shared directory
is missing, those tests are skipped rather than silently parametrized with nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CONFORMANCE = (Path(__file__).parents[2] / ".." / "shared" / "conformance").resolve()


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
        reason = f"no conformance vectors at {directory}"
        return [pytest.param(None, id="missing", marks=pytest.mark.skip(reason=reason))]
    params: list[object] = []
    for path in sorted(directory.glob("*.data")):
        sections = read_sections(path)
        if "asm" in sections:
            params.append(pytest.param((path.stem, sections["asm"]), id=path.stem))
    return params


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for fixture, folder in (("conformance_vector", "tests"), ("negative_vector", "negative")):
        if fixture in metafunc.fixturenames:
            metafunc.parametrize(fixture, _asm_params(folder))
