"""The example programs of ``examples/programs`` and ``examples/maps``, built by clang-19 and by
ziglang's clang, loaded into pybpf and run: each test checks the exact results (return values,
ctx_out and data_out, globals, map contents, trace lines) the kernel would give.

Every test runs once per compiler (the ``compiler`` fixture); objects are built once per session
(``conftest.py``).
"""

from __future__ import annotations

import os
import random
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf
from pybpf import SECOND
from pybpf._spec import ProgType
from pybpf.maps import MapType

from .conftest import Builds, example_name, example_sources

Load = Callable[..., pybpf.Object]

ENOENT, E2BIG, EEXIST, EINVAL, ENOSPC, ERANGE = 2, 7, 17, 22, 28, 34
TC_ACT_OK, TC_ACT_SHOT = 0, 2
XDP_DROP, XDP_PASS = 1, 2


def s32(retval: int) -> int:
    """A test_run retval (the kernel's u32) as the int the program returned."""
    return retval - (1 << 32) if retval & 0x8000_0000 else retval


# -- packets -------------------------------------------------------------------------------

ETH_P_IP, ETH_P_ARP, ETH_P_IPV6 = 0x0800, 0x0806, 0x86DD
ICMP, TCP, UDP = 1, 6, 17


def eth(proto: int, payload: bytes = bytes(28)) -> bytes:
    """An Ethernet frame (made-up MAC addresses)."""
    return bytes.fromhex("020000000001" "020000000002") + struct.pack(">H", proto) + payload


def ip_checksum(header: bytes) -> int:
    """The one's-complement sum of 16-bit words: 0xffff over a header with a valid checksum."""
    total = sum(struct.unpack(f">{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def ipv4(proto: int, payload: bytes, *, ttl: int = 64, src: str = "10.0.0.1", options: bytes = b"") -> bytes:
    """An IPv4 packet with a correct header checksum."""
    ihl = 5 + len(options) // 4
    addresses = bytes(int(x) for x in src.split(".")) + bytes([10, 0, 0, 2])
    header = struct.pack(">BBHHHBBH", 0x40 | ihl, 0, 4 * ihl + len(payload), 1, 0, ttl, proto, 0)
    header += addresses + options
    check = ~ip_checksum(header) & 0xFFFF
    return header[:10] + struct.pack(">H", check) + header[12:] + payload


def udp(dport: int, data: bytes = b"") -> bytes:
    return struct.pack(">HHHH", 40000, dport, 8 + len(data), 0) + data


def tcp(dport: int, options: bytes = b"") -> bytes:
    doff = 5 + len(options) // 4
    return struct.pack(">HHIIBBHHH", 40000, dport, 1, 0, doff << 4, 0x02, 1024, 0, 0) + options


NOP_OPTIONS = b"\x01\x01\x01\x00"  # three NOPs and an end-of-options: one 32-bit word


# -- all examples --------------------------------------------------------------------------

EXAMPLE_NAMES = [example_name(source) for source in example_sources()]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_example_builds_and_loads(builds: Builds, compiler: str, rt: pybpf.Runtime, name: str) -> None:
    obj = rt.load(builds.path(compiler, name))
    assert obj.programs, "an example has at least one program"
    assert all(p.spec.license == "GPL" for p in obj.programs.values())
    declared = [m for m in obj.maps.values() if not m.name.startswith(".") and "." not in m.name]
    assert all(m.max_entries <= 64 or m.type == MapType.RINGBUF for m in declared)


def test_examples_cover_every_program_and_map_type(builds: Builds, compiler: str, rt: pybpf.Runtime) -> None:
    program_types, map_types = set(), set()
    for name in EXAMPLE_NAMES:
        obj = rt.load(builds.path(compiler, name))
        program_types |= {p.type for p in obj.programs.values()}
        map_types |= {m.type for m in obj.maps.values()}
    assert program_types >= {
        ProgType.SYSCALL, ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.XDP, ProgType.TRACING,
        ProgType.KPROBE, ProgType.TRACEPOINT, ProgType.RAW_TRACEPOINT,
    }
    assert map_types >= {
        MapType.HASH, MapType.ARRAY, MapType.PROG_ARRAY, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY,
        MapType.LRU_HASH, MapType.LRU_PERCPU_HASH, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS,
        MapType.QUEUE, MapType.STACK, MapType.RINGBUF,
    }


# -- programs/syscall ----------------------------------------------------------------------

ARGS = struct.Struct("<IIQ")  # struct args { a, b, product }


@pytest.mark.parametrize(
    ("a", "b", "scale", "product"),
    [
        pytest.param(3, 4, 1, 12, id="scale-1"),
        pytest.param(3, 4, 3, 36, id="scale-3"),
        pytest.param(0, 9, 5, 0, id="zero"),
        pytest.param(50, 50, 2, 5000, id="at-the-limit"),
    ],
)
def test_syscall_program_writes_ctx_out_and_globals(load: Load, a: int, b: int, scale: int, product: int) -> None:
    obj = load("programs/syscall", globals={"scale": scale})
    res = obj.programs["prog"].test_run(ctx=ARGS.pack(a, b, 0))
    assert res.retval == a + b
    assert ARGS.unpack(res.ctx_out) == (a, b, product)
    assert res.data_out is None
    assert dict(obj.globals) == {
        "calls": 1, "total": a + b, "last_product": product, "limit": 100, "scale": scale,
    }


def test_syscall_program_refuses_sums_over_a_limit_set_after_load(load: Load) -> None:
    obj = load("programs/syscall")
    prog = obj.programs["prog"]
    prog.test_run(ctx=ARGS.pack(2, 2, 0))
    obj.globals["limit"] = 5
    res = prog.test_run(ctx=ARGS.pack(3, 4, 0))
    assert res.retval == 0xFFFF_FFFF  # -1 as the kernel's u32
    assert ARGS.unpack(res.ctx_out) == (3, 4, 0)  # untouched
    assert (obj.globals["calls"], obj.globals["total"], obj.globals["last_product"]) == (2, 4, 4)
    with pytest.raises(pybpf.MapError):
        obj.globals["scale"] = 2  # .rodata is frozen after load


# -- programs/socket -----------------------------------------------------------------------

SOCKET_CASES = [
    # id, frame, bytes kept, the counter that moves (None: the program ended on a bad load)
    pytest.param(eth(ETH_P_IP, ipv4(UDP, udp(53, b"q" * 20))), 48, "dns", id="dns-kept-whole"),
    pytest.param(eth(ETH_P_IP, ipv4(TCP, tcp(80, NOP_OPTIONS * 3) + b"GET /")), 52, "tcp", id="tcp-headers-only"),
    pytest.param(eth(ETH_P_IP, ipv4(TCP, tcp(443), options=NOP_OPTIONS)), 44, "tcp", id="tcp-after-ip-options"),
    pytest.param(eth(ETH_P_IP, ipv4(UDP, udp(123))), 0, "dropped", id="other-udp-dropped"),
    pytest.param(eth(ETH_P_ARP), 0, "dropped", id="arp-dropped"),
    pytest.param(eth(ETH_P_IP, ipv4(UDP, b"")), 0, None, id="load-past-the-end-ends-the-program"),
]


@pytest.mark.parametrize(("frame", "kept", "counter"), SOCKET_CASES)
def test_socket_filter_returns_the_bytes_to_keep(load: Load, frame: bytes, kept: int, counter: str | None) -> None:
    obj = load("programs/socket")
    res = obj.programs["keep_dns_and_tcp_headers"].test_run(data=frame)
    assert res.retval == kept
    assert res.data_out == bytes(14) + frame[14:]  # the kernel hands back an empty MAC header
    assert res.ctx_out is None  # no ctx in, no ctx out
    counts = {name: obj.globals[name] for name in ("dns", "tcp", "dropped")}
    assert counts == {name: int(name == counter) for name in counts}


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(eth(ETH_P_IP, bytes.fromhex("4500001c")), id="ipv4"),
        pytest.param(eth(ETH_P_IPV6, bytes(39)), id="ipv6"),
        pytest.param(bytes(13), id="no-ethernet-header"),
    ],
)
@pytest.mark.parametrize(("name", "prog"), [("programs/socket", "keep_dns_and_tcp_headers"), ("programs/tc", "forward")])
def test_skb_test_run_refuses_frames_shorter_than_their_headers(load: Load, frame: bytes, name: str, prog: str) -> None:
    obj = load(name)
    with pytest.raises(pybpf.TestRunError) as err:
        obj.programs[prog].test_run(data=frame)
    assert err.value.errno == EINVAL


