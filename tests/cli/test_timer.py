"""``pybpf timer list`` and ``pybpf run --trace``: the timers of an object, and their history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ._cli import one_error
from .conftest import Build, Cli


def test_timer_list_shows_every_initialised_timer(cli: Cli, objects: Build) -> None:
    result = cli("timer", "list", objects("timer"), "--run", "arm", "--advance", "1500ms")
    assert result.status == 0
    assert result.out == "timers[1]  armed  clock monotonic  expires 3000000000ns  callback fire  prog arm\n"


def test_timer_list_json(cli: Cli, objects: Build) -> None:
    result = cli("timer", "list", objects("timer"), "--run", "arm", "--advance", "5s", "-j")
    assert json.loads(result.out) == [
        {"map": "timers", "key": 1, "kind": "timer", "clock": "monotonic", "state": "idle", "expires_ns": None,
         "callback": "fire", "program": "arm"}
    ]


def test_timer_list_and_the_trace_show_workqueues(cli: Cli, objects: Build) -> None:
    queued = cli("timer", "list", objects("wq"), "--run", "queue")
    assert queued.status == 0
    assert queued.out == "works[1]  wq  armed  clock -  expires 1000000000ns  callback work  prog queue\n"
    assert json.loads(cli("timer", "list", objects("wq"), "--run", "queue", "-j").out)[0]["kind"] == "wq"
    out = cli("run", objects("wq"), "--prog", "queue", "--advance", "0", "--trace").out
    assert [line for line in out.splitlines() if line.startswith(("event ", "global "))] == [
        "global ran = 1",
        "event 1000000000ns init works[1]",
        "event 1000000000ns set_callback works[1] callback work",
        "event 1000000000ns start works[1] queued",
        "event 1000000000ns fire works[1]",
    ]


def test_timer_list_of_an_object_without_timers_is_empty(cli: Cli, objects: Build) -> None:
    assert cli("timer", "list", objects("counter")).out == ""


def test_run_trace_prints_the_timer_event_trace(cli: Cli, objects: Build) -> None:
    out = cli("run", objects("timer"), "--prog", "arm", "--advance", "2s", "--trace").out
    events = [line for line in out.splitlines() if line.startswith("event ")]
    assert events == [
        "event 1000000000ns init timers[1] clock monotonic",
        "event 1000000000ns set_callback timers[1] callback fire",
        "event 1000000000ns start timers[1] expires 2000000000ns",
        "event 2000000000ns fire timers[1]",
        "event 2000000000ns start timers[1] expires 3000000000ns",
        "event 3000000000ns fire timers[1]",
        "event 3000000000ns start timers[1] expires 4000000000ns",
    ]


def test_run_trace_json_adds_the_events(cli: Cli, objects: Build) -> None:
    out = json.loads(cli("run", "-j", objects("timer"), "--prog", "arm", "--advance", "1s", "--trace").out)
    assert [e["event"] for e in out["events"]] == ["init", "set_callback", "start", "fire", "start"]
    assert "events" not in json.loads(cli("run", "-j", objects("timer"), "--prog", "arm").out)


def test_timer_list_needs_an_object(cli: Cli) -> None:
    result = cli("timer", "list")
    assert result.status != 0
    assert len(result.err.splitlines()) == 1


def test_kernel_picks_the_release_commands_reproduce(cli: Cli) -> None:
    from pathlib import Path

    heartbeat = str(Path(__file__).parents[2] / "examples" / "timers" / "heartbeat.bpf.c")
    for kernel, used_abs in (("5.15", 0), ("7.0", 1)):
        result = cli("--kernel", kernel, "run", heartbeat, "--prog", "start", "-j")
        assert result.status == 0, result.err
        assert json.loads(result.out)["globals"]["used_abs"] == used_abs
    assert cli("--kernel", "4.19", "timer", "list", heartbeat).status == 2


def test_timer_plot_draws_the_trace(cli: Cli, objects: Build, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "timeline.svg"
    result = cli("timer", "plot", objects("timer"), out, "--run", "arm", "--advance", "5s")
    assert (result.status, result.err, result.out) == (0, "", f"{out}: 1 timer, 8 events\n")
    assert "timers[1]" in out.read_text()


def test_timer_plot_wants_an_svg_or_png_file(cli: Cli, objects: Build, tmp_path: Path) -> None:
    result = cli("timer", "plot", objects("timer"), tmp_path / "timeline.pdf")
    one_error(result, f"pybpf timer plot: error: {tmp_path / 'timeline.pdf'}: the picture's file must end in .svg or .png")
    missing = tmp_path / "missing" / "timeline.svg"
    one_error(cli("timer", "plot", objects("timer"), missing),
              f"pybpf timer plot: error: {missing}: no directory {missing.parent} to write it into")


def test_plain_output_gives_expiries_on_the_monotonic_clock_and_json_on_the_timers_own(cli: Cli, objects: Build) -> None:
    objects("timer")  # skips without clang
    example = Path(__file__).resolve().parents[2] / "examples" / "timers" / "patch_example.bpf.c"
    plain = cli("timer", "list", example, "--run", "start_timer").out
    assert plain == "hmap[0]  armed  clock realtime  expires 2000000000ns  callback timer_cb  prog start_timer\n"
    [info] = json.loads(cli("timer", "list", "-j", example, "--run", "start_timer").out)
    assert info["expires_ns"] == 1_767_225_601_000_000_000  # CLOCK_REALTIME, as rt.timers() gives it
