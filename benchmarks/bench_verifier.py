"""Verification time: the largest example object and a loop-heavy program processing about
100,000 instructions, beside the kernel's own ``verification time`` for the same object when
``bpf()`` works here (``bpftool -d prog loadall``, as root).

Run with ``python benchmarks/bench_verifier.py``. Figures are wall-clock seconds of pybpf's
verifier alone (compiling and map creation excluded) and the instructions it processed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pybpf
from pybpf.runtime import _loader
from pybpf.runtime._compile import compile_c

ROOT = Path(__file__).resolve().parent.parent
LOOP = Path(__file__).resolve().parent / "bench_verifier_loop.bpf.c"


def _pybpf_time(obj: Path) -> tuple[float, int]:
    """Seconds spent in ``verify`` while loading ``obj``, and instructions processed."""
    spent = [0.0, 0]
    real = _loader.verify

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        facts = real(*args, **kwargs)
        spent[0] += time.perf_counter() - began
        spent[1] += facts.processed
        return facts

    _loader.verify = timed  # type: ignore[assignment]
    try:
        with pybpf.Runtime(clock="virtual") as rt:
            rt.load(obj)
    finally:
        _loader.verify = real  # type: ignore[assignment]
    return spent[0], int(spent[1])


def _kernel_time(obj: Path) -> str:
    """The kernel's ``verification time`` lines for ``obj``, summed, or why there are none."""
    bpftool = shutil.which("bpftool")
    if bpftool is None:
        return "n/a (no bpftool)"
    with tempfile.TemporaryDirectory(dir="/sys/fs/bpf" if Path("/sys/fs/bpf").is_dir() else None) as pin:
        result = subprocess.run([bpftool, "-d", "prog", "loadall", str(obj), f"{pin}/p"],
                                capture_output=True, text=True, check=False)
        subprocess.run(["rm", "-rf", f"{pin}/p"], check=False)
    times = [int(t) for t in re.findall(r"verification time (\d+) usec", result.stderr + result.stdout)]
    if not times:
        return "n/a (the kernel did not load it)"
    return f"{sum(times) / 1e6:.4f} s"


def _largest_example() -> Path:
    sources = sorted((ROOT / "examples").rglob("*.bpf.c"))
    objects = [compile_c(src) for src in sources]
    return max(objects, key=lambda o: o.stat().st_size)


def main() -> None:
    rows = [("largest example", _largest_example()), ("loop, ~100k insns", compile_c(LOOP))]
    print(f"{'object':<20} {'pybpf':>10} {'processed':>10} {'kernel':>24}")
    for name, obj in rows:
        seconds, processed = _pybpf_time(obj)
        print(f"{name:<20} {seconds:>9.3f}s {processed:>10} {_kernel_time(obj):>24}")


if __name__ == "__main__":
    main()