def test_socket_filter_reads_the_source_address_with_a_word_load(load: Load) -> None:
    obj = load("programs/socket")
    frame = eth(ETH_P_IP, ipv4(UDP, udp(53), src="192.168.1.7"))
    obj.programs["keep_dns_and_tcp_headers"].test_run(data=frame)
    assert obj.globals["last_dns_source"] == 0xC0A80107


# -- programs/tc ---------------------------------------------------------------------------

TC_CASES = [
    pytest.param(eth(ETH_P_IP, ipv4(UDP, udp(53), ttl=64)), TC_ACT_OK, "forwarded", id="udp-forwarded"),
    pytest.param(eth(ETH_P_IP, ipv4(ICMP, bytes(8), ttl=1)), TC_ACT_SHOT, "expired", id="ttl-1-dropped"),
    pytest.param(eth(ETH_P_ARP), TC_ACT_OK, "not_ipv4", id="arp-untouched"),
    pytest.param(eth(0x88CC, bytes(2)), TC_ACT_OK, "not_ipv4", id="short-lldp-untouched"),
]


@pytest.mark.parametrize(("frame", "verdict", "outcome"), TC_CASES)
def test_tc_classifier_verdicts(load: Load, frame: bytes, verdict: int, outcome: str) -> None:
    obj = load("programs/tc")
    res = obj.programs["forward"].test_run(data=frame)
    assert res.retval == verdict
    assert res.ctx_out is None
    counters = {name: obj.globals[name] for name in ("not_ipv4", "truncated", "expired")}
    assert counters == {name: int(name == outcome) for name in counters}
    if outcome != "forwarded":
        assert res.data_out == frame


