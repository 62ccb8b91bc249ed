"""What real objects need: loading subsets like libbpf, more map types, task, packet and perf helpers."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

import pybpf

SOURCE = r"""
#ifndef BPF_MAP_TYPE_PERF_EVENT_ARRAY
#define BPF_MAP_TYPE_PERF_EVENT_ARRAY 4
#define BPF_MAP_TYPE_LPM_TRIE 11
#define BPF_MAP_TYPE_DEVMAP 14
#define BPF_MAP_TYPE_SOCKMAP 15
#define BPF_MAP_TYPE_CGROUP_ARRAY 8
#endif
#define BPF_F_CURRENT_CPU 0xffffffffULL
struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(key_size, 4); __uint(value_size, 4); } events SEC(".maps");
struct key4 { __u32 prefixlen; __u8 data[4]; };
struct { __uint(type, BPF_MAP_TYPE_LPM_TRIE); __uint(max_entries, 16); __uint(map_flags, BPF_F_NO_PREALLOC);
         __type(key, struct key4); __type(value, __u32); } routes SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_DEVMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } tx SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_SOCKMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } socks SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u32); } cg SEC(".maps");

struct event { __u32 pid; __u32 uid; char comm[16]; };
__u32 route = 0;

SEC("raw_tp/sys_enter")  /* not syscall: sleepable programs may not use these maps */
int report(void *ctx)
{
    struct event e = {};
    e.pid = bpf_get_current_pid_tgid();
    e.uid = bpf_get_current_uid_gid();
    bpf_get_current_comm(e.comm, sizeof(e.comm));
    return bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
}

SEC("raw_tp/sys_enter")
int lookup(void *ctx)
{
    struct key4 k = {32, {10, 1, 2, 3}};
    __u32 *v = bpf_map_lookup_elem(&routes, &k);
    route = v ? *v : 0;
    return 0;
}

SEC("xdp")
int forward(struct xdp_md *ctx)
{
    return bpf_redirect_map(&tx, TARGET, XDP_PASS);
}

SEC("?syscall")
int optional(void *ctx) { return 7; }
"""

XDP_PASS, XDP_REDIRECT = 2, 4


@pytest.fixture
def source(c_file) -> Path:  # type: ignore[no-untyped-def]
    return c_file("#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n" + SOURCE)  # type: ignore[no-any-return]


@pytest.fixture
def obj(source: Path) -> pybpf.Object:
    rt = pybpf.Runtime(clock="virtual", task=pybpf.Task(pid=42, tgid=40, uid=1000, gid=100, comm="worker-thread-long"))
    return rt.load(source, cflags=["-DTARGET=1"])


def test_every_declared_map_type_loads(obj: pybpf.Object) -> None:
    assert {m: obj.maps[m].type.name for m in ("events", "routes", "tx", "socks", "cg")} == {
        "events": "PERF_EVENT_ARRAY", "routes": "LPM_TRIE", "tx": "DEVMAP", "socks": "SOCKMAP", "cg": "CGROUP_ARRAY"
    }
    assert obj.maps["events"].max_entries == 2  # unsized: one slot per CPU, as libbpf does


def test_perf_output_without_a_reader_fails_as_in_the_kernel(obj: pybpf.Object) -> None:
    assert obj.programs["report"].test_run(cpu=1).retval == 2**32 - 2  # -ENOENT


def test_perf_samples_carry_the_configured_task(obj: pybpf.Object) -> None:
    obj.maps["events"].open_perf_buffer()
    assert obj.programs["report"].test_run(cpu=1).retval == 0
    samples: list[bytes] = []
    assert obj.maps["events"].poll(samples.append) == 1
    pid, uid, comm = struct.unpack_from("<II16s", samples[0])
    assert (pid, uid, comm) == (42, 1000, b"worker-thread-l\0")
    assert len(samples[0]) == 28  # 24 bytes padded so that with its size field it fills 32


def test_lpm_lookup_from_a_program(obj: pybpf.Object) -> None:
    routes = obj.maps["routes"]
    routes[{"prefixlen": 8, "data": [10, 0, 0, 0]}] = 8
    routes[{"prefixlen": 16, "data": [10, 1, 0, 0]}] = 16
    obj.programs["lookup"].test_run()
    assert obj.globals["route"] == 16


def test_redirect_map_records_the_target_and_falls_back(obj: pybpf.Object) -> None:
    packet = bytes(64)
    miss = obj.programs["forward"].test_run(data=packet)
    assert (miss.retval, miss.redirect) == (XDP_PASS, None)
    obj.maps["tx"][1] = 5
    hit = obj.programs["forward"].test_run(data=packet)
    assert hit.retval == XDP_REDIRECT
    assert hit.redirect == ("tx", 1, (5).to_bytes(4, "little"))


def test_question_mark_sections_load_only_when_named(source: Path) -> None:
    rt = pybpf.Runtime(clock="virtual")
    assert "optional" not in rt.load(source, cflags=["-DTARGET=0"]).programs
    subset = rt.load(source, cflags=["-DTARGET=0"], programs=["optional"])
    assert list(subset.programs) == ["optional"]
    assert subset.programs["optional"].test_run().retval == 7


def test_unknown_program_names_list_the_programs(source: Path) -> None:
    rt = pybpf.Runtime(clock="virtual")
    with pytest.raises(ValueError, match=r"^load: no program 'nope' in object 'prog'; its programs: forward, lookup, optional, report$"):
        rt.load(source, cflags=["-DTARGET=0"], programs=["nope"])


HELPERS = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC);
         __type(key, int); __type(value, long); } per_task SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK_TRACE); __uint(max_entries, 16); __uint(key_size, 4);
         __uint(value_size, 8 * 8); } stacks SEC(".maps");
long out[8];
char copy[8];
const char greeting[] = "hello";

static __noinline int deeper(void *ctx) { return bpf_get_stackid(ctx, &stacks, 0); }

SEC("tp_btf/sched_switch")
int helpers(unsigned long long *ctx)
{
    struct task_struct *me = bpf_get_current_task_btf();
    long init = 41, *v = bpf_task_storage_get(&per_task, me, &init, BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (v)
        out[0] = ++*v;
    out[1] = bpf_task_storage_delete(&per_task, me);
    out[2] = bpf_task_storage_delete(&per_task, me);
    out[3] = bpf_probe_read_kernel_str(copy, sizeof(copy), greeting);
    out[4] = bpf_strncmp(copy, sizeof(copy), "hello");
    out[5] = bpf_strncmp(copy, 3, "hex");
    out[6] = deeper(ctx);
    out[7] = deeper(ctx) == out[6];
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
"""


