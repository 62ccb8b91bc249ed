"""pybpf against the live kernel: the same object, the same steps, the same answers.

Each scenario runs on the kernel (libbpf, BPF_PROG_RUN) and on pybpf, and the runner compares
every step's result and the full contents of every map after every step (see
``_differential.py``). The C programs in ``testdata/`` record each helper's return value in
global arrays, so comparing ``.bss`` compares every errno a program sees.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pybpf
from pybpf._spec import ProgType
from pybpf.elf import load_collection
from pybpf.helpers import BY_ID
from pybpf.maps import SUPPORTED_TYPES, MapType

from ._differential import (
    Consume,
    Delete,
    Lookup,
    LookupAndDelete,
    NextKey,
    Run,
    Update,
    compare,
    compare_load,
    last_line,
)

pytestmark = pytest.mark.kernel


def u32(n: int) -> bytes:
    return (n & 0xFFFF_FFFF).to_bytes(4, "little")


def u64(n: int) -> bytes:
    return (n & (2**64 - 1)).to_bytes(8, "little")


# -- hash maps -------------------------------------------------------------------------------


@pytest.mark.parametrize("program", ["hash_ops", "hash_noprealloc_ops", "pcpu_hash_ops", "lru_ops", "lru_pcpu_ops"])
def test_hash_errnos_from_programs(testdata, program):
    compare(testdata("hash_errno"), [Run(program), Run(program)])


def _hash_user_steps(name: str, fill: bool) -> list:
    steps = [
        Update(name, u32(1), u64(10)),
        Update(name, u32(1), u64(11), 1),  # BPF_NOEXIST: EEXIST
        Update(name, u32(2), u64(20), 2),  # BPF_EXIST: ENOENT
        Update(name, u32(2), u64(20), 3),  # EINVAL
        Update(name, u32(2), u64(20), 8),  # EINVAL
        Update(name, u32(2), u64(20), 4),  # BPF_F_LOCK without a spin lock: EINVAL
        Update(name, u32(2), u64(20), 1),
    ]
    if fill:
        steps += [
            Update(name, u32(3), u64(30)),
            Update(name, u32(4), u64(40)),
            Update(name, u32(5), u64(50)),  # full: E2BIG
            Update(name, u32(1), u64(12)),  # replacing works when full
        ]
    return steps + [
        Lookup(name, u32(1)),
        Lookup(name, u32(9)),
        Lookup(name, u32(1), 4),  # BPF_F_LOCK: EINVAL
        Lookup(name, u32(1), 8),  # EINVAL
        Delete(name, u32(9)),
        Delete(name, u32(2)),
        Delete(name, u32(2)),
        LookupAndDelete(name, u32(3)),
        LookupAndDelete(name, u32(3)),
        NextKey(name, u32(77)),
        NextKey(name, None),
        Run("read_back"),
    ]


@pytest.mark.parametrize("name", ["hash", "hash_noprealloc", "pcpu_hash", "pcpu_noprealloc"])
def test_hash_errnos_from_user_space(testdata, name):
    compare(testdata("hash_errno"), _hash_user_steps(name, fill=True))


@pytest.mark.parametrize("name", ["lru", "lru_pcpu"])
def test_lru_errnos_from_user_space(testdata, name):
    compare(testdata("hash_errno"), _hash_user_steps(name, fill=False))


def test_lru_flood_keeps_the_newest_keys(testdata):
    """Which old keys a full LRU map evicts is the kernel's approximation (per-CPU free lists,
    reference bits; it varies between kernel versions) and pybpf keeps an exact LRU order: only
    what both guarantee is compared. Every insert succeeds, the map stays within its capacity
    and the newest key is there."""
    report = compare(testdata("hash_errno"), [Run("lru_flood")], ignore_maps=["lru"])
    for side in (report.final, report.pybpf_final):
        assert 0 < len(side["lru"]) <= 4
        assert u32(111) in side["lru"]


def test_hash_per_cpu_values_from_user_space(testdata):
    steps = [
        Update("pcpu_hash", u32(1), [u64(1), u64(2)]),
        Run("read_back"),
        Lookup("pcpu_hash", u32(1)),
    ]
    compare(testdata("hash_errno"), steps)


# -- arrays ----------------------------------------------------------------------------------


@pytest.mark.parametrize("program", ["array_ops", "pcpu_array_ops", "pcpu_odd_ops"])
def test_array_errnos_from_programs(testdata, program):
    compare(testdata("array_errno"), [Run(program), Run(program)])


@pytest.mark.parametrize("name", ["arr", "pcpu_arr"])
def test_array_errnos_from_user_space(testdata, name):
    size = 8 if name == "arr" else 4
    value = bytes(range(1, size + 1))
    steps = [
        Update(name, u32(0), value),
        Update(name, u32(0), value, 1),  # BPF_NOEXIST: EEXIST
        Update(name, u32(1), value, 2),
        Update(name, u32(4), value),  # E2BIG
        Update(name, u32(1), value, 3),
        Update(name, u32(1), value, 8),
        Update(name, u32(1), value, 4),  # BPF_F_LOCK without a spin lock
        Delete(name, u32(0)),  # EINVAL
        Delete(name, u32(7)),
        Lookup(name, u32(4)),  # ENOENT
        Lookup(name, u32(0)),
        Lookup(name, u32(0), 4),
        LookupAndDelete(name, u32(0)),
        NextKey(name, None),
        NextKey(name, u32(3)),
        NextKey(name, u32(9)),
        NextKey(name, u32(1)),
    ]
    compare(testdata("array_errno"), steps)


# -- queues and stacks -----------------------------------------------------------------------


@pytest.mark.parametrize("program", ["queue_ops", "stack_ops"])
def test_queue_stack_from_programs(testdata, program):
    compare(testdata("queue_stack"), [Run(program), Run(program)])


@pytest.mark.parametrize("name", ["queue", "stack"])
def test_queue_stack_from_user_space(testdata, name):
    steps = [
        Lookup(name, None),  # peek on empty: ENOENT
        LookupAndDelete(name, None),  # pop on empty: ENOENT
        Update(name, None, u32(1)),
        Update(name, None, u32(2), 1),  # BPF_NOEXIST: EINVAL
        Update(name, None, u32(2), 8),  # EINVAL
        Update(name, None, u32(2)),
        Update(name, None, u32(3)),
        Update(name, None, u32(4)),  # full: E2BIG
        Update(name, None, u32(5), 2),  # BPF_EXIST: drops the oldest
        Lookup(name, None),
        Lookup(name, None, 4),  # flags: EINVAL
        LookupAndDelete(name, None),
        Delete(name, b""),  # EINVAL
        NextKey(name, None),  # EINVAL
        Run("pop_one"),
    ]
    compare(testdata("queue_stack"), steps)


# -- ring buffers ----------------------------------------------------------------------------


def test_ringbuf_output_reserve_query(testdata):
    compare(testdata("ringbuf"), [Run("produce"), Run("produce")])


def test_ringbuf_fills_up(testdata):
    compare(testdata("ringbuf"), [Run("produce"), Run("fill")])


def test_ringbuf_consumer_position(testdata):
    """What user space consumed moves the consumer position programs query; discarded
    records are skipped; the space is reused."""
    steps = [Run("produce"), Consume("rb"), Run("produce"), Run("fill"), Consume("rb"), Run("fill"), Consume("rb")]
    compare(testdata("ringbuf"), steps)


def test_ringbuf_from_user_space(testdata):
    steps = [
        Lookup("rb", None),
        Update("rb", None, b""),
        Delete("rb", b""),
        NextKey("rb", None),
    ]
    compare(testdata("ringbuf"), steps)


# -- callbacks -------------------------------------------------------------------------------


def test_bpf_loop(testdata):
    compare(testdata("callbacks"), [Run("loops")])


def test_for_each_map_elem(testdata):
    compare(testdata("callbacks"), [Run("walk"), Run("walk")])


@pytest.mark.parametrize("program", ["walk_hash", "walk_lru"])
def test_for_each_map_elem_callbacks_deleting_elements_visit_each_once(testdata, program):
    compare(testdata("walk_delete"), [Run(program)])


# -- bpf_snprintf ----------------------------------------------------------------------------


def test_snprintf_output_and_return_values(testdata):
    compare(testdata("snprintf"), [Run("format")])


@pytest.mark.parametrize(
    ("fmt", "length"),
    [
        ('"%d %d"', "8"),  # more conversions than arguments
        ('"%d"', "16"),  # more arguments than conversions
        ('"%k"', "8"),  # unknown conversion
        ('"%d"', "12"),  # not a multiple of 8
        ('"%.3d"', "8"),  # precision
        ('"%#x"', "8"),  # the '#' flag
        ('"%+d|% d|%-3d|%03d"', "32"),
        ('"%+x|% u|%-05d|%0-5d|"', "32"),
        ('"%hd"', "8"),
        ('"%zu"', "8"),
        ('"%l"', "8"),
        ('"%lllx"', "8"),
        ('"%ls"', "8"),
        ('"%sx"', "8"),  # a string conversion followed by a letter
        ('"%s|%5s|"', "16"),  # unreadable strings print as nothing
        ('"%pks|%pus|"', "16"),
        ('"%px|%-20px|%20px"', "24"),
        ('"%pI4|%pi4|%pI6|%pi6"', "32"),  # unreadable addresses print as zeros
        ('"%20pI4|%-20pi4|%20pB|"', "24"),  # copied without padding
        ('"%pi4|%pI6|%pI4|%d"', "32"),  # only while the output has room
        ('"%ps|%pS|%pB"', "24"),
        ('"%p5"', "8"),
        ('"%pN"', "8"),
        ('"%lli %llX"', "16"),
        ('"%c|%3c|%-3c|"', "24"),
        ('"tab\\there"', "0"),
        ('"bell\\a"', "0"),  # not printable
        ('"%1000000000d|"', "8"),  # widths are clamped (FIELD_WIDTH_MAX), the return value too
        ('"%8388607d|%8388608x"', "16"),
        ('"%-4294967297d|"', "8"),  # a width past int: the kernel's parse wraps
        ('"%99999999999999999999u|"', "8"),
        ('"%2147483648d|%-2147483649d|"', "16"),
    ],
)
def test_snprintf_formats(testdata, fmt, length):
    """The verifier checks constant formats at load: both must accept or refuse each, and
    what they print must agree."""
    path = testdata("snprintf", FMT=fmt, LEN=length)
    outcome = compare_load(path)
    if not outcome.kernel_errno:
        compare(path, [Run("format_one")])


@pytest.mark.parametrize("fmt", ['"%p|%pK|"', '"%20p|%-20pK|"'])
def test_snprintf_hashed_pointers(testdata, fmt):
    """The kernel prints %p and %pK as a hash keyed per boot: only the shape can agree (the
    return value, and where the hex digits and padding are)."""
    path = testdata("snprintf", FMT=fmt, LEN="16")
    report = compare(path, [Run("format_one")], ignore_maps=["snprintf.bss"])
    shapes = []
    for final in (report.final, report.pybpf_final):
        bss = final["snprintf.bss"][bytes(4)]
        text = bss[7 * 48 : 8 * 48].split(b"\0")[0].decode()
        shapes.append((len(text), [m.start() for m in re.finditer(r"\|", text)]))
    assert shapes[0] == shapes[1]


# -- packets ---------------------------------------------------------------------------------


def ipv4_udp_packet(dst_mac: bytes = bytes.fromhex("020000000002")) -> bytes:
    """A 64-byte Ethernet/IPv4/UDP frame (checksums left zero)."""
    eth = dst_mac + bytes.fromhex("020000000001") + b"\x08\x00"
    ip = bytes.fromhex("45000032" "12340000" "40110000" "0a000001" "0a000002")  # len 50, TTL 64, UDP
    udp = bytes.fromhex("1f9004d2" "001e0000")
    payload = bytes(range(22))
    frame = eth + ip + udp + payload
    assert len(frame) == 64
    return frame


PACKET = ipv4_udp_packet()
#: what a test run may put in struct __sk_buff (convert___skb_to_skb): mark, priority, cb[]...
SKB_CTX = (
    bytes(8) + (7).to_bytes(4, "little")  # mark
    + bytes(20) + (3).to_bytes(4, "little")  # priority
    + bytes(12) + b"".join((i + 1).to_bytes(4, "little") for i in range(5))  # cb[5]
).ljust(192, b"\0")


@pytest.mark.parametrize("program", ["tc_fields", "tc_rewrite", "sock_fields", "sock_drop"])
def test_skb_programs(testdata, program):
    compare(testdata("packet"), [Run(program, data=PACKET), Run(program, ctx=SKB_CTX, data=PACKET)])


@pytest.mark.parametrize("program", ["tc_fields", "sock_fields"])
@pytest.mark.parametrize(
    "dst_mac", ["ffffffffffff", "01005e000001", "000000000000"], ids=["broadcast", "multicast", "host"]
)
def test_skb_packet_types(testdata, program, dst_mac):
    compare(testdata("packet"), [Run(program, data=ipv4_udp_packet(bytes.fromhex(dst_mac)))])


@pytest.mark.parametrize("program", ["xdp_fields", "xdp_rewrite"])
def test_xdp_programs(testdata, program):
    compare(testdata("packet"), [Run(program, data=PACKET)])


@pytest.mark.parametrize(
    ("ctx", "data"),
    [
        (None, None),  # no packet
        (None, PACKET[:13]),  # shorter than an Ethernet header
        (None, PACKET[:14]),
        (bytes(193), PACKET),  # ctx larger than struct __sk_buff
        (bytes(4) + b"\1" + bytes(187), PACKET),  # a field test runs may not set (pkt_type)
        (bytes(40) + (99).to_bytes(4, "little") + bytes(148), PACKET),  # ifindex of no device
        (bytes(20), PACKET),  # a short ctx
    ],
    ids=["no-data", "short-data", "eth-only", "big-ctx", "bad-field", "bad-ifindex", "short-ctx"],
)
def test_skb_test_run_input_checks(testdata, ctx, data):
    compare(testdata("packet"), [Run("tc_fields", ctx=ctx, data=data), Run("sock_fields", ctx=ctx, data=data)])


@pytest.mark.parametrize(
    ("ctx", "data"),
    [(None, None), (None, PACKET[:13]), (bytes(24), PACKET), (bytes(25), PACKET), (bytes(8), PACKET)],
    ids=["no-data", "short-data", "zero-ctx", "big-ctx", "short-ctx"],
)
def test_xdp_test_run_input_checks(testdata, ctx, data):
    compare(testdata("packet"), [Run("xdp_fields", ctx=ctx, data=data)])


def test_syscall_test_run_input_checks(testdata):
    steps = [
        Run("read_back", data=PACKET),  # syscall programs take no packet
        Run("read_back", ctx=bytes(16)),
        Run("read_back", repeat=2),  # nor a repeat
        Run("read_back", ctx=bytes(65536)),  # over U16_MAX
        Run("read_back", ctx=bytes(65535)),
    ]
    compare(testdata("hash_errno"), steps)


@pytest.mark.parametrize("size", [0, 11, 12, 40])
def test_syscall_ctx_shorter_than_the_program_reads(testdata, size):
    """The kernel refuses a syscall program's run when the context is shorter than the
    furthest access the verifier saw (here: 12 bytes, through a spilled pointer too)."""
    ctx = None if size == 0 else bytes(range(size))
    compare(testdata("ctx_args"), [Run("read_args", ctx=ctx), Run("write_args", ctx=ctx)])


@pytest.mark.parametrize("repeat", [0, 1, 3])
def test_repeat(testdata, repeat):
    compare(testdata("tailcall"), [Run("call_hit", data=PACKET, repeat=repeat)])


# -- tail calls ------------------------------------------------------------------------------


@pytest.mark.parametrize("program", ["call_hit", "call_empty", "call_out_of_range", "call_chain"])
def test_tail_calls(testdata, program):
    compare(testdata("tailcall"), [Run(program, data=PACKET), Run(program, data=PACKET)])


# -- the examples ----------------------------------------------------------------------------

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("**/*.bpf.c"))
#: the program types an example may have to run here: each runs once, from a test run
RUNNABLE = {ProgType.SYSCALL, ProgType.SCHED_CLS, ProgType.SCHED_ACT, ProgType.SOCKET_FILTER, ProgType.XDP}
#: helpers whose results differ between any two runs, kernel or not
UNREPEATABLE = {"bpf_get_prandom_u32", "bpf_ktime_get_ns", "bpf_ktime_get_boot_ns", "bpf_ktime_get_coarse_ns",
                "bpf_ktime_get_tai_ns", "bpf_get_current_pid_tgid"}


@pytest.mark.parametrize("source", EXAMPLES, ids=[str(p.relative_to(EXAMPLES_DIR)) for p in EXAMPLES])
def test_example(build, source):
    """Every example whose programs test_run can drive (syscall, tc, socket, xdp) and that uses
    no timers: each program runs once in file order (no ctx for syscall programs, a 64-byte
    Ethernet/IPv4 frame for the others), then syscall programs that read a context once more
    with a zeroed one; everything is compared, except what programs calling random numbers or
    clocks store (their return values are)."""
    if "bpf_timer" in source.read_text():
        pytest.skip("uses timers: compared with real time passing in test_timer_examples.py")
    path = build(source)
    spec = load_collection(path)
    other = sorted({p.type.name.lower() for p in spec.programs.values() if p.type not in RUNNABLE})
    if other:
        pytest.skip(f"has {', '.join(other)} programs")
    unrepeatable = {
        name: sorted(calls & UNREPEATABLE)
        for name, program in spec.programs.items()
        if (calls := {BY_ID[i.imm].name for i in program.instructions
                      if i.opcode == 0x85 and i.src == 0 and i.imm in BY_ID}) & UNREPEATABLE
    }
    outcome = compare_load(path)
    if outcome.kernel_errno:
        if outcome.pybpf_error is None:
            pytest.fail(f"the kernel refuses {source.name} and pybpf loads it:\n{outcome.kernel_log}")
        pytest.skip(f"both refuse {source.name}: kernel {last_line(outcome.kernel_log)}; pybpf {outcome.pybpf_error}")
    steps = []
    for name, program in spec.programs.items():
        if not program.autoload:
            continue
        steps.append(Run(name) if program.type == ProgType.SYSCALL else Run(name, data=PACKET))
    # Syscall programs that read an argument struct are refused without one (EINVAL): run
    # those once more with a zeroed one, as long as what pybpf computes they read.
    with pybpf.Runtime(clock="virtual") as rt:
        loaded = rt.load(path)
        steps += [
            Run(step.program, ctx=bytes(loaded.programs[step.program].max_ctx_offset))
            for step in list(steps)
            if step.data is None and loaded.programs[step.program].max_ctx_offset
        ]
        every_map = list(loaded.maps)
    # Which keys a full LRU map evicts is the kernel's approximation (see
    # test_lru_flood_keeps_the_newest_keys): only their sizes are compared.
    lru = [m.name for m in spec.maps.values() if m.type in (MapType.LRU_HASH, MapType.LRU_PERCPU_HASH)]
    report = compare(path, [s for s in steps if s.program not in unrepeatable], ignore_maps=lru)
    for name in lru:
        assert len(report.final[name]) == len(report.pybpf_final[name]), name
    # Programs calling helpers whose results no two runs share (random numbers, clocks) store
    # what differs: of those, what each run returns is compared, not what it leaves in maps.
    if unrepeatable:
        compare(path, [s for s in steps if s.program in unrepeatable], ignore_maps=every_map)


# -- global data -----------------------------------------------------------------------------


def test_global_data_sections(testdata):
    """.rodata is frozen at load (EPERM from user space), .data and .bss are one-element
    arrays; programs and user space see each other's writes."""
    zero, one = u32(0), u32(1)
    steps = [
        Run("step"),
        Lookup("globals.rodata", zero),
        Update("globals.rodata", zero, bytes(12)),  # frozen: EPERM
        Update("globals.data", zero, u32(11) + bytes(4) + u64(-1)),
        Run("step"),
        Run("step"),
        Run("step"),
        Update("globals.bss", one, bytes(11)),  # E2BIG
        Delete("globals.bss", zero),  # EINVAL
        Lookup("globals.data", one),  # ENOENT
        NextKey("globals.bss", None),
        NextKey("globals.bss", zero),
        LookupAndDelete("globals.data", zero),
    ]
    compare(testdata("globals"), steps)