@pytest.mark.parametrize("ttl", [64, 2, 255])
def test_tc_classifier_decrements_ttl_and_keeps_the_checksum_valid(load: Load, ttl: int) -> None:
    obj = load("programs/tc")
    frame = eth(ETH_P_IP, ipv4(TCP, tcp(22), ttl=ttl, options=NOP_OPTIONS))
    res = obj.programs["forward"].test_run(data=frame)
    assert res.retval == TC_ACT_OK
    out = res.data_out
    assert out is not None and len(out) == len(frame)
    header = out[14:38]
    assert header[8] == ttl - 1
    assert ip_checksum(header) == 0xFFFF
    # Only the TTL and the checksum changed.
    changed = [i for i in range(len(frame)) if out[i] != frame[i]]
    assert set(changed) <= {14 + 8, 14 + 10, 14 + 11}


def test_tc_classifier_counts_packets_per_protocol(load: Load) -> None:
    obj = load("programs/tc")
    prog = obj.programs["forward"]
    for frame in [
        eth(ETH_P_IP, ipv4(UDP, udp(53))),
        eth(ETH_P_IP, ipv4(TCP, tcp(80))),
        eth(ETH_P_IP, ipv4(UDP, udp(123))),
        eth(ETH_P_IP, ipv4(ICMP, bytes(8), ttl=1)),
        eth(ETH_P_IPV6, bytes(40)),
    ]:
        prog.test_run(data=frame)
    assert dict(obj.maps["proto_packets"]) == {UDP: 2, TCP: 1, ICMP: 1}
    assert (obj.globals["not_ipv4"], obj.globals["expired"]) == (1, 1)


# -- programs/xdp --------------------------------------------------------------------------

XDP_CASES = [
    pytest.param(eth(ETH_P_IP, ipv4(UDP, udp(53))), XDP_DROP, id="blocked-port"),
    pytest.param(eth(ETH_P_IP, ipv4(UDP, udp(53), options=NOP_OPTIONS)), XDP_DROP, id="blocked-port-after-options"),
    pytest.param(eth(ETH_P_IP, ipv4(UDP, udp(80), options=NOP_OPTIONS)), XDP_PASS, id="open-port"),
    pytest.param(eth(ETH_P_IP, ipv4(TCP, tcp(53))), XDP_PASS, id="tcp-not-filtered"),
    pytest.param(eth(ETH_P_ARP), XDP_PASS, id="arp"),
    pytest.param(eth(ETH_P_IP, ipv4(UDP, b"\x00\x35")), XDP_DROP, id="truncated-udp-header"),
]


@pytest.mark.parametrize(("frame", "verdict"), XDP_CASES)
def test_xdp_firewall_verdicts_and_counters(load: Load, frame: bytes, verdict: int) -> None:
    obj = load("programs/xdp")
    obj.maps["blocked_ports"][53] = 1
    res = obj.programs["udp_firewall"].test_run(data=frame)
    assert res.retval == verdict
    assert res.data_out == frame
    counters = dict(obj.maps["verdicts"])
    expected = {i: {"packets": 0, "bytes": 0} for i in range(4)}
    expected[verdict] = {"packets": 1, "bytes": len(frame)}
    assert counters == expected


def test_xdp_firewall_sees_the_linear_part_a_ctx_describes(load: Load) -> None:
    obj = load("programs/xdp")
    obj.maps["blocked_ports"][53] = 1
    frame = eth(ETH_P_IP, ipv4(UDP, udp(53)))
    whole = struct.pack("<6I", 0, len(frame), 0, 0, 0, 0)
    res = obj.programs["udp_firewall"].test_run(data=frame, ctx=whole)
    assert (res.retval, res.ctx_out, res.data_out) == (XDP_DROP, whole, frame)
    # A linear part that ends inside the UDP header: the program cannot see the port.
    short = struct.pack("<6I", 0, len(frame) - 4, 0, 0, 0, 0)
    res = obj.programs["udp_firewall"].test_run(data=frame, ctx=short)
    assert (res.retval, res.ctx_out, res.data_out) == (XDP_DROP, short, frame)
    assert obj.maps["verdicts"][XDP_DROP] == {"packets": 2, "bytes": 2 * len(frame) - 4}


def test_xdp_firewall_follows_the_blocked_ports_map(load: Load) -> None:
    obj = load("programs/xdp")
    prog = obj.programs["udp_firewall"]
    frame = eth(ETH_P_IP, ipv4(UDP, udp(5353)))
    assert prog.test_run(data=frame).retval == XDP_PASS
    obj.maps["blocked_ports"][5353] = 1
    assert prog.test_run(data=frame).retval == XDP_DROP
    del obj.maps["blocked_ports"][5353]
    assert prog.test_run(data=frame).retval == XDP_PASS
    assert obj.maps["verdicts"][XDP_PASS] == {"packets": 2, "bytes": 2 * len(frame)}


# -- programs/fentry -----------------------------------------------------------------------


def test_fentry_test_run_calls_the_kernel_test_functions(load: Load) -> None:
    obj = load("programs/fentry")
    links = [prog.attach() for prog in obj.programs.values()]
    res = obj.programs["on_test1_entry"].test_run()
    assert (res.retval, res.ctx_out, res.data_out) == (0, None, None)
    assert dict(obj.globals) == {
        "entries": 1, "exits": 1, "entry_a": 1, "exit_a": 1, "exit_ret": 2, "test3_sum": 4 + 5 + 6,
    }
    for link in links:
        link.detach()


