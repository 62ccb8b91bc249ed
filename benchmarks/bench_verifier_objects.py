"""Verification time of every object in the repository: each ``*.bpf.c`` under examples/ and
the tests' data directories (testdata/, the verifier corpus' cases), slowest first. The goal
is that none takes more than a second.

Run with ``python benchmarks/bench_verifier_objects.py [--top N]``. Objects the verifier
refuses are timed too (their refusal is the expected verdict of many test objects); sources
that need a compiler flag the script does not know are listed as not compiled.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench_verifier import ROOT, _pybpf_time

from pybpf import PybpfError
from pybpf.runtime._compile import compile_c

#: Where the repository keeps BPF sources that it loads.
SOURCE_DIRS = ("examples", "tests")
LIMIT_SECONDS = 1.0


def _sources() -> list[Path]:
    found: list[Path] = []
    for top in SOURCE_DIRS:
        found += sorted((ROOT / top).rglob("*.bpf.c"))
    return found


def _measure(source: Path) -> tuple[float, int, str]:
    """Seconds in the verifier, instructions processed, and how the load ended."""
    try:
        obj = compile_c(source)
    except PybpfError:
        return 0.0, 0, "not compiled"
    seconds, processed, refusal = _pybpf_time(obj)
    return seconds, processed, "loaded" if refusal is None else f"refused: {refusal}"[:70]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="how many of the slowest to print")
    args = parser.parse_args()
    rows = [(src, *_measure(src)) for src in _sources()]
    rows.sort(key=lambda row: -row[1])
    print(f"{len(rows)} sources; slowest {args.top}:")
    print(f"{'seconds':>8} {'processed':>10}  source (outcome)")
    for src, seconds, processed, outcome in rows[: args.top]:
        print(f"{seconds:>8.3f} {processed:>10}  {src.relative_to(ROOT)} ({outcome})")
    over = [row for row in rows if row[1] > LIMIT_SECONDS]
    print(f"over {LIMIT_SECONDS:.0f} s: {len(over)}")


if __name__ == "__main__":
    main()