# -- timers and spin locks -------------------------------------------------------------------


def test_timer_helper_results(testdata):
    """Everything a timer helper returns within one run; nothing stays armed (a timer's
    firing is the business of tests/timers, on a virtual clock)."""
    compare(testdata("timers_locks"), [Run("timers", data=PACKET), Run("timers", data=PACKET)])


def test_spin_locks_and_bpf_f_lock(testdata):
    lval = u32(9) + u32(0xFFFF) + u64(10)  # user space's lock word is ignored
    steps = [
        Run("locks", data=PACKET),
        Lookup("locked", u32(1), 4),  # BPF_F_LOCK
        Update("locked", u32(1), lval, 4 | 2),
        Update("locked", u32(3), lval, 4 | 1),
        Update("locked", u32(3), lval, 4 | 1),  # EEXIST
        Lookup("locked", u32(3), 4),
        Lookup("locked", u32(3), 8),  # EINVAL
        Run("locks", data=PACKET),
    ]
    compare(testdata("timers_locks"), steps)


@pytest.mark.parametrize("engine", ["interpreter", "jit"])
def test_spin_locks_in_a_loop_on_either_engine(testdata, monkeypatch, engine):
    """The JIT takes these locks natively and copies BPF_F_LOCK values around them."""
    monkeypatch.setenv("PYBPF_ENGINE", engine)
    value = u64(9) + u32(0xFFFF) + u32(8) + u64(7)  # user space's lock word is ignored
    steps = [
        Run("loop"),
        Lookup("locked", u32(1), 4),
        Update("locked", u32(2), value, 4 | 2),
        Lookup("alocked", u32(0), 4),
        Update("alocked", u32(1), value, 4),
        Run("loop"),
        Delete("locked", u32(0)),
        Run("loop"),
    ]
    compare(testdata("native_locks"), steps)