def test_fentry_and_fexit_see_the_arguments_and_return_of_a_trigger(rt: pybpf.Runtime, load: Load) -> None:
    obj = load("programs/fentry")
    links = [obj.programs[name].attach() for name in ("on_test1_entry", "on_test1_exit")]
    rt.trigger("bpf_fentry_test1", 41)
    assert (obj.globals["entry_a"], obj.globals["exit_a"], obj.globals["exit_ret"]) == (41, 41, 42)
    rt.trigger("bpf_fentry_test1", -5, ret=-4)
    assert (obj.globals["entry_a"], obj.globals["exit_ret"]) == (-5, -4)
    for link in links:
        link.detach()
    rt.trigger("bpf_fentry_test1", 7)
    assert (obj.globals["entries"], obj.globals["exits"]) == (2, 2)  # detached: no more runs


def test_unattached_fentry_programs_do_not_run(load: Load) -> None:
    obj = load("programs/fentry")
    obj.programs["on_test1_entry"].test_run()
    assert obj.globals["entries"] == 0


# -- programs/kprobe -----------------------------------------------------------------------


def test_kprobe_reads_arguments_and_kretprobe_the_return_value(rt: pybpf.Runtime, load: Load) -> None:
    obj = load("programs/kprobe")
    links = [prog.attach() for prog in obj.programs.values()]
    rt.trigger("some_function", 1, 2)
    assert dict(obj.globals) == {
        "calls": 1, "last_arg1": 1, "last_arg2": 2, "last_arg3": 0, "returns": 1, "last_ret": 0,
    }
    rt.trigger("some_function", 0xFFFF_8880_0000_1000, 7, 9, ret=-ENOENT)
    assert (obj.globals["last_arg1"], obj.globals["last_arg3"]) == (0xFFFF_8880_0000_1000, 9)
    assert (obj.globals["calls"], obj.globals["returns"], obj.globals["last_ret"]) == (2, 2, -ENOENT)
    rt.trigger("other_function", 5)
    assert obj.globals["calls"] == 2
    for link in links:
        link.detach()


def test_kprobe_programs_cannot_be_test_run(load: Load) -> None:
    obj = load("programs/kprobe")
    with pytest.raises(pybpf.PybpfError, match="ENOTSUPP"):
        obj.programs["on_call"].test_run()


# -- programs/tracepoint -------------------------------------------------------------------

OPENAT = struct.Struct("<HBBiiIQQQQ")  # the sys_enter_openat record
AT_FDCWD = -100


@pytest.mark.parametrize(
    ("flags", "mode", "creates"),
    [
        pytest.param(0o0, 0, 0, id="read-only"),
        pytest.param(0o101, 0o644, 1, id="create"),
        pytest.param(0o2101, 0o600, 1, id="create-append"),
    ],
)
def test_tracepoint_reads_the_raw_record(rt: pybpf.Runtime, load: Load, flags: int, mode: int, creates: int) -> None:
    obj = load("programs/tracepoint")
    link = obj.programs["on_openat"].attach()
    record = OPENAT.pack(612, 0, 1, 4242, 257, 0, AT_FDCWD & (2**64 - 1), 0x7FFD_0000_1000, flags, mode)
    rt.trigger("syscalls/sys_enter_openat", record)
    assert dict(obj.globals) == {
        "opens": 1, "creates": creates, "last_tgid": os.getpid(), "last_syscall_nr": 257,
        "last_dfd": AT_FDCWD, "last_flags": flags, "last_mode": mode,
    }
    link.detach()
    rt.trigger("syscalls/sys_enter_openat", record)
    assert obj.globals["opens"] == 1


# -- programs/raw_tp -----------------------------------------------------------------------

REGS = 0xFFFF_C900_0001_3F58


@pytest.mark.parametrize(
    ("syscall", "watched", "retval", "matched"),
    [
        pytest.param(257, 257, 1, 1, id="watched"),
        pytest.param(0, 257, 0, 0, id="other-syscall"),
        pytest.param(59, 59, 1, 1, id="watch-set-by-global"),
    ],
)
def test_raw_tracepoint_test_run_takes_the_args_array(
    load: Load, syscall: int, watched: int, retval: int, matched: int
) -> None:
    obj = load("programs/raw_tp")
    obj.globals["watched_id"] = watched
    res = obj.programs["on_sys_enter"].test_run(ctx=struct.pack("<QQ", REGS, syscall))
    assert res.retval == retval
    assert (obj.globals["seen"], obj.globals["matched"]) == (1, matched)
    assert obj.globals["last_regs"] == (REGS if matched else 0)


def test_raw_tracepoint_runs_on_trigger_once_attached(rt: pybpf.Runtime, load: Load) -> None:
    obj = load("programs/raw_tp")
    link = obj.programs["on_sys_enter"].attach()
    rt.trigger("sys_enter", REGS, 257)
    rt.trigger("sys_enter", REGS + 8, 1)
    link.detach()
    rt.trigger("sys_enter", REGS, 257)
    assert (obj.globals["seen"], obj.globals["matched"], obj.globals["last_regs"]) == (2, 1, REGS)


