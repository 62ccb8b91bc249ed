"""The Runtime API as users see it: loading, test_run contracts, maps, globals, pins, hooks."""

from __future__ import annotations

import gc
import re
import struct
import threading
import time
from pathlib import Path

import pytest

import pybpf
from pybpf import BPF_EXIST, BPF_NOEXIST, SECOND

COUNTER = r"""
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, int); __type(value, long); }
    counts SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 2); __type(key, int); __type(value, long); }
    percpu SEC(".maps");
struct pair { int a; unsigned char b; };
int hits = 0;
long delta = -3;
bool seen = false;
char label[8] = "abc";
int history[3] = {1, 2, 3};
struct pair pair = {7, 8};
const volatile int limit = 10;
static int hidden = 5;
__u64 now = 0, cpu = 0, rand = 0;

SEC("syscall")
int bump(void *ctx)
{
    int key = 1, zero = 0;
    long one = 1, *v = bpf_map_lookup_elem(&counts, &key);
    if (v)
        __sync_fetch_and_add(v, 1);
    else
        bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
    long *p = bpf_map_lookup_elem(&percpu, &zero);
    if (p)
        *p += 1;
    hits += 1;
    hidden += 1;
    seen = true;
    now = bpf_ktime_get_ns();
    cpu = bpf_get_smp_processor_id();
    rand = bpf_get_prandom_u32();
    bpf_printk("hits=%d limit=%d", hits, limit);
    return hits < limit ? hits : -1;
}

struct args { int x; int y; int sum; };
SEC("syscall")
int add(struct args *a)
{
    a->sum = a->x + a->y;
    return a->sum;
}
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.fixture
def counter(c_file) -> Path:  # type: ignore[no-untyped-def]
    return c_file(COUNTER)  # type: ignore[no-any-return]


@pytest.fixture
def rt() -> pybpf.Runtime:
    with pybpf.Runtime(clock="virtual", seed=1) as runtime:
        yield runtime


def test_syscall_program_updates_maps_and_globals(rt: pybpf.Runtime, counter: Path) -> None:
    obj = rt.load(counter)
    bump = obj.programs["bump"]
    assert [bump.test_run().retval for _ in range(3)] == [1, 2, 3]
    assert obj.maps["counts"][1] == 3
    assert obj.globals["hits"] == 3 and obj.globals["seen"] is True
    assert "hidden" not in obj.globals  # static variables are not globals of the object


def test_programs_are_keyed_by_function_name(rt: pybpf.Runtime, counter: Path) -> None:
    obj = rt.load(counter)
    assert sorted(obj.programs) == ["add", "bump"]
    assert obj.programs["add"].section == "syscall"
    assert obj.name == "prog"


CHOOSE = r"""
SEC("?syscall") int optional(void *ctx) { return 1; }
SEC("syscall") int always(void *ctx) { return 2; }
SEC("syscall") int broken(void *ctx) { int x; return x; }
char LICENSE[] SEC("license") = "GPL";
"""


def test_programs_chooses_what_loads_as_libbpf_autoload_does(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    path = c_file(CHOOSE)
    with pytest.raises(pybpf.VerifierError, match="^R0 !read_ok$"):
        rt.load(path)  # "broken" loads by default, and reads an uninitialised r0
    obj = rt.load(path, programs=["optional"])
    assert list(obj.programs) == ["optional"]
    assert obj.programs["optional"].test_run().retval == 1
    with pytest.raises(ValueError, match="^load: no program 'missing' in object 'prog'; its programs: "):
        rt.load(path, programs=["missing"])
    with pytest.raises(TypeError):
        rt.load(path, programs="always")


def test_retval_is_the_kernels_u32(rt: pybpf.Runtime, counter: Path) -> None:
    obj = rt.load(counter, globals={"limit": 0})
    assert obj.programs["bump"].test_run().retval == 0xFFFF_FFFF


def test_ctx_goes_in_and_comes_back_out(rt: pybpf.Runtime, counter: Path) -> None:
    res = rt.load(counter).programs["add"].test_run(ctx=struct.pack("<iii", 40, 2, 0))
    assert res.retval == 42
    assert struct.unpack("<iii", res.ctx_out or b"") == (40, 2, 42)
    assert res.data_out is None


REPEAT = r"""
int runs = 0;
SEC("tc")
int count(void *skb) { runs++; return 7; }
char LICENSE[] SEC("license") = "GPL";
"""


def test_repeat_runs_the_program_that_many_times(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    obj = rt.load(c_file(REPEAT))
    res = obj.programs["count"].test_run(data=bytes(64), repeat=5)
    assert res.retval == 7 and res.duration_ns > 0
    assert obj.globals["runs"] == 5


def test_syscall_programs_refuse_repeat_like_the_kernel(rt: pybpf.Runtime, counter: Path) -> None:
    with pytest.raises(pybpf.TestRunError) as info:
        rt.load(counter).programs["bump"].test_run(repeat=5)
    assert info.value.errno == 22


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"data": b"x" * 20}, r"^test_run: syscall programs take no data \(EINVAL\)$", id="syscall-data"),
        pytest.param({"cpu": 2}, r"^test_run: cpu 2 is not one of the runtime's 2 CPUs \(ENXIO\)$", id="bad-cpu"),
    ],
)
def test_test_run_refuses_what_the_kernel_refuses(rt: pybpf.Runtime, counter: Path, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(pybpf.TestRunError, match=message):
        rt.load(counter).programs["bump"].test_run(**kwargs)  # type: ignore[arg-type]


def test_virtual_clock_drives_ktime(rt: pybpf.Runtime, counter: Path) -> None:
    obj = rt.load(counter)
    obj.programs["bump"].test_run()
    assert obj.globals["now"] == SECOND
    rt.advance(5 * SECOND)
    obj.programs["bump"].test_run()
    assert obj.globals["now"] == 6 * SECOND


def test_program_runs_on_the_cpu_asked_for(rt: pybpf.Runtime, counter: Path) -> None:
    obj = rt.load(counter)
    obj.programs["bump"].test_run(cpu=1)
    assert obj.globals["cpu"] == 1
    assert obj.maps["percpu"][0] == [0, 1]


def test_seed_makes_prandom_reproducible(tmp_path: Path, counter: Path) -> None:
    values = []
    for _ in range(2):
        with pybpf.Runtime(clock="virtual", seed=42) as runtime:
            obj = runtime.load(counter)
            obj.programs["bump"].test_run()
            values.append(obj.globals["rand"])
    assert values[0] == values[1]


def test_trace_lines_collect_printk_output(rt: pybpf.Runtime, counter: Path) -> None:
    rt.load(counter).programs["bump"].test_run()
    assert rt.trace_lines() == ["hits=1 limit=10"]
    (record,) = rt.trace_fields()
    assert (record.cpu, record.timestamp_ns, record.message) == (0, SECOND, "hits=1 limit=10")


def test_globals_are_typed_by_btf(rt: pybpf.Runtime, counter: Path) -> None:
    g = rt.load(counter).globals
    assert g["delta"] == -3
    assert g["label"] == b"abc"
    assert g["history"] == [1, 2, 3]
    assert g["pair"] == {"a": 7, "b": 8}
    g["history"] = [4, 5, 6]
    g["pair"] = {"a": -1, "b": 255}
    assert (g["history"], g["pair"]) == ([4, 5, 6], {"a": -1, "b": 255})


def test_global_writes_are_seen_by_programs(rt: pybpf.Runtime, counter: Path) -> None:
    obj = rt.load(counter)
    obj.globals["hits"] = 100
    assert obj.programs["bump"].test_run().retval == 0xFFFF_FFFF
    assert obj.globals["hits"] == 101


def test_rodata_is_set_at_load_and_frozen_after(rt: pybpf.Runtime, counter: Path) -> None:
    obj = rt.load(counter, globals={"limit": 2})
    assert obj.globals["limit"] == 2
    with pytest.raises(pybpf.MapError, match=r"global 'limit' is in read-only data, frozen after load") as info:
        obj.globals["limit"] = 3
    assert info.value.errno == 1


def test_unknown_global_at_load_is_an_error(rt: pybpf.Runtime, counter: Path) -> None:
    with pytest.raises(ValueError, match=r"^load: no global 'nope' in object 'prog' \(globals: cpu, delta, "):
        rt.load(counter, globals={"nope": 1})
    with pytest.raises(TypeError, match=r"^load: globals must be keyed by the names \(str\)"):
        rt.load(counter, globals={5: 1})


def test_maps_behave_as_mutable_mappings(rt: pybpf.Runtime, counter: Path) -> None:
    m = rt.load(counter).maps["counts"]
    m[2] = 20
    m.update_elem(3, 30, BPF_NOEXIST)
    with pytest.raises(pybpf.MapError) as info:
        m.update_elem(3, 31, BPF_NOEXIST)
    assert info.value.errno == 17
    with pytest.raises(pybpf.MapError) as info:
        m.update_elem(9, 1, BPF_EXIST)
    assert info.value.errno == 2
    assert dict(m.items()) == {2: 20, 3: 30}
    assert m.lookup_and_delete(2) == 20
    del m[3]
    with pytest.raises(KeyError):
        m[3]
    with pytest.raises(pybpf.KeyNotExistError):
        del m[3]
    assert len(m) == 0


def test_global_data_maps_answer_to_their_section_name(rt: pybpf.Runtime, counter: Path) -> None:
    obj = rt.load(counter)
    assert obj.maps[".bss"] is obj.maps["prog.bss"]
    assert ".rodata" in obj.maps


def test_closed_handle_refuses_operations(rt: pybpf.Runtime, counter: Path) -> None:
    m = rt.load(counter).maps["counts"]
    m.close()
    m.close()
    with pytest.raises(pybpf.MapError, match="handle is closed"):
        m[1]


def test_closing_the_object_frees_maps_nothing_else_holds(rt: pybpf.Runtime, counter: Path) -> None:
    obj = rt.load(counter)
    internal = obj.maps["counts"].internal
    obj.close()
    assert internal.closed


def test_a_pin_keeps_the_map_after_the_object_closes(rt: pybpf.Runtime, counter: Path) -> None:
    obj = rt.load(counter)
    obj.programs["bump"].test_run()
    obj.maps["counts"].pin("/pybpf/counts")
    obj.close()
    again = rt.open_pinned("/pybpf/counts")
    assert again[1] == 1
    with pytest.raises(pybpf.MapError, match=r"'/pybpf/counts' is pinned already") as info:
        again.pin("/pybpf/counts")
    assert info.value.errno == 17
    rt.unpin("/pybpf/counts")
    internal = again.internal
    again.close()
    assert internal.closed
    with pytest.raises(pybpf.MapError, match=r"nothing is pinned at '/pybpf/counts'"):
        rt.open_pinned("/pybpf/counts")


PINNED = r"""
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, int);
         __uint(pinning, LIBBPF_PIN_BY_NAME); } shared SEC(".maps");