def _frame(ethertype: str, size: int) -> bytes:
    return (bytes.fromhex("020000000002020000000001") + bytes.fromhex(ethertype)).ljust(size, b"\x45")


@pytest.mark.parametrize(
    ("ethertype", "size"),
    [("0800", 33), ("0800", 34), ("86dd", 53), ("86dd", 54), ("88b5", 14), ("88b5", 15), ("0806", 20),
     ("0800", 3712), ("0800", 3713)],
)
def test_skb_packet_sizes(testdata, ethertype, size):
    """How big a frame must be (an IPv4/IPv6 one: its whole network header) and may be."""
    frame = _frame(ethertype, size)
    compare(testdata("packet"), [Run("tc_fields", data=frame), Run("sock_fields", data=frame)])


def _skb_ctx(**fields: int) -> bytes:
    offsets = {"mark": 8, "priority": 32, "ingress_ifindex": 36, "ifindex": 40, "tstamp": 152,
               "wire_len": 160, "gso_segs": 164, "gso_size": 176, "hwtstamp": 184}
    ctx = bytearray(192)
    for name, value in fields.items():
        size = 8 if name in ("tstamp", "hwtstamp") else 4
        ctx[offsets[name] : offsets[name] + size] = value.to_bytes(size, "little")
    return bytes(ctx)