# -- programs/loop -------------------------------------------------------------------------

LOOP = struct.Struct("<IIQQ")  # struct loop_args


@pytest.mark.parametrize(
    ("n", "stop_at", "total", "iterations"),
    [
        pytest.param(10, 100, sum(i * i for i in range(10)), 10, id="all-iterations"),
        pytest.param(10, 4, 0 + 1 + 4 + 9, 5, id="callback-stops-early"),
        pytest.param(0, 100, 0, 0, id="no-iterations"),
        pytest.param(1000, 1000, sum(i * i for i in range(1000)), 1000, id="a-thousand"),
    ],
)
def test_bpf_loop_calls_the_callback(load: Load, n: int, stop_at: int, total: int, iterations: int) -> None:
    obj = load("programs/loop")
    res = obj.programs["sum_squares"].test_run(ctx=LOOP.pack(n, stop_at, 0, 0))
    assert res.retval == 0
    assert LOOP.unpack(res.ctx_out) == (n, stop_at, total, iterations)


@pytest.mark.parametrize(
    ("scores", "visited", "best", "total"),
    [
        pytest.param({0: 5, 1: 70, 4: 99}, 8, (4, 99), 174, id="every-slot"),
        pytest.param({0: 5, 1: 70, 3: 100, 4: 99}, 4, (3, 100), 175, id="stops-at-a-perfect-score"),
        pytest.param({}, 8, (0, 0), 0, id="all-zero"),
    ],
)
def test_for_each_map_elem_visits_array_elements_in_order(
    load: Load, scores: dict[int, int], visited: int, best: tuple[int, int], total: int
) -> None:
    obj = load("programs/loop")
    for slot, score in scores.items():
        obj.maps["scores"][slot] = score
    obj.programs["scan_scores"].test_run()
    g = obj.globals
    assert (g["slots_visited"], (g["best_slot"], g["best_score"]), g["score_total"]) == (visited, best, total)


NUMBERS = struct.Struct("<QQQQ")


@pytest.mark.parametrize(
    ("a", "b", "gcd", "lcm"),
    [
        pytest.param(12, 18, 6, 36, id="small"),
        pytest.param(17, 5, 1, 85, id="coprime"),
        pytest.param(0, 9, 9, 0, id="zero"),
        pytest.param(2**40, 6 * 2**20, 2**21, 3 * 2**40, id="large"),
        pytest.param(12200160415121876738, 7540113804746346429, 1, None, id="fibonacci-worst-case"),
    ],
)
def test_bpf_to_bpf_calls_compute_gcd_and_lcm(load: Load, a: int, b: int, gcd: int, lcm: int | None) -> None:
    obj = load("programs/loop")
    res = obj.programs["number_theory"].test_run(ctx=NUMBERS.pack(a, b, 0, 0))
    if lcm is None:
        lcm = (a * b) % 2**64  # wraps, as u64 arithmetic does
    assert NUMBERS.unpack(res.ctx_out) == (a, b, gcd, lcm)


def test_snprintf_formats_into_a_global_and_printk_into_the_trace(rt: pybpf.Runtime, load: Load) -> None:
    obj = load("programs/loop")
    ctx = b"alice".ljust(16, b"\0") + struct.pack("<II", 42, 50)
    obj.programs["report"].test_run(ctx=ctx)
    text = "alice scored 42 of 50 (84%)"
    assert obj.globals["message"] == text.encode()
    assert obj.globals["message_len"] == len(text) + 1
    assert rt.trace_lines() == [f"report: {text}", f"length {len(text) + 1}"]


def test_snprintf_truncates_to_the_buffer_and_returns_the_full_length(load: Load) -> None:
    obj = load("programs/loop")
    name = b"sixteen-char-nam"  # fills the field: the NUL is the low byte of points (0xee6b2800)
    points = 4_000_000_000
    obj.programs["report"].test_run(ctx=name + struct.pack("<II", points, points))
    percent = (points * 100 % 2**32) // points  # u32 arithmetic, as in the program
    text = f"sixteen-char-nam scored {points} of {points} ({percent}%)"
    assert len(text) > 47
    assert obj.globals["message"] == text[:47].encode()  # what fits in char message[48]
    assert obj.globals["message_len"] == len(text) + 1


def rolls(rt: pybpf.Runtime, path: Path, runs: int = 2) -> list[list[int]]:
    obj = rt.load(path)
    out = []
    for _ in range(runs):
        obj.programs["roll_dice"].test_run()
        out.append(obj.globals["rolls"])
    return out


def test_prandom_is_reproducible_with_a_seed(example: Callable[[str], Path]) -> None:
    path = example("programs/loop")
    with pybpf.Runtime(clock="virtual", seed=7) as a, pybpf.Runtime(clock="virtual", seed=7) as b:
        first, second = rolls(a, path), rolls(b, path)
    with pybpf.Runtime(clock="virtual", seed=8) as c:
        other = rolls(c, path)
    assert first == second
    assert first != other
    assert all(1 <= r <= 6 for run in first + other for r in run)
    generator = random.Random(7)
    assert first[0] == [generator.getrandbits(32) % 6 + 1 for _ in range(4)]


