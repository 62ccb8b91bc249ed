"""The test suite on ``engine="auto"`` against the interpreter forced: what tiering costs a
suite of many small programs (the promise: nothing).

Runs pytest in a child process over the same selection with ``--engine interpreter`` and with
``--engine auto``, one pass after the other, alternating which goes first in each round (ABBA)
so that drift of a shared machine's load falls on both, and sums each engine's CPU time (user
and system, of pytest and its children) and wall time over the rounds. Tests that ask for an
engine themselves (``engine="jit"``, the engine comparisons) run the same in both passes.

The selection defaults to the whole suite without the slow tests (``tests``); ``--tests``
names another (pytest arguments). Compiled code is cached in a directory of the benchmark's
own, empty at the start: the first ``auto`` pass finds nothing cached, as a fresh checkout
does, and later passes find what earlier ones compiled, as a developer's do (each pass is
printed). Run with ``python benchmarks/bench_suite.py [--rounds N] [--tests ARGS...]`` from
the repository root.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENGINES = ("interpreter", "auto")
ROOT = Path(__file__).resolve().parents[1]


def run_pass(engine: str, tests: list[str], cache: str) -> tuple[float, float, str]:
    """One pytest run on ``engine``: (CPU seconds, wall seconds, pytest's summary line).

    Raises:
        SystemExit: the run failed (a benchmark of a failing suite measures nothing).
    """
    env = dict(os.environ, PYBPF_JIT_CACHE=cache, PYBPF_RUN_SLOW="0")
    env.pop("PYBPF_ENGINE", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--engine", engine, *tests]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.strip().splitlines()
    summary = lines[-1] if lines else done.stderr.strip()
    if done.returncode != 0:
        sys.exit(f"pytest --engine {engine} failed: {summary}\n{done.stdout[-3000:]}")
    return cpu, wall, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of one pass per engine (default 2)")
    parser.add_argument("--tests", nargs=argparse.REMAINDER, default=["tests"], help="pytest arguments")
    args = parser.parse_args()
    totals = {engine: [0.0, 0.0] for engine in ENGINES}
    with tempfile.TemporaryDirectory(prefix="pybpf-bench-suite-") as cache:
        for round_ in range(args.rounds):
            order = ENGINES if round_ % 2 == 0 else ENGINES[::-1]
            for engine in order:
                cpu, wall, summary = run_pass(engine, args.tests, cache)
                totals[engine][0] += cpu
                totals[engine][1] += wall
                print(f"round {round_ + 1} {engine:<11} CPU {cpu:7.1f} s  wall {wall:7.1f} s  ({summary})", flush=True)
    (icpu, iwall), (acpu, awall) = totals["interpreter"], totals["auto"]
    print(f"\nover {args.rounds} rounds of {' '.join(args.tests)}:")
    print(f"  interpreter  CPU {icpu:7.1f} s  wall {iwall:7.1f} s")
    print(f"  auto         CPU {acpu:7.1f} s  wall {awall:7.1f} s")
    print(f"  auto / interpreter: CPU {acpu / icpu:.3f}, wall {awall / iwall:.3f}")


if __name__ == "__main__":
    main()
