"""One program, three kernels: the heartbeat example on Linux 5.15, 6.18 and 7.0, from one
pytest file, with the pybpf plugin's ``bpf_kernel`` marker (docs/timers.md walks through it)."""

from pathlib import Path

import pytest

from pybpf import SECOND

HEARTBEAT = Path(__file__).parent / "heartbeat.bpf.c"


@pytest.mark.bpf_kernel("5.15", "6.18", "7.0")
def test_the_heartbeat_beats_every_second_and_stops_on_every_release(bpf_runtime, bpf_kernel):
    obj = bpf_runtime.load(HEARTBEAT)
    assert obj.programs["start"].test_run(ctx=b"").retval == 0
    bpf_runtime.advance(3 * SECOND)
    assert obj.globals["beats_seen"] == 3  # the same beats everywhere...

    # ...reached differently: BPF_F_TIMER_ABS is Linux 6.4, bpf_timer_cancel_async Linux 7.0
    assert obj.globals["used_abs"] == (bpf_kernel != "5.15")
    assert obj.programs["stop"].test_run(ctx=b"").retval == 1  # it was armed
    assert obj.globals["stopped_async"] == (bpf_kernel == "7.0")
    bpf_runtime.advance(3 * SECOND)
    assert obj.globals["beats_seen"] == 3
