"""Compiling BPF C to an object file, so that ``Runtime.load("prog.bpf.c")`` just works.

The compiler is clang from PATH (``clang-19`` preferred) or, without one or when it cannot run,
the clang inside the ``ziglang`` package. Programs see pybpf's own headers first (``bpf/bpf_helpers.h`` and the
generated ``bpf/bpf_helper_defs.h``), so no system header package is needed. Objects are cached
by the hash of the source and the command, in a directory of the user's cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ._errors import CompileError

__all__ = ["INCLUDE_DIR", "compile_c", "compilers", "find_compiler"]

INCLUDE_DIR = Path(__file__).resolve().parent.parent / "include"
_FLAGS = ["-target", "bpf", "-O2", "-g", "-Wall", "-Wno-unused-function"]


def compilers() -> list[list[str]]:
    """The commands of every clang able to target BPF, in the order they are tried."""
    found = [[path] for name in ("clang-19", "clang") if (path := shutil.which(name))]
    if importlib.util.find_spec("ziglang") is not None:
        found.append([sys.executable, "-m", "ziglang", "cc"])
    return found


def find_compiler() -> list[str] | None:
    """The command of the first clang able to target BPF, or None."""
    return next(iter(compilers()), None)


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

    Each compiler of :func:`compilers` is tried in turn until one runs: a compiler that cannot
    (it is missing a library, cannot target BPF, crashes) gives way to the next, the bundled
    ``ziglang`` last. A compiler that runs and rejects the source ends the search: that is the
    user's diagnostic.

    Raises:
        CompileError: no compiler could run (each one's failure inside), or the source does
            not compile (the whole diagnostic, the command and its exit status inside).
    """
    candidates = compilers()
    if not candidates:
        raise CompileError(f"compile {source}: no clang found (install clang or the ziglang package)")
    try:
        text = source.read_bytes()
    except OSError as err:
        raise CompileError(f"compile {source}: {err.strerror}") from None
    failures = []
    for compiler in candidates:
        try:
            return _compile_with(compiler, source, text, extra_flags or [])
        except _CannotRun as failure:
            failures.append(str(failure))
    raise CompileError(f"compile {source}: no compiler could run: " + "; ".join(failures))


class _CannotRun(Exception):
    """A compiler failed before it looked at the source: the next one may do better."""


def _compile_with(compiler: list[str], source: Path, text: bytes, extra_flags: list[str]) -> Path:
    flags = _FLAGS + ["-I", str(INCLUDE_DIR), "-I", str(source.parent)] + extra_flags
    if compiler[-1] == "cc":  # zig's clang: the target spelling differs
        flags = ["-target", "bpfel-freestanding"] + flags[2:]
    digest = hashlib.sha256(text + repr(compiler + flags).encode()).hexdigest()[:24]
    header_digest = _headers_digest()
    out = _cache_dir() / f"{source.stem.split('.')[0]}-{digest}{header_digest}.{source.stem}.o"
    if out.exists():
        return out
    # Unique per process and thread: parallel builds of one source must not share a file.
    tmp = out.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    command = [*compiler, *flags, "-c", str(source), "-o", str(tmp)]
    name = shlex.join(compiler)
    try:
        result = subprocess.run(command, capture_output=True, text=True, errors="replace", check=False)
    except OSError as err:
        raise _CannotRun(f"{name}: {err.strerror or err}") from None
    if result.returncode == 0 and tmp.exists():
        tmp.replace(out)
        return out
    tmp.unlink(missing_ok=True)
    diagnostic = result.stderr + result.stdout
    status = _status(result.returncode)
    if not _DIAGNOSTIC.search(diagnostic):  # nothing about the source: the compiler is broken
        first = next((line.strip() for line in diagnostic.splitlines() if line.strip()), "no output")
        raise _CannotRun(f"{name} {status} ({first})")
    first = next(line for line in diagnostic.splitlines() if _DIAGNOSTIC.search(line))
    raise CompileError(
        f"compile {source}: {first.strip()}\n{shlex.join(command)}: {status}\n{diagnostic.rstrip()}",
        diagnostic, command=command, returncode=result.returncode,
    )


#: A clang diagnostic about a source line: ``file.c:12:5: error: ...``.
_DIAGNOSTIC = re.compile(r":\d+:\d+: (?:fatal )?error: ")


def _status(returncode: int) -> str:
    if returncode < 0:
        return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"
