"""Testing the conntrack example with pybpf's pytest plugin: half a minute of idle timeout,
checked in milliseconds of wall time, because the clock is virtual.

Run it: ``pytest examples/timers/test_conntrack.py`` (the plugin comes with pybpf).
"""

import struct
from pathlib import Path

from pybpf import SECOND

CONNTRACK = Path(__file__).with_name("conntrack.bpf.c")


def udp_packet(sport: int, dport: int = 53) -> bytes:
    """An Ethernet + IPv4 + UDP frame from 10.0.0.1 to 10.0.0.2."""
    eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    udp = struct.pack("!HHHH", sport, dport, 8, 0)
    return eth + ip + udp


def test_idle_flows_expire_and_busy_flows_stay(bpf_runtime):
    obj = bpf_runtime.load(CONNTRACK)
    track, flows = obj.programs["track"], obj.maps["flows"]

    track.test_run(data=udp_packet(1000))
    track.test_run(data=udp_packet(2000))
    assert len(flows) == 2

    for _ in range(3):  # the flow from port 2000 keeps talking every 20 s
        bpf_runtime.advance(20 * SECOND)
        track.test_run(data=udp_packet(2000))

    assert [key["sport"] for key in flows] == [2000]
    assert obj.globals["expired"] == 1
    assert next(iter(flows.values()))["packets"] == 4


def test_the_timeout_is_a_load_time_constant(bpf_runtime):
    obj = bpf_runtime.load(CONNTRACK, globals={"idle_timeout_ns": 5 * SECOND})
    obj.programs["track"].test_run(data=udp_packet(1000))
    bpf_runtime.advance(5 * SECOND - 1)
    assert len(obj.maps["flows"]) == 1
    bpf_runtime.advance(1)
    assert len(obj.maps["flows"]) == 0