TRANSFER = struct.Struct("<IIqq")


def test_spin_locked_transfers_refuse_overdrafts(load: Load) -> None:
    obj = load("programs/loop")
    accounts, prog = obj.maps["accounts"], obj.programs["apply_transfer"]
    accounts[1] = {"balance": 10}
    results = []
    for amount in (5, -20, -15, 7):
        res = prog.test_run(ctx=TRANSFER.pack(1, 0, amount, 0))
        results.append((res.retval, TRANSFER.unpack(res.ctx_out)[3]))
    assert results == [(0, 15), (1, 15), (0, 0), (0, 7)]
    assert accounts[1] == {"lock": {"val": 0}, "balance": 7, "changes": 3, "refused": 1}
    assert accounts[0] == {"lock": {"val": 0}, "balance": 0, "changes": 0, "refused": 0}
    assert s32(prog.test_run(ctx=TRANSFER.pack(9, 0, 1, 0)).retval) == -1  # no account 9


def test_probe_read_kernel_copies_and_zero_fills_on_a_fault(load: Load) -> None:
    obj = load("programs/loop")
    res = obj.programs["probe_memory"].test_run()
    assert res.retval == 0
    g = obj.globals
    assert g["copied"] == {"magic": 0x5EED5EED5EED5EED, "values": [1, 2, 3, 5]}
    assert (g["copy_result"], g["fault_result"], g["fault_word"]) == (0, -ERANGE, 0)


def test_ktime_helpers_read_the_virtual_clock(rt: pybpf.Runtime, load: Load) -> None:
    obj = load("programs/loop")
    prog = obj.programs["read_clocks"]
    prog.test_run()
    assert obj.globals["monotonic_ns"] == 1 * SECOND  # a virtual clock starts at 1 s
    rt.advance(5 * SECOND + 250)
    prog.test_run()
    now = 6 * SECOND + 250
    assert (obj.globals["monotonic_ns"], obj.globals["boot_ns"]) == (now, now)
    assert obj.globals["tai_ns"] == rt.clock.now(0) + 37 * SECOND  # REALTIME + 37 s


# -- maps/hash and maps/hash_no_prealloc ---------------------------------------------------


def test_hash_update_flags_and_errors(load: Load) -> None:
    obj = load("maps/hash")
    assert obj.programs["exercise"].test_run().retval == 0
    assert dict(obj.globals) == {
        "add_new": 0, "add_existing": -EEXIST, "replace_missing": -ENOENT, "replace_existing": 0,
        "add_when_full": -E2BIG, "replace_when_full": 0, "delete_existing": 0,
        "delete_missing": -ENOENT, "found_after_delete": 0,
    }
    assert dict(obj.maps["points"]) == {1: {"x": 10, "y": 10}, 3: {"x": 3, "y": 3}, 4: {"x": 40, "y": 40}}


def test_hash_values_change_in_place_through_a_lookup(load: Load) -> None:
    obj = load("maps/hash")
    points, move = obj.maps["points"], obj.programs["move_point"]
    points[7] = {"x": 1, "y": 1}
    assert move.test_run(ctx=struct.pack("<Iii", 7, -3, 4)).retval == 0
    assert points[7] == {"x": 0xFFFF_FFFE, "y": 5}
    assert s32(move.test_run(ctx=struct.pack("<Iii", 8, 1, 1)).retval) == -ENOENT


def test_hash_without_prealloc_counts_until_full(load: Load) -> None:
    obj = load("maps/hash_no_prealloc")
    count = obj.programs["count"]
    keys = [3, 3, 7, 3, 1, 2, 4, 5, 6, 8, 9, 3]
    got = [s32(count.test_run(ctx=struct.pack("<I", k)).retval) for k in keys]
    assert got == [1, 2, 1, 3, 1, 1, 1, 1, 1, 1, -E2BIG, 4]
    assert dict(obj.globals) == {"new_keys": 8, "full_errors": 1, "last_error": -E2BIG}
    assert dict(obj.maps["counts"]) == {3: 4, 7: 1, 1: 1, 2: 1, 4: 1, 5: 1, 6: 1, 8: 1}
    del obj.maps["counts"][7]  # room again
    assert count.test_run(ctx=struct.pack("<I", 9)).retval == 1


# -- maps/array, percpu_array, percpu_hash -------------------------------------------------


def test_array_elements_always_exist(load: Load) -> None:
    obj = load("maps/array")
    obj.programs["exercise"].test_run()
    assert dict(obj.globals) == {
        "update_any": 0, "update_noexist": -EEXIST, "update_exist": 0, "update_past_end": -E2BIG,
        "update_bad_flags": -EINVAL, "update_lock_flag": -EINVAL, "delete_result": -EINVAL,
        "found_past_end": 0,
    }
    assert dict(obj.maps["slots"]) == {i: {3: 33, 5: 55}.get(i, 0) for i in range(8)}
    obj.maps["slots"][0] = 1000
    assert obj.programs["sum"].test_run().retval == 1000 + 33 + 55