SEC("syscall")
int inc(void *ctx)
{
    int zero = 0, *v = bpf_map_lookup_elem(&shared, &zero);
    if (!v)
        return -1;
    return ++*v;
}
char LICENSE[] SEC("license") = "GPL";
"""


def test_pinning_by_name_shares_the_map_between_loads(rt: pybpf.Runtime, c_file) -> None:
    path = c_file(PINNED)
    first, second = rt.load(path), rt.load(path)
    assert first.programs["inc"].test_run().retval == 1
    assert second.programs["inc"].test_run().retval == 2
    first.close()
    second.close()
    assert rt.open_pinned("/sys/fs/bpf/shared")[0] == 2


FENTRY = r"""
__u64 args[2], ret, calls;
SEC("fentry/bpf_fentry_test2")
int on_entry(__u64 *ctx) { args[0] = ctx[0]; args[1] = ctx[1]; calls++; return 0; }
SEC("fexit/bpf_fentry_test2")
int on_exit(__u64 *ctx) { ret = ctx[2]; return 0; }
char LICENSE[] SEC("license") = "GPL";
"""


def test_attached_tracing_programs_run_when_their_hook_fires(rt: pybpf.Runtime, c_file) -> None:
    obj = rt.load(c_file(FENTRY))
    links = [obj.programs["on_entry"].attach(), obj.programs["on_exit"].attach()]
    rt.trigger("bpf_fentry_test2", 20, 22)
    assert (obj.globals["args"], obj.globals["ret"]) == ([20, 22], 42)
    obj.programs["on_entry"].test_run()  # like the kernel: runs bpf_fentry_test1..7
    assert (obj.globals["args"], obj.globals["ret"], obj.globals["calls"]) == ([2, 3], 5, 2)
    for link in links:
        link.detach()
    rt.trigger("bpf_fentry_test2", 1, 1)
    assert obj.globals["calls"] == 2


def test_only_hook_programs_attach(rt: pybpf.Runtime, counter: Path) -> None:
    with pytest.raises(pybpf.NotSupportedError, match=r"^attach: syscall program 'bump' has no named hook$"):
        rt.load(counter).programs["bump"].attach()


NOT_GPL = r"""
SEC("syscall")
int p(void *ctx) { bpf_printk("hi"); return 0; }
char LICENSE[] SEC("license") = "Proprietary";
"""

UNKNOWN_HELPER = r"""
static long (* const bpf_past_the_last)(void *a, void *b) = (void *) 212;  /* Linux 6.18 ends at 211 */
SEC("syscall")
int p(void *ctx) { return bpf_past_the_last(0, 0); }
char LICENSE[] SEC("license") = "GPL";
"""

TIMER = r"""
struct elem { struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, struct elem); }
    timers SEC(".maps");
