"""``rt.plot_timers(path)``: the timer event trace as a timeline picture (SVG or PNG)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import pybpf
from pybpf import MILLISECOND, SECOND

TIMER = Path(__file__).resolve().parents[1] / "cli" / "testdata" / "timer.bpf.c"
CONNTRACK = Path(__file__).resolve().parents[2] / "examples" / "timers" / "conntrack_timeline.py"


def test_a_virtual_timeline_as_svg_has_a_lane_per_timer(c_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    with pybpf.Runtime(clock="virtual") as rt:
        rt.load(TIMER).programs["arm"].test_run()
        rt.advance(5 * SECOND)
        out = rt.plot_timers(tmp_path / "timeline.svg")
    svg = out.read_text()
    assert svg.startswith("<?xml") and "<svg" in svg
    for text in ("timers[1]", "virtual time since the first timer event (s)", "fired", "armed (until its expiry)"):
        assert text in svg, text


def test_a_real_clock_timeline_as_png_shows_callbacks_running(c_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    with pybpf.Runtime(clock="real") as rt:
        rt.load(TIMER).programs["arm"].test_run()
        rt.advance(30 * MILLISECOND)  # the example re-arms every second: one start, no fire
        rt.run_until_idle(0)
        out = rt.plot_timers(tmp_path / "timeline.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_conntrack_example_draws_its_timeline(tmp_path: Path, c_file) -> None:  # type: ignore[no-untyped-def]
    """The command the README names for its picture."""
    pytest.importorskip("matplotlib")
    import runpy

    out = tmp_path / "conntrack.svg"
    runpy.run_path(str(CONNTRACK), run_name="not_main")["main"](str(out))
    svg = out.read_text()
    assert all(f"flows[sport={port}]" in svg for port in (1000, 2000, 3000))


def test_without_matplotlib_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("matplotlib", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, name, None)  # makes "import matplotlib" fail
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(
        pybpf.NotSupportedError, match=re.escape("plot_timers: drawing needs matplotlib: pip install 'pybpf[plot]'")
    ):
        rt.plot_timers(tmp_path / "timeline.svg")


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        pytest.param("timeline.pdf", ValueError, "plot_timers: path must end in .svg or .png, got 'timeline.pdf'",
                     id="suffix"),
        pytest.param(5, TypeError, "plot_timers: path must be a str or Path, not int", id="type"),
    ],
)
def test_bad_paths(path: object, error: type[Exception], message: str) -> None:
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(error, match=f"^{re.escape(message)}$"):
        rt.plot_timers(path)  # type: ignore[arg-type]
