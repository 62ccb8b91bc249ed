"""The benchmarks run (on tiny workloads): a benchmark that fails is found by the suite, not
by the next person who runs ``make bench``."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

import pybpf

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_timer_benchmark_runs_and_measures_its_references(c_file, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    bench = _module("bench_timers")
    figures = bench.workload_table(c_file(bench.WORKLOAD, "timer_workload.bpf.c"), times=1)
    assert figures["interpreter"] > 0 and figures["jit"] > 0
    assert bench.real_latency(c_file(bench.LATENCY, "timer_latency.bpf.c"), timers=16) > 0
    out = capsys.readouterr().out
    assert "1,000 callbacks" in out and "ratios to" in out and "wake-up latency" in out


def test_timer_arming_benchmark_measures_both_runs(c_file, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    bench = _module("bench_timers")
    figures = bench.arming_table(c_file(bench.ARM_CANCEL, "timer_arming.bpf.c"), times=1)
    for engine in ("interpreter", "jit"):
        assert all(figures[engine][step] > 0 for step in ("arm", "arm listed", "cancel", "cancel listed"))
    out = capsys.readouterr().out
    assert "arm run" in out and "cancel run" in out


@pytest.mark.parametrize("variant", ["plain value", "value with a lock", "lock taken"])
def test_map_loop_benchmark_measures_the_map_loop(c_file, variant: str) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("llvmlite")
    bench = _module("bench_map_loop")
    path = c_file(bench.source(variant), "bench_map_loop.bpf.c")
    figures = bench.pybpf_figures(path, "jit")
    assert figures["map loop"] > 0 and figures["from Python"] > 0
    assert figures["r0"] == sum(3 * i for i in range(bench.LOOPS)) & 0x7FFFFFFF


def test_map_benchmark_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _module("bench_maps")
    try:
        in_program, from_python = bench.walks(tmp_path, elements=300)
    except pybpf.CompileError:
        pytest.skip("no BPF compiler")
    assert in_program > 0 and from_python > 0
    _per_timer, closing = bench.timers(tmp_path, count=500)
    assert closing >= 0
    out = capsys.readouterr().out
    assert "us/element" in out and "resident bytes each" in out


@pytest.mark.slow
def test_armed_timers_cost_well_under_a_kilobyte_each(tmp_path: Path) -> None:
    """Issue 8 measured 1.3-1.9 KiB per timer; 200,000 timers (the event trace's fixed
    100,000 entries included) now cost about 700 bytes each."""
    bench = _module("bench_maps")
    per_timer, _ = bench.timers(tmp_path, count=200_000)
    assert per_timer < 1024


def test_verifier_benchmark_times_accepted_and_refused_objects(c_file) -> None:  # type: ignore[no-untyped-def]
    from pybpf.runtime._compile import compile_c

    bench = _module("bench_verifier")
    ok = compile_c(c_file('SEC("socket") int ok(void *ctx) { return 0; }\nchar LICENSE[] SEC("license") = "GPL";\n'))
    seconds, processed, refusal = bench._pybpf_time(ok)
    assert (processed, refusal) == (2, None) and seconds > 0
    bad = compile_c(c_file('SEC("socket") int bad(void *ctx) { return *(int *)0; }\n'
                           'char LICENSE[] SEC("license") = "GPL";\n', "bad.bpf.c"))
    seconds, processed, refusal = bench._pybpf_time(bad)
    assert refusal is not None and seconds > 0


def test_jit_benchmark_stack_row_runs_with_the_verifiers_frame_facts(c_file) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("llvmlite")
    bench = _module("bench_jit")
    path = c_file(bench.SOURCE, "bench_jit.bpf.c")
    results = set()
    for engine in ("interpreter", "jit"):
        with pybpf.Runtime(engine=engine) as rt:
            prog = rt.load(path, programs=["stack"]).programs["stack"]
            assert len(prog.facts.frame_accesses) > 30  # the callback's buffer, proven in its frame
            results.add(prog.test_run(data=bench.PACKET).retval)
    assert len(results) == 1
