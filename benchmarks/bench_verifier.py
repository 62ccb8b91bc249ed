"""Verification time: the largest example object and a loop-heavy program processing about
100,000 instructions, beside the kernel's own ``verification time`` for the same object when
``bpf()`` works here (root): libbpf loads it with log level 4, so that the kernel reports its
time and count without spending any on writing the instruction trace.

Run with ``python benchmarks/bench_verifier.py``. Figures are CPU seconds of pybpf's
verifier alone, compiling and map creation excluded (CPU rather than wall-clock time: on a
shared machine the wall clock measures the neighbours too), and the instructions each side
processed; the ratio is pybpf's time over the kernel's.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

import pybpf
from pybpf.runtime import _loader
from pybpf.runtime._compile import compile_c

ROOT = Path(__file__).resolve().parent.parent
LOOP = Path(__file__).resolve().parent / "bench_verifier_loop.bpf.c"


def _pybpf_time(obj: Path) -> tuple[float, int, str | None]:
    """Seconds spent in ``verify`` while loading ``obj``, instructions processed (by the
    programs it accepted), and the refusal if a program was refused."""
    spent = [0.0, 0]
    real = _loader.verify

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        try:
            facts = real(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - began
        spent[1] += facts.processed
        return facts

    _loader.verify = timed  # type: ignore[assignment]
    refusal = None
    try:
        with pybpf.Runtime(clock="virtual") as rt:
            rt.load(obj)
    except pybpf.PybpfError as err:
        refusal = str(err)
    finally:
        _loader.verify = real  # type: ignore[assignment]
    return spent[0], int(spent[1]), refusal


def _kernel_time(obj: Path) -> tuple[float, int] | str:
    """The kernel's ``verification time`` (seconds) and processed count for ``obj``, summed
    over its programs, or why there are none."""
    sys.path.insert(0, str(ROOT / "tests"))
    from kernel import _libbpf  # the test suite's ctypes libbpf binding

    if not _libbpf.available():
        return f"n/a ({_libbpf.unavailable_reason()})"
    try:
        with _libbpf.KernelObject(obj, log_level=4) as loaded:
            logs = [loaded.verifier_log(name) for name in loaded.programs]
    except _libbpf.LibbpfError as err:
        return f"n/a (the kernel refused it: errno {err.errno})"
    usec = sum(int(t) for log in logs for t in re.findall(r"verification time (\d+) usec", log))
    processed = sum(int(n) for log in logs for n in re.findall(r"processed (\d+) insns", log))
    return usec / 1e6, processed


def _largest_example() -> Path:
    sources = sorted((ROOT / "examples").rglob("*.bpf.c"))
    objects = [compile_c(src) for src in sources]
    return max(objects, key=lambda o: o.stat().st_size)


def main() -> None:
    rows = [("largest example", _largest_example()), ("loop, ~100k insns", compile_c(LOOP))]
    print(f"{'object':<18} {'pybpf':>9} {'processed':>10} {'kernel':>9} {'processed':>10} {'ratio':>7}")
    for name, obj in rows:
        seconds, processed, _ = _pybpf_time(obj)
        kernel = _kernel_time(obj)
        if isinstance(kernel, str):
            print(f"{name:<18} {seconds:>8.3f}s {processed:>10} {kernel}")
            continue
        k_seconds, k_processed = kernel
        ratio = f"{seconds / k_seconds:>6.1f}x" if k_seconds else "n/a"
        print(f"{name:<18} {seconds:>8.3f}s {processed:>10} {k_seconds:>8.4f}s {k_processed:>10} {ratio:>7}")


if __name__ == "__main__":
    main()
