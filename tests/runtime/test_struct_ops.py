"""struct_ops objects from Python: their members' programs called with BTF-typed arguments,
the struct registered and unregistered, the congestion-control kfuncs run on the socket the
test passes. The structs are this file's own, laid out by its BTF (the modelled kernel has no
networking structs, so the object's BTF stands in, as it does for CO-RE)."""

from __future__ import annotations

from typing import Any

import pytest

import pybpf
from pybpf.maps import MapType

TYPES = """
struct sock { unsigned long sk_pacing_rate; unsigned int sk_pacing_status; };
struct inet_connection_sock { struct sock icsk_inet; unsigned long long icsk_ca_priv[13]; };
struct tcp_sock {
    struct inet_connection_sock inet_conn;
    unsigned int snd_cwnd, snd_cwnd_cnt, snd_cwnd_clamp, snd_ssthresh, prior_cwnd, srtt_us;
};
struct tcp_congestion_ops {
    unsigned int (*ssthresh)(struct sock *sk);
    void (*cong_avoid)(struct sock *sk, unsigned int ack, unsigned int acked);
    unsigned int (*undo_cwnd)(struct sock *sk);
    char name[16];
    void (*init)(struct sock *sk);
};
extern unsigned int tcp_slow_start(struct tcp_sock *tp, unsigned int acked) __ksym;
extern void tcp_cong_avoid_ai(struct tcp_sock *tp, unsigned int w, unsigned int acked) __ksym;
#define TP(ctx) ((struct tcp_sock *)(ctx)[0])
char LICENSE[] SEC("license") = "GPL";
"""

RENO = TYPES + """
SEC("struct_ops/half") unsigned int half(unsigned long long *ctx)
{
    unsigned int w = TP(ctx)->snd_cwnd >> 1;
    return w < 2 ? 2 : w;
}
SEC("struct_ops/grow") void grow(unsigned long long *ctx)
{
    struct tcp_sock *tp = TP(ctx);
    unsigned int acked = (unsigned int)ctx[2];

    if (tp->snd_cwnd < tp->snd_ssthresh) {
        acked = tcp_slow_start(tp, acked);
        if (!acked)
            return;
    }
    tcp_cong_avoid_ai(tp, tp->snd_cwnd, acked);
}
SEC("struct_ops/undo") unsigned int undo(unsigned long long *ctx)
{
    struct tcp_sock *tp = TP(ctx);
    return tp->snd_cwnd > tp->prior_cwnd ? tp->snd_cwnd : tp->prior_cwnd;
}
SEC(".struct_ops")
struct tcp_congestion_ops reno = { .ssthresh = (void *)half, .cong_avoid = (void *)grow, .undo_cwnd = (void *)undo,
                                   .name = "pyreno" };
"""


@pytest.fixture
def reno(c_file: Any) -> Any:
    with pybpf.Runtime(clock="virtual") as rt:
        yield rt, rt.load(c_file(RENO))


def test_the_map_holds_the_kernels_value_type(reno: Any) -> None:
    """bpf_struct_ops_tcp_congestion_ops: 256 bytes on Linux 6.18 x86-64 (an 8-byte header,
    the struct at byte 64), whatever part of the struct the object declares; the name is
    copied where the object's struct, standing in for the kernel's, puts it."""
    _, obj = reno
    m = obj.maps["reno"]
    assert (m.type, m.key_size, m.max_entries) == (MapType.STRUCT_OPS, 4, 1)
    assert m.value_size == 256
    value = m.internal.lookup_elem(b"\0\0\0\0")
    assert value[64 + 24 : 64 + 30] == b"pyreno"


def test_ssthresh_returns_what_the_program_returns(reno: Any) -> None:
    _, obj = reno
    ops = obj.struct_ops["reno"]
    assert ops.call("ssthresh", {"snd_cwnd": 20}).retval == 10
    assert ops.call("ssthresh", {"snd_cwnd": 3}).retval == 2


def test_a_void_member_has_no_retval_and_its_writes_come_back(reno: Any) -> None:
    """Slow start up to ssthresh (tcp_slow_start), then one packet per window (tcp_cong_avoid_ai),
    as the kernel's own helpers step the window."""
    _, obj = reno
    sk = {"snd_cwnd": 10, "snd_ssthresh": 14, "snd_cwnd_clamp": 100}
    result = obj.struct_ops["reno"].call("cong_avoid", sk, 0, 6)
    assert result.retval is None
    after = result.args[0]
    assert (after["snd_cwnd"], after["snd_cwnd_cnt"]) == (14, 2)  # 4 acked in slow start, 2 credited
    assert result.args[1:] == (0, 6)
    again = obj.struct_ops["reno"].call("cong_avoid", after, 0, 12).args[0]
    assert (again["snd_cwnd"], again["snd_cwnd_cnt"]) == (15, 0)  # 14 credits: one more packet


