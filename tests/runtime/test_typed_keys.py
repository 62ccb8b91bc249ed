"""One key model everywhere: timers and their event trace give keys typed through BTF, the
same values the map's own iteration gives."""

from __future__ import annotations

import struct
from pathlib import Path

import pybpf
from pybpf import SECOND

CONNTRACK = Path(__file__).resolve().parents[2] / "examples" / "timers" / "conntrack.bpf.c"


def udp_packet(sport: int) -> bytes:
    eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return eth + ip + struct.pack("!HHHH", sport, 53, 8, 0)


def test_timer_keys_are_the_maps_keys(c_file) -> None:  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock="virtual") as rt:
        obj = rt.load(CONNTRACK)
        obj.programs["track"].test_run(data=udp_packet(1000))
        flows = obj.maps["flows"]
        [key] = list(flows)
        assert key["sport"] == 1000 and key["proto"] == 17
        [info] = rt.timers()
        assert info.key == key and len(info.raw_key) == 16
        rt.advance(31 * SECOND)
        events = rt.timer_events()
        assert [e.event for e in events] == ["init", "set_callback", "start", "fire", "free"]
        assert all(e.key == key for e in events)
        assert isinstance(events[0].raw_key, bytes) and len(events[0].raw_key) == 16


def test_an_int_keyed_timer_reads_as_an_int(c_file) -> None:  # type: ignore[no-untyped-def]
    path = c_file("""
struct elem { struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 9); __type(key, __u32); __type(value, struct elem); }
    arr SEC(".maps");
static int cb(void *map, __u32 *key, struct elem *e) { return 0; }
SEC("syscall")
int arm(void *ctx)
{
	__u32 key = 7;
	struct elem *e = bpf_map_lookup_elem(&arr, &key);
	if (!e)
		return 1;
	bpf_timer_init(&e->t, &arr, 1);
	bpf_timer_set_callback(&e->t, cb);
	return bpf_timer_start(&e->t, 5, 0);
}
char LICENSE[] SEC("license") = "GPL";
""")
    with pybpf.Runtime(clock="virtual") as rt:
        rt.load(path).programs["arm"].test_run()
        assert [(t.map, t.key, t.raw_key) for t in rt.timers()] == [("arr", 7, b"\x07\0\0\0")]
        start = next(e for e in rt.timer_events() if e.event == "start")
        assert (start.key, start.expires_ns, start.detail) == (7, rt.clock.now() + 5, f"expires {rt.clock.now() + 5}ns")