@pytest.mark.parametrize(
    "ctx",
    [
        _skb_ctx(wire_len=10),  # shorter than the packet
        _skb_ctx(wire_len=100),
        _skb_ctx(wire_len=65537),
        _skb_ctx(gso_segs=70000),
        _skb_ctx(gso_segs=3, gso_size=100, tstamp=5, hwtstamp=6, mark=1, priority=2),
        _skb_ctx(ingress_ifindex=5, ifindex=1),
        _skb_ctx() + bytes(8),  # a longer ctx whose tail is zero
        _skb_ctx() + b"\1",  # ... and one whose tail is not: E2BIG
        bytes(5000),
    ],
    ids=["wire_len-short", "wire_len", "wire_len-huge", "gso_segs-huge", "fields", "ingress", "zero-tail",
         "nonzero-tail", "over-a-page"],
)
def test_skb_ctx_in(testdata, ctx):
    compare(testdata("packet"), [Run("tc_fields", ctx=ctx, data=PACKET), Run("tc_rewrite", ctx=ctx, data=PACKET),
                                 Run("sock_fields", ctx=ctx, data=PACKET)])


def _xdp_md(data: int = 0, data_end: int = 0, data_meta: int = 0, ingress: int = 0, rxq: int = 0) -> bytes:
    return b"".join(v.to_bytes(4, "little") for v in (data, data_end, data_meta, ingress, rxq, 0))