SEC("syscall")
int p(void *ctx)
{
    int zero = 0;
    struct elem *e = bpf_map_lookup_elem(&timers, &zero);
    return e ? bpf_timer_init(&e->t, &timers, CLOCK_MONOTONIC) : 0;
}
char LICENSE[] SEC("license") = "GPL";
"""


# The timer helper on a map without timers: no map creation fails first, the helper is refused.
TIMER_HELPER = r"""
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, __u64[2]); }
    words SEC(".maps");
SEC("syscall")
int p(void *ctx)
{
    int zero = 0;
    void *w = bpf_map_lookup_elem(&words, &zero);
    return w ? bpf_timer_init(w, &words, CLOCK_MONOTONIC) : 0;
}
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.mark.parametrize(
    ("source", "privileged", "error", "message"),
    [
        pytest.param(NOT_GPL, True, pybpf.VerifierError,
                     r"^cannot call GPL-restricted function from non-GPL compatible program$", id="gpl-only"),
        pytest.param(UNKNOWN_HELPER, True, pybpf.VerifierError, r"^invalid func unknown#212$", id="unknown-helper"),
        pytest.param(TIMER_HELPER, False, pybpf.VerifierError,
                     r"^program of this type cannot use helper bpf_timer_init#169$", id="unprivileged-timer"),
    ],
)
def test_load_refuses_bad_helper_calls_with_the_kernels_message(  # type: ignore[no-untyped-def]
    c_file, source: str, privileged: bool, error: type[Exception], message: str
) -> None:
    with pybpf.Runtime(clock="virtual", privileged=privileged) as runtime:
        with pytest.raises(error, match=message) as info:
            runtime.load(c_file(source))
    assert "call" in info.value.log  # type: ignore[attr-defined]


