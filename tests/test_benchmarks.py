"""The benchmarks run (on tiny workloads): a benchmark that fails is found by the suite, not
by the next person who runs ``make bench``."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_timer_benchmark_runs_and_measures_its_references(c_file, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    bench = _module("bench_timers")
    path = c_file(bench.SOURCE, "ticks.bpf.c")
    assert bench.virtual_throughput(path, callbacks=200) > 0
    assert bench.real_latency(path, timers=16) > 0
    out = capsys.readouterr().out
    assert "plain test_runs" in out and "wake-up latency" in out


def test_map_benchmark_measures_the_map_loop(c_file) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("llvmlite")
    bench = _module("bench_maps")
    path = c_file(bench.SOURCE, "bench_maps.bpf.c")
    figures = bench.pybpf_figures(path, "jit")
    assert figures["map loop"] > 0 and figures["from Python"] > 0
    assert figures["r0"] == sum(3 * i for i in range(bench.LOOPS)) & 0x7FFFFFFF
