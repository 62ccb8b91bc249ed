"""Test runs of flow dissectors, socket lookups and lightweight tunnels (the kernel-checked
scenarios are in tests/kernel/test_program_types.py)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

import pybpf

SOURCE = Path(__file__).parents[1] / "kernel" / "testdata" / "net_types.bpf.c"
FRAME = bytes(12) + b"\x08\x00" + bytes.fromhex("45000032123400004011000001020304" "0a000002") + bytes(30)


@pytest.fixture
def obj(c_file) -> pybpf.Object:  # type: ignore[no-untyped-def]
    return pybpf.Runtime(clock="virtual").load(c_file(SOURCE.read_text(), "net_types.bpf.c"))


def test_flow_dissector_fills_the_keys(obj: pybpf.Object) -> None:
    result = obj.programs["dissect"].test_run(data=FRAME)
    assert result.retval == 0 and result.ctx_out is None
    assert result.data_out is not None
    nhoff, thoff, addr_proto, _, _, _, ip_proto, n_proto = struct.unpack_from("<HHHBBBBH", result.data_out)
    assert (nhoff, thoff, addr_proto, ip_proto, n_proto) == (14, 34, 0x800, 17, 0x0008)
    assert result.data_out[16:24] == bytes.fromhex("010203040a000002")
    with pytest.raises(pybpf.TestRunError, match=r"\(EINVAL\)$"):
        obj.programs["dissect"].test_run(ctx=b"\1" + bytes(55), data=FRAME)


def test_sk_lookup_sees_its_family_only(obj: pybpf.Object) -> None:
    ctx = struct.pack("<QIII16sHHI16sII", 0, 2, 6, 0x0100007F, b"\1" * 16, 0, 0, 0, bytes(16), 80, 0) + bytes(4)
    result = obj.programs["lookup"].test_run(ctx=ctx)
    assert result.retval == 0 and result.ctx_out == ctx
    assert obj.globals["seen"][3:7] == [2, 6, 80, 0x0100007F]
    with pytest.raises(pybpf.TestRunError, match=r"\(EAFNOSUPPORT\)$"):
        obj.programs["lookup"].test_run(ctx=ctx[:8] + b"\1" + ctx[9:])


def test_lwt_programs_start_at_the_network_header(obj: pybpf.Object) -> None:
    result = obj.programs["tunnel"].test_run(data=FRAME)
    assert result.retval == 0
    assert obj.globals["seen"][7] == (len(FRAME) - 14) * 1000 + 0x45


NETFILTER = Path(__file__).parents[1] / "kernel" / "testdata" / "netfilter.bpf.c"
IPV4 = FRAME[14:]


def test_netfilter_sees_the_hook_state_and_skb(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual").load(c_file(NETFILTER.read_text(), "netfilter.bpf.c"))
    verdict = obj.programs["verdict"]
    result = verdict.test_run(data=IPV4)  # IPv4 at LOCAL_OUT, no devices
    assert (result.retval, result.data_out, obj.globals["summary"], obj.globals["out_ifindex"]) == (1, b"", 0x20203, -1)
    assert (obj.globals["seen_len"], obj.globals["seen_protocol"]) == (len(IPV4), 0x0008)
    result = verdict.test_run(ctx=bytes([2, 2]) + bytes(46), data=FRAME)  # FORWARD: the frame's header is pulled
    assert (result.retval, obj.globals["seen_len"], obj.globals["out_ifindex"]) == (0, len(IPV4), 1)
    for ctx, data, errno in [(None, IPV4[:19], "EINVAL"), (bytes([0, 2]) + bytes(46), FRAME[:12] + b"\x08\x06" + IPV4, "EPROTO"),
                             (bytes([3, 7]) + bytes(46), IPV4, "EINVAL"), (bytes(48) + b"\1", IPV4, "E2BIG")]:
        with pytest.raises(pybpf.TestRunError, match=rf"\({errno}\)$"):
            verdict.test_run(ctx=ctx, data=data)


def test_skb_dynptrs_read_netfilter_packets_and_write_tc_ones(c_file) -> None:  # type: ignore[no-untyped-def]
    obj = pybpf.Runtime(clock="virtual").load(c_file(NETFILTER.read_text(), "netfilter.bpf.c"))
    obj.programs["parse"].test_run(data=IPV4)
    assert (obj.globals["from_rc"], obj.globals["bad_flags_rc"], obj.globals["write_rc"]) == (0, -22, -22)
    assert (obj.globals["ip_version"], obj.globals["ip_protocol"]) == (4, 17)
    result = obj.programs["mark_tos"].test_run(data=FRAME)
    assert obj.globals["write_rc"] == 0 and result.data_out is not None and result.data_out[15] == 0x2E
