"""The periodic ticker, on the virtual clock: ten ticks in a second, none after the stop."""

from pathlib import Path

from pybpf import MILLISECOND, SECOND

TICKER = Path(__file__).with_name("ticker.bpf.c")


def test_ticks_every_interval_until_stopped(bpf_runtime):
    obj = bpf_runtime.load(TICKER)
    assert obj.programs["start_ticker"].test_run().retval == 0
    bpf_runtime.advance(SECOND)
    ticker = obj.maps["tickers"][0]
    assert ticker["ticks"] == 10
    assert ticker["last_tick_ns"] == 2 * SECOND  # the clock starts at 1 s

    obj.globals["interval_ns"] = 250 * MILLISECOND  # takes effect from the next re-arm
    bpf_runtime.advance(SECOND)
    assert obj.maps["tickers"][0]["ticks"] == 10 + 1 + 3

    assert obj.programs["stop_ticker"].test_run().retval == 1  # it was armed
    bpf_runtime.advance(10 * SECOND)
    assert obj.maps["tickers"][0]["ticks"] == 14
    assert [t.state for t in bpf_runtime.timers()] == ["idle"]
