"""Fixtures that build BPF objects from ``testdata/*.c`` with clang at test time.

Tests that need a compiler or bpftool skip cleanly when the machine has none.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pybpf.btf import parse_btf, parse_btf_ext

from ._elf import read_sections
from ._objects import BpfObject

TESTDATA = Path(__file__).parent / "testdata"
_CLANGS = ("clang-19", "clang", "clang-20", "clang-18", "clang-17", "clang-16", "clang-15")


@pytest.fixture(scope="session")
def clang() -> str:
    for name in _CLANGS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no clang to build BPF objects with")


@pytest.fixture(scope="session")
def bpftool() -> str:
    path = shutil.which("bpftool")
    if (
        path is None
        or subprocess.run([path, "version"], check=False, capture_output=True).returncode
    ):
        pytest.skip("no working bpftool")
    return path


@pytest.fixture(scope="session")
def bpf_object(clang: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., BpfObject]:
    """``bpf_object("timers", "big")`` compiles ``testdata/timers.c`` once per byte order."""
    out_dir = tmp_path_factory.mktemp("objects")
    cache: dict[tuple[str, str], BpfObject] = {}

    def load(name: str, order: str = "little") -> BpfObject:
        if (name, order) not in cache:
            target = "bpfel" if order == "little" else "bpfeb"
            out = out_dir / f"{name}.{target}.o"
            cmd = [clang, "-g", "-O2", "-target", target, "-c", str(TESTDATA / f"{name}.c")]
            subprocess.run([*cmd, "-o", str(out)], check=True, capture_output=True)
            sections = read_sections(out)
            spec = parse_btf(sections[".BTF"])
            ext = parse_btf_ext(sections[".BTF.ext"], spec) if ".BTF.ext" in sections else None
            cache[name, order] = BpfObject(out, sections, spec, ext)
        return cache[name, order]

    return load