def test_percpu_array_counts_per_cpu(load: Load) -> None:
    obj = load("maps/percpu_array")
    hit, reset = obj.programs["hit"], obj.programs["reset"]
    slot1 = struct.pack("<I", 1)
    assert [hit.test_run(ctx=slot1, cpu=cpu).retval for cpu in (0, 0, 1)] == [1, 2, 1]
    assert obj.globals["last_cpu"] == 1
    assert obj.maps["hits"][1] == [2, 1]
    assert obj.maps["hits"][0] == [0, 0]
    assert s32(hit.test_run(ctx=struct.pack("<I", 4)).retval) == -1  # out of range
    assert reset.test_run(ctx=slot1, cpu=0).retval == 0
    assert obj.maps["hits"][1] == [0, 1]  # a program's update writes its own CPU's copy


def test_percpu_hash_new_keys_start_at_zero_on_other_cpus(load: Load) -> None:
    obj = load("maps/percpu_hash")
    account, forget = obj.programs["account"], obj.programs["forget"]
    packets = [(1, 100, 0), (1, 50, 1), (1, 10, 1), (2, 5, 0), (3, 1, 0), (4, 1, 1), (5, 1, 1)]
    got = [s32(account.test_run(ctx=struct.pack("<II", f, n), cpu=cpu).retval) for f, n, cpu in packets]
    assert got == [0, 0, 0, 0, 0, 0, -E2BIG]
    zero = {"packets": 0, "bytes": 0}
    assert dict(obj.maps["flows"]) == {
        1: [{"packets": 1, "bytes": 100}, {"packets": 2, "bytes": 60}],
        2: [{"packets": 1, "bytes": 5}, zero],
        3: [{"packets": 1, "bytes": 1}, zero],
        4: [zero, {"packets": 1, "bytes": 1}],
    }
    assert obj.globals["refused"] == 1
    assert forget.test_run(ctx=struct.pack("<II", 2, 0)).retval == 0
    assert s32(forget.test_run(ctx=struct.pack("<II", 2, 0)).retval) == -ENOENT
    assert sorted(obj.maps["flows"]) == [1, 3, 4]


# -- maps/lru_hash, lru_percpu_hash --------------------------------------------------------


def test_lru_hash_evicts_the_unused_key_instead_of_failing(load: Load) -> None:
    obj = load("maps/lru_hash")
    obj.programs["exercise"].test_run()
    assert dict(obj.globals) == {"first_insert": 0, "insert_again": -EEXIST, "insert_fifth": 0, "used_sum": 600}
    assert dict(obj.maps["recent"]) == {1: 100, 2: 200, 3: 300, 5: 500}


def test_lru_percpu_hash_counts_per_cpu(load: Load) -> None:
    obj = load("maps/lru_percpu_hash")
    touch = obj.programs["touch"]
    assert [touch.test_run(ctx=struct.pack("<I", 1), cpu=cpu).retval for cpu in (0, 1, 1)] == [1, 1, 2]
    assert obj.maps["per_cpu_seen"][1] == [1, 2]


def test_lru_percpu_hash_evicts_the_unused_key(load: Load) -> None:
    obj = load("maps/lru_percpu_hash")  # a fresh map: the kernel's LRU is exact only then
    obj.programs["exercise"].test_run(cpu=1)
    assert obj.globals["insert_fifth"] == 0
    assert dict(obj.maps["per_cpu_seen"]) == {11: [0, 7], 12: [0, 7], 13: [0, 7], 15: [0, 7]}


# -- maps/array_of_maps, hash_of_maps ------------------------------------------------------

QUOTA = struct.Struct("<IIQQ")


def test_array_of_maps_initialisers_and_inner_lookups(load: Load) -> None:
    obj = load("maps/array_of_maps")
    obj.maps["quota_eu"][1] = 100
    obj.maps["quota_us"][1] = 10
    take = obj.programs["take_quota"]
    results = []
    for region, user, amount in [(0, 1, 30), (0, 1, 80), (2, 1, 10), (1, 1, 1), (0, 7, 1), (0, 1, 70)]:
        res = take.test_run(ctx=QUOTA.pack(region, user, amount, 0))
        results.append((s32(res.retval), QUOTA.unpack(res.ctx_out)[3]))
    assert results == [(0, 70), (-ENOSPC, 70), (0, 0), (-ENOENT, 0), (-ENOENT, 0), (0, 0)]
    assert dict(obj.globals) == {"granted": 3, "no_region": 1, "over_quota": 1, "last_result": 0}
    regions = obj.maps["regions"]
    assert sorted(regions) == [0, 2]
    assert regions[0].name == "quota_eu" and regions[2].name == "quota_us"
    assert dict(regions[2]) == {0: 0, 1: 0, 2: 0, 3: 0}


def test_array_of_maps_takes_a_new_inner_map_from_user_space(load: Load) -> None:
    obj = load("maps/array_of_maps")
    regions = obj.maps["regions"]
    regions[1] = obj.maps["quota_us"]  # region 1 now shares the US table
    obj.maps["quota_us"][2] = 5
    res = obj.programs["take_quota"].test_run(ctx=QUOTA.pack(1, 2, 4, 0))
    assert (res.retval, QUOTA.unpack(res.ctx_out)[3]) == (0, 1)
    assert obj.maps["quota_us"][2] == 1
    del regions[1]
    res = obj.programs["take_quota"].test_run(ctx=QUOTA.pack(1, 2, 1, 0))
    assert s32(res.retval) == -ENOENT


