"""The token-bucket rate limiter, on the virtual clock."""

from pathlib import Path

from pybpf import MILLISECOND

LIMITER = Path(__file__).with_name("rate_limiter.bpf.c")
PACKET = bytes(64)
XDP_DROP, XDP_PASS = 1, 2


def send(obj, count):
    return [obj.programs["limit"].test_run(data=PACKET).retval for _ in range(count)]


def test_a_burst_passes_then_packets_drop_until_refilled(bpf_runtime):
    obj = bpf_runtime.load(LIMITER, globals={"burst": 5, "rate": 2})
    assert send(obj, 7) == [XDP_PASS] * 5 + [XDP_DROP] * 2

    bpf_runtime.advance(100 * MILLISECOND)  # one refill: two tokens
    assert send(obj, 3) == [XDP_PASS, XDP_PASS, XDP_DROP]

    bpf_runtime.advance(10 * 100 * MILLISECOND)  # refills stop once the bucket is full
    assert obj.maps["buckets"][0]["tokens"] == 5
    assert [t.state for t in bpf_runtime.timers()] == ["idle"]
    bucket = obj.maps["buckets"][0]
    assert (bucket["passed"], bucket["dropped"]) == (7, 3)