def test_compile_errors_carry_the_compiler_output(rt: pybpf.Runtime, c_file) -> None:
    path = c_file("int broken(void) { return undeclared; }\n")
    with pytest.raises(pybpf.CompileError, match=r"^compile .*prog\.bpf\.c: .*error.*undeclared") as info:
        rt.load(path)
    assert "undeclared" in info.value.output


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(lambda b: b[:100], r"^truncated ELF: ", id="truncated"),
        pytest.param(lambda b: b"not an elf file at all" * 4, r"not an ELF file", id="not-elf"),
        pytest.param(lambda b: b[:18] + (62).to_bytes(2, "little") + b[20:], r"wrong machine", id="wrong-machine"),
    ],
)
def test_malformed_objects_raise_elf_errors(rt: pybpf.Runtime, counter: Path, tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    from pybpf.runtime._compile import compile_c

    data = compile_c(counter).read_bytes()
    bad = tmp_path / "bad.bpf.o"
    bad.write_bytes(mutate(data))
    with pytest.raises(pybpf.ElfError, match=message):
        rt.load(bad)


def test_missing_object_file_is_an_error(rt: pybpf.Runtime, tmp_path: Path) -> None:
    with pytest.raises(pybpf.ElfError, match=f"^open {re.escape(str(tmp_path / 'nope.o'))}: no such file$"):
        rt.load(tmp_path / "nope.o")
    with pytest.raises(pybpf.ElfError, match=f"^open {re.escape(str(tmp_path))}: is a directory$"):
        rt.load(tmp_path)
    with pytest.raises(pybpf.ElfError, match="^open /dev/null: not a regular file$"):
        rt.load("/dev/null")


def test_runtime_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="ncpus must be at least 1"):
        pybpf.Runtime(ncpus=0)
    with pytest.raises(ValueError, match="unknown engine 'fast'"):
        pybpf.Runtime(engine="fast")
    with pytest.raises(ValueError, match="unknown clock 'sundial'"):
        pybpf.Runtime(clock="sundial")
    for engine in ("auto", "interpreter", "jit"):
        with pybpf.Runtime(engine=engine) as rt:
            assert rt.engine == engine