def test_a_pointer_argument_may_be_raw_bytes(reno: Any) -> None:
    _, obj = reno
    ops = obj.struct_ops["reno"]
    size = len(ops.call("undo_cwnd", {}).args[0]["inet_conn"]["icsk_ca_priv"]) * 8 + 136 + 24
    raw = bytearray(size)
    result = ops.call("undo_cwnd", bytes(raw))
    assert result.retval == 0 and isinstance(result.args[0], bytes)


def test_calls_are_checked_against_the_members(reno: Any) -> None:
    _, obj = reno
    ops = obj.struct_ops["reno"]
    with pytest.raises(ValueError, match=r"no member 'undo' in struct_ops 'reno' \(did you mean 'undo_cwnd'\?"):
        ops.call("undo", {})
    with pytest.raises(ValueError, match=r"^call cong_avoid: takes 3 arguments, got 1$"):
        ops.call("cong_avoid", {})
    with pytest.raises(TypeError, match=r"^call cong_avoid: parameter 1 is not a pointer; pass an int$"):
        ops.call("cong_avoid", {}, {"x": 1}, 0)
    with pytest.raises(TypeError, match=r"argument 0 must be an int, bytes or a dict, not float"):
        ops.call("ssthresh", 1.5)
    with pytest.raises(KeyError, match=r"no struct_ops map 'renoo'"):
        obj.struct_ops["renoo"]


def test_attach_registers_the_name_once(reno: Any, c_file: Any) -> None:
    rt, obj = reno
    ops = obj.struct_ops["reno"]
    link = ops.attach()
    assert ops.registered and link.fired_by == "StructOps.call only"
    twin = rt.load(c_file(RENO, "twin.bpf.c")).struct_ops["reno"]
    with pytest.raises(pybpf.MapError, match=r"tcp_congestion_ops 'pyreno' is registered \(EEXIST\)$"):
        twin.attach()
    link.detach()
    assert not ops.registered
    twin.attach().detach()


def test_closing_the_object_unregisters(reno: Any, c_file: Any) -> None:
    rt, obj = reno
    obj.struct_ops["reno"].attach()
    obj.close()
    rt.load(c_file(RENO, "again.bpf.c")).struct_ops["reno"].attach()


def test_a_required_member_without_a_program_cannot_register(c_file: Any) -> None:
    source = TYPES + """
SEC("struct_ops/half") unsigned int half(unsigned long long *ctx) { return 2; }
SEC(".struct_ops") struct tcp_congestion_ops partial = { .ssthresh = (void *)half, .name = "partial" };
"""
    with pybpf.Runtime(clock="virtual") as rt:
        ops = rt.load(c_file(source)).struct_ops["partial"]
        with pytest.raises(pybpf.MapError, match=r"member cong_avoid needs a program \(EINVAL\)$"):
            ops.attach()


WRITES = TYPES + """
SEC("struct_ops/bad") void bad(unsigned long long *ctx) { TP(ctx)->srtt_us = tcp_slow_start(TP(ctx), 1); }
SEC(".struct_ops") struct tcp_congestion_ops w = { .cong_avoid = (void *)bad };
"""


def test_only_the_allowed_tcp_sock_fields_are_writable(c_file: Any) -> None:
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(
        pybpf.VerifierError, match=r"^no write support to tcp_sock at off \d+$"
    ):
        rt.load(c_file(WRITES))


def test_struct_ops_programs_need_a_gpl_license(c_file: Any) -> None:
    source = RENO.replace('"GPL"', '"Proprietary"')
    with pybpf.Runtime(clock="virtual") as rt, pytest.raises(
        pybpf.VerifierError, match=r"^struct ops programs must have a GPL compatible license$"
    ):
        rt.load(c_file(source))


DUMMY = """
struct bpf_dummy_ops_state { int val; };
struct bpf_dummy_ops { int (*test_1)(struct bpf_dummy_ops_state *cb); };
SEC("struct_ops/one") int one(unsigned long long *ctx)
{
    struct bpf_dummy_ops_state *st = (void *)ctx[0];
    if (!st)
        return -1;
    st->val += 1;
    return st->val;
}
SEC(".struct_ops") struct bpf_dummy_ops dummy = { .test_1 = (void *)one };
char LICENSE[] SEC("license") = "GPL";
"""


def test_bpf_dummy_ops_runs_but_cannot_register(c_file: Any) -> None:
    """test_1's state may be NULL (the program must check); the kernel offers the type for
    test runs only, so registering it fails with EOPNOTSUPP."""
    with pybpf.Runtime(clock="virtual") as rt:
        ops = rt.load(c_file(DUMMY)).struct_ops["dummy"]
        result = ops.call("test_1", {"val": 41})
        assert (result.retval, result.args[0]) == (42, {"val": 42})
        assert ops.call("test_1", 0).retval == -1
        with pytest.raises(pybpf.MapError, match=r"bpf_dummy_ops cannot be registered \(EOPNOTSUPP\)$"):
            ops.attach()


