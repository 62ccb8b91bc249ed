"""Compiling the family files once: objects are cached by the hash of everything that makes
them (the source, the corpus's headers, pybpf's headers, the compiler and its flags), so a
test session compiles only what changed since the last one."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pybpf
from pybpf.runtime._compile import _cache_dir as _compile_cache_dir

from ._cases import CASES_DIR, SUFFIX, Case, discover

INCLUDE = Path(pybpf.__file__).parent / "include"
#: verdicts hold for the code one compiler major emits; another may emit different instructions
CLANG_MAJOR = "19"
FLAGS = ("-target", "bpf", "-O2", "-g", "-Wall", "-Wno-unused-function")


def find_clang() -> str | None:
    """A clang of :data:`CLANG_MAJOR`, or None."""
    for name in (f"clang-{CLANG_MAJOR}", "clang"):
        path = shutil.which(name)
        if path is None:
            continue
        version = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
        if f"version {CLANG_MAJOR}." in version:
            return path
    return None


def cache_dir() -> Path:
    """Where objects are kept between sessions: beside pybpf's own compile cache."""
    path = _compile_cache_dir().parent / "corpus"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _digest(clang: str, source: Path) -> str:
    h = hashlib.sha256(repr((clang, FLAGS)).encode())
    for path in [source, *sorted(source.parent.glob("*.h")), *sorted(INCLUDE.rglob("*.h"))]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:32]


def build(clang: str, source: Path) -> Path:
    """The object of one family file, ``<cache>/<hash>/<family>.o`` (the file name gives libbpf
    and pybpf the object name, which global-data maps carry).

    Raises:
        RuntimeError: the compiler failed (its output inside).
    """
    family = source.name[: -len(SUFFIX)]
    out = cache_dir() / _digest(clang, source) / f"{family}.o"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{family}.{os.getpid()}.tmp.o"
    cmd = [clang, *FLAGS, "-I", str(INCLUDE), "-I", str(source.parent), "-c", str(source), "-o", str(tmp)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"clang failed on {source.name}:\n{result.stderr}")
    tmp.replace(out)  # atomic: a concurrent session sees the whole object or none
    return out


def build_all(clang: str, cases_dir: Path = CASES_DIR) -> dict[str, Path]:
    """Every family's object, by family name (compiled two at a time)."""
    sources = sorted(cases_dir.glob(f"*{SUFFIX}"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        objects = list(pool.map(lambda s: build(clang, s), sources))
    return {s.name[: -len(SUFFIX)]: o for s, o in zip(sources, objects, strict=True)}


def cases_or_skip() -> dict[str, Case]:
    """Every case by id, built once (and cached between sessions); the calling test skips
    when no clang-19 is installed."""
    import pytest

    clang = find_clang()
    if clang is None:
        pytest.skip(f"no clang-{CLANG_MAJOR} to build the verifier corpus")
    return {case.id: case for case in discover(build_all(clang))}