def test_time_units_are_nanoseconds() -> None:
    assert (pybpf.SECOND, pybpf.MILLISECOND, pybpf.MICROSECOND) == (10**9, 10**6, 10**3)


# -- packet programs: what test_run hands back (net/bpf/test_run.c) ------------------------

PACKETS = r"""
struct __sk_buff { __u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci,
    vlan_proto, priority, ingress_ifindex, ifindex, tc_index, cb[5], hash, tc_classid, data, data_end; };
struct xdp_md { __u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
SEC("socket")
int keep_all(struct __sk_buff *skb) { return skb->len; }
SEC("tc")
int mark(struct __sk_buff *skb) { skb->mark = 7; skb->cb[1] = skb->priority + skb->ingress_ifindex; return 0; }
SEC("socket")
int pkt_type(struct __sk_buff *skb) { return skb->pkt_type; }
SEC("xdp")
int meta_len(struct xdp_md *ctx) { return (ctx->data - ctx->data_meta) << 8 | (ctx->data_end - ctx->data); }
char LICENSE[] SEC("license") = "GPL";
"""
FRAME = bytes(12) + b"\x08\x00" + bytes(30)


def test_socket_filter_data_out_has_an_empty_mac_header(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    frame = bytes(range(1, 15)) + bytes(range(100, 130))
    res = rt.load(c_file(PACKETS)).programs["keep_all"].test_run(data=frame)
    assert res.retval == 30  # from the network header on
    assert res.data_out == bytes(14) + frame[14:]
    assert res.ctx_out is None


@pytest.mark.parametrize(
    ("dest", "pkt_type"),
    [
        pytest.param("000000000000", 0, id="host"),  # the loopback device's address
        pytest.param("01005e000001", 2, id="multicast"),
        pytest.param("ffffffffffff", 2, id="broadcast-is-multicast-on-loopback"),
        pytest.param("020000000001", 3, id="other-host"),
    ],
)
def test_skb_pkt_type_comes_from_the_destination_mac(rt: pybpf.Runtime, c_file, dest: str, pkt_type: int) -> None:  # type: ignore[no-untyped-def]
    frame = bytes.fromhex(dest) + FRAME[6:]
    assert rt.load(c_file(PACKETS)).programs["pkt_type"].test_run(data=frame).retval == pkt_type


def test_ctx_longer_than_the_struct_needs_a_zero_tail(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    obj = rt.load(c_file(PACKETS))
    assert obj.programs["mark"].test_run(data=FRAME, ctx=bytes(200)).ctx_out is not None
    assert obj.programs["meta_len"].test_run(data=FRAME, ctx=struct.pack("<6I", 0, len(FRAME), 0, 0, 0, 0) + bytes(4)).retval
    for prog, ctx in (("mark", bytes(192) + b"\x01"), ("meta_len", bytes(24) + b"\x01")):
        with pytest.raises(pybpf.TestRunError) as err:
            obj.programs[prog].test_run(data=FRAME, ctx=ctx)
        assert err.value.errno == 7  # E2BIG, from bpf_check_uarg_tail_zero


def test_skb_ctx_out_holds_the_fields_the_kernel_copies_back(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    prog = rt.load(c_file(PACKETS)).programs["mark"]
    assert prog.test_run(data=FRAME).ctx_out is None  # no ctx in, no ctx out
    ctx = bytearray(192)
    struct.pack_into("<I", ctx, 32, 3)  # priority
    out = prog.test_run(data=FRAME, ctx=bytes(ctx)).ctx_out
    assert out is not None and len(out) == 192
    mark, priority, ingress_ifindex, ifindex = struct.unpack_from("<I20xIII", out, 8)
    assert (mark, priority, ingress_ifindex, ifindex) == (7, 3, 0, 1)
    assert struct.unpack_from("<5I", out, 48) == (0, 3, 0, 0, 0)  # cb[1] = priority + ingress_ifindex
    assert struct.unpack_from("<I", out, 160) == (len(FRAME),)  # wire_len
    assert out[0:8] == bytes(8) and out[76:84] == bytes(8)  # no len, no packet pointers


def test_skb_test_run_refuses_an_ip_frame_shorter_than_its_header(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    prog = rt.load(c_file(PACKETS)).programs["mark"]
    for frame in (bytes(12) + b"\x08\x00" + bytes(19), bytes(12) + b"\x86\xdd" + bytes(39)):
        with pytest.raises(pybpf.TestRunError, match="EINVAL"):
            prog.test_run(data=frame)
    assert prog.test_run(data=bytes(12) + b"\x08\x06" + bytes(2)).retval == 0  # ARP: no such rule


@pytest.mark.parametrize(
    ("field", "errno"),
    [pytest.param(0, 22, id="len-is-not-taken"), pytest.param(76, 22, id="data-is-not-taken"),
     pytest.param(160, 22, id="wire-len-below-len"), pytest.param(40, 19, id="unknown-ifindex")],
)
def test_skb_ctx_refuses_what_the_kernel_refuses(rt: pybpf.Runtime, c_file, field: int, errno: int) -> None:  # type: ignore[no-untyped-def]
    ctx = bytearray(192)
    struct.pack_into("<I", ctx, field, 5)
    with pytest.raises(pybpf.TestRunError) as err:
        rt.load(c_file(PACKETS)).programs["mark"].test_run(data=FRAME, ctx=bytes(ctx))
    assert err.value.errno == errno


def test_xdp_ctx_out_gives_packet_offsets_and_metadata_comes_first(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    prog = rt.load(c_file(PACKETS)).programs["meta_len"]
    res = prog.test_run(data=FRAME)
    assert (res.retval, res.data_out, res.ctx_out) == (len(FRAME), FRAME, None)
    ctx = struct.pack("<6I", 8, len(FRAME), 0, 0, 0, 0)  # 8 bytes of metadata before the frame
    res = prog.test_run(data=FRAME, ctx=ctx)
    assert (res.retval, res.data_out, res.ctx_out) == (8 << 8 | (len(FRAME) - 8), FRAME, ctx)
    ctx = struct.pack("<6I", 0, 20, 0, 0, 0, 0)  # the linear part ends after 20 bytes
    res = prog.test_run(data=FRAME, ctx=ctx)
    assert (res.retval, res.data_out, res.ctx_out) == (20, FRAME, ctx)
    for bad in [(0, len(FRAME) + 1, 0, 0, 0, 0), (0, len(FRAME), 4, 0, 0, 0), (36, len(FRAME), 0, 0, 0, 0),
                (0, len(FRAME), 0, 0, 1, 0), (0, len(FRAME), 0, 0, 0, 1)]:
        with pytest.raises(pybpf.TestRunError, match="EINVAL"):
            prog.test_run(data=FRAME, ctx=struct.pack("<6I", *bad))


# -- program arrays and maps of maps from Python -------------------------------------------

NESTED = r"""
struct inner { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 2); __type(key, int); __type(value, long); }
    first SEC(".maps"), second SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS); __uint(max_entries, 2); __type(key, int);
    __array(values, struct inner); } outer SEC(".maps") = { .values = { [0] = &first } };
SEC("xdp")
int target(void *ctx) { return 2; }
struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 2); __type(key, int);
    __array(values, int (void *)); } jumps SEC(".maps") = { .values = { [1] = (void *)&target } };
SEC("xdp")
int jump(void *ctx) { bpf_tail_call(ctx, &jumps, 1); return 1; }
char LICENSE[] SEC("license") = "GPL";
"""


def test_map_of_maps_elements_are_typed_map_handles(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    obj = rt.load(c_file(NESTED))
    obj.maps["first"][3] = -1
    outer = obj.maps["outer"]
    inner = outer[0]
    assert isinstance(inner, pybpf.Map) and inner.name == "first"
    assert dict(inner) == {3: -1}  # typed by the inner-map template's BTF
    outer[1] = obj.maps["second"]
    assert sorted(outer) == [0, 1] and outer[1].name == "second"
    with pytest.raises(pybpf.MapError):
        outer[1] = 5  # not a map


def test_program_array_elements_are_programs(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    obj = rt.load(c_file(NESTED))
    jumps = obj.maps["jumps"]
    assert jumps[1] is obj.programs["target"]
    assert obj.programs["jump"].test_run(data=FRAME).retval == 2
    del jumps[1]
    assert obj.programs["jump"].test_run(data=FRAME).retval == 1
    with pytest.raises(pybpf.MapError, match="EBADF"):
        jumps[0] = 5  # only programs go into a program array


TIMER_IN_GLOBALS = r"""
struct bpf_timer lonely;
SEC("syscall")
int p(void *ctx) { return 0; }
char LICENSE[] SEC("license") = "GPL";
"""


def test_a_timer_in_global_data_loads_as_libbpf_loads_it(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    """The kernel would refuse to mmap the section, but bpf_object__load never maps it."""
    obj = rt.load(c_file(TIMER_IN_GLOBALS))
    assert obj.programs["p"].test_run().retval == 0


def test_maps_with_timers_need_cap_bpf(c_file) -> None:  # type: ignore[no-untyped-def]
    with pybpf.Runtime(clock="virtual", privileged=False) as unprivileged:
        with pytest.raises(pybpf.MapError, match=r"map 'timers': special fields .* need CAP_BPF") as info:
            unprivileged.load(c_file(TIMER))
    assert info.value.errno == 1


PROG_ARRAY = r"""
SEC("tc")
int target(void *skb) { return 42; }

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 2);
    __uint(key_size, 4);
    __uint(value_size, 4);
    __array(values, int (void *));
} jumps SEC(".maps") = { .values = { [0] = (void *)&target } };

SEC("tc")
int entry(void *skb) { bpf_tail_call(skb, &jumps, 0); return 1; }
char LICENSE[] SEC("license") = "GPL";
"""
PACKET = bytes(64)


def test_program_array_entries_hold_their_programs(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    obj = rt.load(c_file(PROG_ARRAY))
    assert obj.programs["entry"].test_run(data=PACKET).retval == 42  # the tail call happened
    obj.maps["jumps"].pin("/jumps")
    obj.close()
    held = rt.open_pinned("/jumps")[0]
    assert held.name == "target"
    assert held.test_run(data=PACKET).retval == 42  # alive, its maps too, though obj is closed


def test_closing_a_program_arrays_last_user_reference_clears_it(rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    obj = rt.load(c_file(PROG_ARRAY))
    obj.maps["jumps"].close()  # the kernel clears a program array on its uref release
    assert obj.programs["entry"].test_run(data=PACKET).retval == 1  # the tail call falls through


LOCKED = r"""
struct locked { struct bpf_spin_lock lock; long n; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, int); __type(value, struct locked); }
    counts SEC(".maps");
"""


def test_a_handle_the_collector_finalises_never_waits_for_a_lock_its_thread_holds(
        rt: pybpf.Runtime, c_file) -> None:  # type: ignore[no-untyped-def]
    """The cyclic collector may run in the middle of a map operation that holds the map's
    lock; a handle it finalises there (here the map's last user reference) releases its
    reference later, on another thread, instead of waiting for that lock forever."""
    obj = rt.load(c_file(LOCKED))
    obj.maps["counts"][1] = {"n": 10}
    obj.maps["counts"].pin("/sys/fs/bpf/counts")
    handle = rt.open_pinned("/sys/fs/bpf/counts")
    rt.unpin("/sys/fs/bpf/counts")
    obj.maps["counts"].close()
    inner = handle._inner
    users = rt._table._users
    assert users[inner] == 1
    cycle: list[object] = [handle]
    cycle.append(cycle)
    del handle, cycle
    collected = threading.Event()

    def collect_inside_a_map_operation() -> None:
        with inner._lock:  # as a map operation interrupted by a collection holds it
            gc.collect()
        collected.set()

    threading.Thread(target=collect_inside_a_map_operation, daemon=True).start()
    assert collected.wait(30), "the finaliser waited for the lock its own thread held"
    deadline = time.monotonic() + 30
    while users.get(inner) and time.monotonic() < deadline:  # the reaper drops the reference
        time.sleep(0.01)
    assert not users.get(inner)


REFUSED_WITH_A_MAP = r"""
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1); __type(key, int); __type(value, long); }
    counts SEC(".maps");
SEC("xdp") int refused(struct xdp_md *ctx) { int k = 0; long *v = bpf_map_lookup_elem(&counts, &k); return *v; }
"""


def test_a_script_that_caught_a_refusal_exits(c_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A refused load leaves its maps' handles for the collector; the collection at
    interpreter exit must not wait for the reaper thread to start (no thread starts then)."""
    import subprocess
    import sys

    source = c_file(REFUSED_WITH_A_MAP)
    script = tmp_path / "refuse.py"
    script.write_text(
        "import sys\nimport pybpf\nrt = pybpf.Runtime(clock='virtual')\n"
        f"try:\n    rt.load({str(source)!r})\nexcept pybpf.VerifierError as err:\n    print(err)\n"
        "rt.close()\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30,
                          check=False, env={"PYTHONPATH": str(Path(pybpf.__file__).parents[1])})
    assert done.returncode == 0, done.stderr
    assert "invalid mem access 'map_value_or_null'" in done.stdout