@pytest.mark.parametrize(
    ("ctx", "size"),
    [
        (_xdp_md(data_end=64), 64),
        (_xdp_md(data_end=63), 64),  # a shorter linear part
        (_xdp_md(), 64),
        (_xdp_md(data_end=65), 64),
        (_xdp_md(data=4, data_end=64), 64),  # 4 bytes of metadata
        (_xdp_md(data=216, data_end=280), 280),
        (_xdp_md(data=220, data_end=284), 284),
        (_xdp_md(data=6, data_end=64), 64),
        (_xdp_md(data_meta=4, data_end=64), 64),
        (_xdp_md(data_end=64, ingress=1), 64),
        (_xdp_md(data_end=64, ingress=1, rxq=1), 64),
        (_xdp_md(data_end=4000), 5000),
        (_xdp_md(data=32, data_end=4000), 5000),
        (None, 3520),
        (None, 3521),  # beyond a page: the rest goes to fragments
        (None, 73152),
        (None, 73153),
    ],
)
def test_xdp_ctx_and_sizes(testdata, ctx, size):
    data = (PACKET * (size // 64 + 1))[:size]
    compare(testdata("packet"), [Run("xdp_fields", ctx=ctx, data=data), Run("xdp_rewrite", ctx=ctx, data=data)])


# -- maps of maps, probe reads, trace_printk -------------------------------------------------


def test_maps_of_maps_from_a_program(testdata):
    compare(testdata("misc"), [Run("through_outer"), Run("through_outer")])


def test_maps_of_maps_from_user_space(testdata):
    steps = [
        Lookup("outer", u32(1)),  # an empty slot: ENOENT
        Delete("outer", u32(0)),
        Delete("outer", u32(0)),  # ENOENT
        Delete("outer", u32(9)),  # E2BIG? EINVAL?
        Delete("outer_hash", u32(1)),
        Delete("outer_hash", u32(1)),
        NextKey("outer", None),
        NextKey("outer_hash", None),
        Run("through_outer"),
    ]
    compare(testdata("misc"), steps)


def test_probe_read_kernel(testdata):
    compare(testdata("misc"), [Run("probe_read")])


def test_trace_printk_results(testdata):
    """What bpf_trace_printk returns (the lines go to the kernel's trace pipe, not compared)."""
    compare(testdata("misc"), [Run("printk")])


# -- memlock ---------------------------------------------------------------------------------

MAP_SOURCES = sorted((Path(__file__).parent / "testdata").glob("*.bpf.c")) + sorted(
    (Path(__file__).resolve().parents[2] / "examples" / "maps").glob("*.bpf.c")
)


def _declaring(map_type: MapType) -> Path:
    pattern = re.compile(rf"BPF_MAP_TYPE_{map_type.name}\b")
    found = [p for p in MAP_SOURCES if p.name != "bad_maps.bpf.c" and pattern.search(p.read_text())]
    assert found, f"no kernel scenario declares a {map_type.name} map"
    return found[0]


@pytest.mark.parametrize("map_type", sorted(SUPPORTED_TYPES), ids=lambda t: MapType(t).name.lower())
def test_every_map_type_is_charged_what_the_kernel_charges(build, map_type):
    """compare() checks each map's memlock after every step; this makes sure every type pybpf
    creates is among the maps it checks."""
    source = _declaring(MapType(map_type))
    spec = load_collection(build(source))
    assert map_type in {m.type for m in spec.maps.values()}
    compare(build(source), [])


# -- map definitions the kernel refuses ------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    range(1, 16),
    ids=["array-0-entries", "percpu-array-timer", "percpu-hash-timer", "lru-spin-lock", "ringbuf-not-pow2",
         "lru-no-prealloc", "array-no-prealloc", "percpu-value-too-big", "queue-0-entries", "hash-0-entries",
         "array-8-byte-key", "percpu-array-spin-lock", "hash-spin-lock", "array-rdonly-mmapable", "hash-mmapable"],
)
def test_map_definitions(testdata, case):
    """Both accept the map (with the same attributes: libbpf rounds a ring buffer's size up),
    or both refuse it with the same errno. (When the kernel refuses a map because of its BTF,
    libbpf retries without BTF; pybpf does not, and compare_load accepts that.)"""
    path = testdata("bad_maps", CASE=str(case))
    outcome = compare_load(path)
    if outcome.kernel_errno and isinstance(outcome.pybpf_error, pybpf.MapError):
        assert outcome.pybpf_error.errno == outcome.kernel_errno, (outcome.kernel_log, outcome.pybpf_error)
    if not outcome.kernel_errno:
        compare(path, [])
