"""Draw the timeline of the conntrack example's timers: three flows, two of them idle.

Run it:   python examples/timers/conntrack_timeline.py docs/conntrack-timeline.png

Flows from ports 1000, 2000 and 3000 start talking; the one from 2000 sends a packet every
20 s, the one from 3000 once more after 10 s. Each packet restarts its flow's 30 s idle timer;
a timer that fires deletes its flow, which frees the timer. Two minutes of virtual time pass in
a few milliseconds.
"""

import struct
import sys
from pathlib import Path

import pybpf
from pybpf import SECOND

CONNTRACK = Path(__file__).with_name("conntrack.bpf.c")


def udp_packet(sport: int, dport: int = 53) -> bytes:
    """An Ethernet + IPv4 + UDP frame from 10.0.0.1 to 10.0.0.2."""
    eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return eth + ip + struct.pack("!HHHH", sport, dport, 8, 0)


def main(out: str) -> None:
    with pybpf.Runtime(clock="virtual") as rt:
        track = rt.load(CONNTRACK).programs["track"]
        for port in (1000, 2000, 3000):
            track.test_run(data=udp_packet(port))
            rt.advance(2 * SECOND)
        rt.advance(4 * SECOND)
        track.test_run(data=udp_packet(3000))
        for _ in range(5):
            rt.advance(20 * SECOND - 4 * SECOND)
            track.test_run(data=udp_packet(2000))
            rt.advance(4 * SECOND)
        rt.run_until_idle(60 * SECOND)
        print(rt.plot_timers(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "conntrack-timeline.png")
