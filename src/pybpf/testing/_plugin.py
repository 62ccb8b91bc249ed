"""The pytest plugin (entry point ``pytest11``): fixtures for testing BPF programs against time.

- ``bpf_clock``: a :class:`pybpf.VirtualClock`, so time moves only when the test says.
- ``bpf_runtime``: a :class:`pybpf.Runtime` on that clock, closed after the test.
- ``--engine auto|interpreter|jit``: the engine ``bpf_runtime`` uses; ``interpreter`` or ``jit``
  also forces it on every runtime the session creates with ``engine="auto"`` (through
  ``PYBPF_ENGINE``), so a whole suite runs on one engine.
- ``--run-slow`` (or ``PYBPF_RUN_SLOW=1``): run the tests marked ``slow``, skipped otherwise.

A test then reads: load the object, run the program, ``advance(5 * SECOND)``, assert on a map::

    def test_idle_flows_expire(bpf_runtime):
        obj = bpf_runtime.load("conntrack.bpf.c")
        obj.programs["track"].test_run(data=packet)
        bpf_runtime.advance(31 * SECOND)
        assert len(obj.maps["flows"]) == 0
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ..runtime import Runtime
from ..timers import VirtualClock

__all__ = ["bpf_clock", "bpf_runtime"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pybpf")
    group.addoption("--run-slow", action="store_true", default=False, help="run tests marked slow")
    group.addoption(
        "--engine", default="auto", choices=["auto", "interpreter", "jit"], help="engine of bpf_runtime (default auto)"
    )


def pytest_configure(config: pytest.Config) -> None:
    engine = config.getoption("--engine")
    if engine != "auto":
        os.environ["PYBPF_ENGINE"] = engine
    config.addinivalue_line("markers", "slow: takes more than a fraction of a second (run with --run-slow)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow") or os.environ.get("PYBPF_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def bpf_clock() -> VirtualClock:
    """A virtual clock at 1 s of CLOCK_MONOTONIC: time moves only with ``advance``."""
    return VirtualClock()


@pytest.fixture
def bpf_runtime(bpf_clock: VirtualClock, request: pytest.FixtureRequest) -> Iterator[Runtime]:
    """A runtime on ``bpf_clock``, closed (timers cancelled, maps freed) after the test."""
    with Runtime(clock=bpf_clock, engine=request.config.getoption("--engine")) as runtime:
        yield runtime
