"""The pytest plugin (entry point ``pytest11``): fixtures for testing BPF programs against time.

- ``bpf_clock``: a :class:`pybpf.VirtualClock`, so time moves only when the test says.
- ``bpf_runtime``: a :class:`pybpf.Runtime` on that clock, closed after the test.
- ``--engine auto|interpreter|jit``: the engine ``bpf_runtime`` uses.
- ``--run-slow`` (or ``PYBPF_RUN_SLOW=1``): run the tests marked ``slow``, skipped otherwise.
- ``--bpf-kernel X.Y``: the kernel release ``bpf_runtime`` reproduces (default 6.18), and the
  ``bpf_kernel`` fixture naming it.
- ``@pytest.mark.bpf_kernel("5.15", "6.18", "7.0")``: run the test once per release named, each
  with a ``bpf_runtime`` (and ``bpf_kernel``) for that release.

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

from .._releases import DEFAULT_RELEASE, RELEASES
from ..runtime import Runtime
from ..timers import VirtualClock

__all__ = ["bpf_clock", "bpf_kernel", "bpf_runtime"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pybpf")
    group.addoption("--run-slow", action="store_true", default=False, help="run tests marked slow")
    group.addoption(
        "--engine", default="auto", choices=["auto", "interpreter", "jit"], help="engine of bpf_runtime (default auto)"
    )
    group.addoption(
        "--bpf-kernel", default=DEFAULT_RELEASE, choices=RELEASES, metavar="X.Y",
        help=f"kernel release bpf_runtime reproduces, {RELEASES[0]} to {RELEASES[-1]} (default {DEFAULT_RELEASE})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a fraction of a second (run with --run-slow)")
    config.addinivalue_line(
        "markers", "bpf_kernel(*releases): run the test once per kernel release, with bpf_runtime reproducing it"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("bpf_kernel")
    if marker is None or "bpf_kernel" not in metafunc.fixturenames:
        return
    unknown = [r for r in marker.args if r not in RELEASES]
    if not marker.args or unknown:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: bpf_kernel takes releases {RELEASES[0]} to {RELEASES[-1]},"
            f" got {list(marker.args)}"
        )
    metafunc.parametrize("bpf_kernel", marker.args, indirect=True, ids=[f"linux-{r}" for r in marker.args])


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
def bpf_kernel(request: pytest.FixtureRequest) -> str:
    """The kernel release this test runs against: one of its ``bpf_kernel`` marker's, or
    ``--bpf-kernel``."""
    release: str = getattr(request, "param", None) or request.config.getoption("--bpf-kernel")
    return release


@pytest.fixture
def bpf_runtime(bpf_clock: VirtualClock, bpf_kernel: str, request: pytest.FixtureRequest) -> Iterator[Runtime]:
    """A runtime on ``bpf_clock`` reproducing ``bpf_kernel``, closed (timers cancelled, maps
    freed) after the test."""
    with Runtime(clock=bpf_clock, engine=request.config.getoption("--engine"), kernel=bpf_kernel) as runtime:
        yield runtime