def test_hash_of_maps_updates_inner_hash_maps(load: Load) -> None:
    obj = load("maps/hash_of_maps")
    add = obj.programs["add_usage"]
    records = [(1, 10, 100), (1, 10, 50), (7, 1, 5), (2, 1, 1), (7, 2, 1), (7, 3, 1), (7, 4, 1), (7, 5, 1)]
    got = [s32(add.test_run(ctx=struct.pack("<IIQ", *r)).retval) for r in records]
    assert got == [0, 0, 0, -ENOENT, 0, 0, 0, -E2BIG]
    assert dict(obj.globals) == {"unknown_tenant": 1, "last_error": -E2BIG}
    assert dict(obj.maps["usage_acme"]) == {10: 150}
    assert dict(obj.maps["usage_globex"]) == {1: 5, 2: 1, 3: 1, 4: 1}
    tenants = obj.maps["tenants"]
    assert {k: v.name for k, v in tenants.items()} == {1: "usage_acme", 7: "usage_globex"}


# -- maps/prog_array -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proto", "verdict", "counters"),
    [
        pytest.param(ETH_P_IP, XDP_PASS, (1, 0, 0), id="ipv4-handler"),
        pytest.param(ETH_P_IPV6, XDP_DROP, (0, 1, 0), id="ipv6-handler"),
        pytest.param(ETH_P_ARP, XDP_PASS, (0, 0, 1), id="empty-slot-falls-through"),
        pytest.param(0x88CC, XDP_PASS, (0, 0, 1), id="unknown-ethertype-falls-through"),
    ],
)
def test_tail_calls_dispatch_through_the_program_array(
    load: Load, proto: int, verdict: int, counters: tuple[int, int, int]
) -> None:
    obj = load("maps/prog_array")
    res = obj.programs["dispatch"].test_run(data=eth(proto))
    assert res.retval == verdict
    g = obj.globals
    assert (g["ipv4_packets"], g["ipv6_packets"], g["fell_through"]) == counters


def test_program_array_slots_are_set_from_user_space(load: Load) -> None:
    obj = load("maps/prog_array")
    handlers = obj.maps["handlers"]
    assert {k: v.name for k, v in handlers.items()} == {0: "handle_ipv4", 1: "handle_ipv6"}
    handlers[2] = obj.programs["handle_ipv6"]  # ARP now goes to the IPv6 handler
    assert obj.programs["dispatch"].test_run(data=eth(ETH_P_ARP)).retval == XDP_DROP
    del handlers[0]
    assert obj.programs["dispatch"].test_run(data=eth(ETH_P_IP)).retval == XDP_PASS
    assert (obj.globals["ipv4_packets"], obj.globals["fell_through"]) == (0, 1)
    with pytest.raises(pybpf.MapError) as err:
        handlers[3] = 5
    assert err.value.errno == 9  # EBADF: not a program


# -- maps/ringbuf --------------------------------------------------------------------------

EVENT = struct.Struct("<IIQ")


def test_ringbuf_reserve_submit_discard_output_and_query(load: Load) -> None:
    obj = load("maps/ringbuf")
    assert obj.programs["produce"].test_run().retval == 0
    assert dict(obj.globals) == {
        "reserved": 1, "oversized_refused": 1, "flagged_refused": 1, "output_result": 0,
        "output_bad_flags": -EINVAL, "avail_data": 3 * 24, "ring_size": 4096,
        "consumer_pos": 0, "producer_pos": 3 * 24,
    }
    records: list[bytes] = []
    assert obj.maps["events"].poll(records.append) == 2
    assert [EVENT.unpack(r) for r in records] == [(1, 1, 100), (3, 2, 300)]  # not the discarded one
    obj.programs["produce"].test_run()
    g = obj.globals
    assert (g["consumer_pos"], g["producer_pos"], g["avail_data"]) == (72, 144, 72)


# -- maps/queue, maps/stack ----------------------------------------------------------------


def test_queue_is_fifo_with_kernel_errors(load: Load) -> None:
    obj = load("maps/queue")
    obj.programs["exercise"].test_run()
    assert dict(obj.globals) == {
        "push_when_full": -E2BIG, "push_overwrite": 0, "push_bad_flags": -EINVAL, "peeked": 20,
        "popped": [20, 30, 40, 60], "pop_when_empty": -ENOENT, "peek_when_empty": -ENOENT,
    }
    jobs = obj.maps["jobs"]
    assert (jobs.peek(), jobs.pop(), jobs.pop(), jobs.pop(None)) == (7, 7, 8, None)


def test_stack_is_lifo_and_overwrite_drops_the_bottom(load: Load) -> None:
    obj = load("maps/stack")
    obj.programs["exercise"].test_run()
    assert dict(obj.globals) == {
        "push_when_full": -E2BIG, "push_overwrite": 0, "peeked": 60, "popped": [60, 40, 30, 20],
        "pop_when_empty": -ENOENT,
    }
    undo = obj.maps["undo"]
    assert (undo.peek(), undo.pop(), undo.pop(), undo.pop(None)) == (2, 2, 1, None)
