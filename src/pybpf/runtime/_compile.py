"""Compiling BPF C to an object file, so that ``Runtime.load("prog.bpf.c")`` just works.

The compiler is clang from PATH (``clang-19`` preferred) or, without one, the clang inside the
``ziglang`` package. Programs see pybpf's own headers first (``bpf/bpf_helpers.h`` and the
generated ``bpf/bpf_helper_defs.h``), so no system header package is needed. Objects are cached
by the hash of the source and the command, in a directory of the user's cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ._errors import CompileError

__all__ = ["INCLUDE_DIR", "compile_c", "find_compiler"]

INCLUDE_DIR = Path(__file__).resolve().parent.parent / "include"
_FLAGS = ["-target", "bpf", "-O2", "-g", "-Wall", "-Wno-unused-function"]


def find_compiler() -> list[str] | None:
    """The command that runs a clang able to target BPF, or None."""
    for name in ("clang-19", "clang"):
        path = shutil.which(name)
        if path:
            return [path]
    if importlib.util.find_spec("ziglang") is None:
        return None
    return [sys.executable, "-m", "ziglang", "cc"]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "pybpf" / "objects"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        path = Path(tempfile.gettempdir()) / "pybpf-objects"
        path.mkdir(parents=True, exist_ok=True)
    return path


def _headers_digest() -> str:
    """A digest of every header pybpf ships: a cached object is stale once one changes."""
    digest = hashlib.sha256()
    for header in sorted(INCLUDE_DIR.rglob("*.h")):
        digest.update(header.read_bytes())
    return digest.hexdigest()[:8]


def compile_c(source: Path, extra_flags: list[str] | None = None) -> Path:
    """Compile ``source`` to a BPF object and return its path (cached).

    Raises:
        CompileError: no compiler is available, or it reported an error (its output inside).
    """
    compiler = find_compiler()
    if compiler is None:
        raise CompileError(f"compile {source}: no clang found (install clang or the ziglang package)")
    try:
        text = source.read_bytes()
    except OSError as err:
        raise CompileError(f"compile {source}: {err.strerror}") from None
    flags = _FLAGS + ["-I", str(INCLUDE_DIR), "-I", str(source.parent)] + (extra_flags or [])
    if compiler[-1] == "cc":  # zig's clang: the target spelling differs
        flags = ["-target", "bpfel-freestanding"] + flags[2:]
    digest = hashlib.sha256(text + repr(compiler + flags).encode()).hexdigest()[:24]
    header_digest = _headers_digest()
    out = _cache_dir() / f"{source.stem.split('.')[0]}-{digest}{header_digest}.{source.stem}.o"
    if out.exists():
        return out
    # Unique per process and thread: parallel builds of one source must not share a file.
    tmp = out.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    result = subprocess.run(
        [*compiler, *flags, "-c", str(source), "-o", str(tmp)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        first = next((line for line in result.stderr.splitlines() if "error" in line), "compiler failed")
        raise CompileError(f"compile {source}: {first.strip()}", result.stderr)
    tmp.replace(out)
    return out