def test_storage_strings_and_stack_ids(c_file) -> None:  # type: ignore[no-untyped-def]
    rt = pybpf.Runtime(clock="virtual")
    obj = rt.load(c_file(HELPERS))
    obj.programs["helpers"].attach()
    rt.trigger("sched_switch")
    out = obj.globals["out"]
    assert out[:6] == [42, 0, -2, 6, 0, -1]  # strncmp gives the sign only: 'l' < 'x'
    assert out[6] >= 0 and out[7] == 1
    assert obj.globals["copy"] == b"hello"


FENTRY = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
struct bpf_fentry_test_t { struct bpf_fentry_test_t *a; };
struct filename { const char *name; int refcnt; };
long out[4];
char seen[16];

SEC("fentry/bpf_fentry_test7")
int BPF_PROG(follow, struct bpf_fentry_test_t *arg)
{
    struct bpf_fentry_test_t *next = 0;
    bpf_probe_read_kernel(&next, sizeof(next), &arg->a);
    out[0] = (long)next;
    return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(unlink, int dfd, struct filename *name)
{
    out[1] = dfd;
    bpf_probe_read_kernel(&out[2], 4, &name->refcnt);
    out[3] = bpf_get_current_pid_tgid() >> 32;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
"""


def test_pointer_arguments_as_dicts_and_bytes(c_file) -> None:  # type: ignore[no-untyped-def]
    rt = pybpf.Runtime(clock="virtual")
    obj = rt.load(c_file(FENTRY))
    links = [obj.programs[name].attach() for name in ("follow", "unlink")]
    assert [link.fired_by for link in links] == ["test_run of a tracing program, and rt.trigger", "rt.trigger only"]
    rt.trigger("bpf_fentry_test7", {"a": 0x1234})
    assert obj.globals["out"][0] == 0x1234
    rt.trigger("do_unlinkat", -100, (0).to_bytes(8, "little") + (3).to_bytes(4, "little"), task=pybpf.Task(pid=9, tgid=90))
    assert obj.globals["out"][1:] == [-100, 3, 90]
    with pytest.raises(TypeError, match="no prototype for it"):
        rt.trigger("do_unlinkat", -100, {"refcnt": 3})


MORE = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct bpf_pidns_info { __u32 pid; __u32 tgid; };
const volatile __u64 dev = 0, ino = 0;
long out[6];
__u64 stack[4];

SEC("tp_btf/sched_switch")
int more(unsigned long long *ctx)
{
    struct bpf_pidns_info ns = {};
    __u64 args[4] = {1, 2, 3, 4};
    static const char fmt[] = "%d %d %d %d";
    out[0] = bpf_get_ns_current_pid_tgid(dev, ino, &ns, sizeof(ns));
    out[1] = ns.tgid;
    out[2] = bpf_get_ns_current_pid_tgid(dev + 1, ino, &ns, sizeof(ns));
    out[3] = bpf_trace_vprintk(fmt, sizeof(fmt), args, sizeof(args));
    out[4] = bpf_get_stack(ctx, stack, sizeof(stack), 0);
    out[5] = bpf_get_attach_cookie(ctx);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
"""


def test_namespace_ids_vprintk_and_stacks(c_file) -> None:  # type: ignore[no-untyped-def]
    import os

    st = os.stat("/proc/self/ns/pid")
    rt = pybpf.Runtime(clock="virtual", task=pybpf.Task(pid=5, tgid=50))
    obj = rt.load(c_file(MORE), globals={"dev": st.st_dev, "ino": st.st_ino})
    obj.programs["more"].attach()
    rt.trigger("sched_switch")
    out = obj.globals["out"]
    assert out[:4] == [0, 50, -2, len("1 2 3 4")]
    assert out[4] == 8 and obj.globals["stack"][0] != 0 and obj.globals["stack"][1:] == [0, 0, 0]
    assert out[5] == 0
    assert rt.trace_lines() == ["1 2 3 4"]


FUNC_ARGS = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
long out[7];

SEC("fexit/bpf_fentry_test2")
int exit2(unsigned long long *ctx)
{
    __u64 v = 0;
    out[0] = bpf_get_func_arg_cnt(ctx);
    out[1] = bpf_get_func_arg(ctx, 1, &v);
    out[2] = v;
    out[3] = bpf_get_func_arg(ctx, 2, &v);
    out[4] = bpf_get_func_ret(ctx, &v);
    out[5] = v;
    out[6] = bpf_get_func_ip(ctx) > 0xffffffff81000000ULL;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
"""


def test_traced_function_arguments_and_return_value(c_file) -> None:  # type: ignore[no-untyped-def]
    rt = pybpf.Runtime(clock="virtual")
    obj = rt.load(c_file(FUNC_ARGS))
    obj.programs["exit2"].attach()
    rt.trigger("bpf_fentry_test2", 2, 3)
    assert obj.globals["out"] == [2, 0, 3, -22, 0, 5, 1]


@pytest.mark.parametrize(
    ("section", "call", "refused"),
    [("syscall", "bpf_redirect(1, 0)", "bpf_redirect#23"), ("tc", "bpf_xdp_adjust_head(ctx, 0)", "bpf_xdp_adjust_head#44"),
     ("xdp", "bpf_skb_load_bytes(ctx, 0, b, 4)", "bpf_skb_load_bytes#26"), ("tc", "bpf_redirect(1, 0)", None)],
    ids=["redirect-in-syscall", "xdp-helper-in-tc", "skb-helper-in-xdp", "redirect-in-tc"],
)
def test_helpers_are_offered_per_program_type(c_file, section: str, call: str, refused: str | None) -> None:  # type: ignore[no-untyped-def]
    source = c_file(f'long r;\nSEC("{section}") int p(void *ctx) {{ char b[8] = {{}}; r = {call}; return 0; }}\n'
                    'char LICENSE[] SEC("license") = "GPL";\n')
    rt = pybpf.Runtime(clock="virtual")
    if refused is None:
        rt.load(source)
        return
    with pytest.raises(pybpf.VerifierError, match=f"^program of this type cannot use helper {refused}$"):
        rt.load(source)


def test_signals_are_checked_never_delivered(c_file) -> None:  # type: ignore[no-untyped-def]
    """The init process is never signalled (-EPERM); other tasks get 0 without a signal
    reaching the test's own process."""
    path = c_file("long rc[2];\nSEC(\"syscall\") int sig(void *ctx)\n"
                  "{ rc[0] = bpf_send_signal(9); rc[1] = bpf_send_signal_thread(65); return 0; }\n"
                  "char LICENSE[] SEC(\"license\") = \"GPL\";\n")
    for task, want in ((pybpf.Task(pid=1), [-1, -1]), (pybpf.Task(pid=77), [0, -22])):
        with pybpf.Runtime(clock="virtual", task=task) as rt:
            obj = rt.load(path)
            obj.programs["sig"].test_run()
            assert list(obj.globals["rc"]) == want
