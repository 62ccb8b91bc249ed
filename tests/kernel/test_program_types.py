"""Test runs of the networking program types beyond skb and XDP: flow dissector, socket
lookup, lightweight tunnels; against the live kernel."""

from __future__ import annotations

import struct

import pytest

from ._differential import Run, compare
from .test_differential import PACKET

pytestmark = pytest.mark.kernel


def keys_ctx(flags: int) -> bytes:
    return bytes(48) + struct.pack("<I", flags) + bytes(4)


def lookup_ctx(family: int, protocol: int, local_port: int, cookie: int = 0) -> bytes:
    return struct.pack("<QIII16sHHI16sII", cookie, family, protocol, 0x0100007F, bytes(16), 0x3412, 0,
                       0x0100007F, bytes(16), local_port, 0) + bytes(4)


@pytest.mark.parametrize(
    ("ctx", "data"),
    [(None, PACKET), (keys_ctx(1), PACKET), (keys_ctx(1) + b"\1", PACKET), (b"\1" + bytes(55), PACKET),
     (None, PACKET[:20]), (None, PACKET[:10]), (None, None)],
    ids=["plain", "flags", "ctx-too-long", "ctx-sets-nhoff", "short-ip", "runt", "no-packet"],
)
def test_flow_dissector(testdata, ctx, data):
    compare(testdata("net_types"), [Run("dissect", ctx=ctx, data=data)])


@pytest.mark.parametrize(
    "ctx",
    [lookup_ctx(2, 6, 80), lookup_ctx(10, 17, 53), lookup_ctx(1, 6, 80), lookup_ctx(2, 1, 80),
     lookup_ctx(2, 6, 80, cookie=5), lookup_ctx(2, 6, 70000), lookup_ctx(2, 6, 80)[:64] + b"\1" + bytes(7), None],
    ids=["inet-tcp-80", "inet6-udp", "bad-family", "other-protocol", "cookie-given", "port-range", "ifindex-given",
         "no-ctx"],
)
def test_sk_lookup(testdata, ctx):
    compare(testdata("net_types"), [Run("lookup", ctx=ctx)])


def test_sk_lookup_takes_no_packet(testdata):
    compare(testdata("net_types"), [Run("lookup", ctx=lookup_ctx(2, 6, 80), data=PACKET)])


def test_lwt_programs_see_the_network_header(testdata):
    compare(testdata("net_types"), [Run("tunnel", data=PACKET)])


def nf_state(hook: int, pf: int, *rest: int) -> bytes:
    return bytes([hook, pf]) + bytes(6) + struct.pack("<5Q", *(rest + (0,) * (5 - len(rest))))


IPV4 = bytes.fromhex("4500001c00010000401100007f0000017f000001") + bytes(8)
ETH_IPV4 = bytes(12) + b"\x08\x00" + IPV4
ETH_IPV6 = bytes(12) + b"\x86\xdd" + bytes.fromhex("6000000000081140") + bytes(32) + bytes(8)


@pytest.mark.parametrize(
    ("ctx", "data"),
    [(None, IPV4), (None, IPV4[:19]), (None, None), (nf_state(3, 2), IPV4), (nf_state(3, 10), IPV4),
     (nf_state(0, 2), ETH_IPV4), (nf_state(1, 10), ETH_IPV6), (nf_state(4, 2), ETH_IPV6),
     (nf_state(0, 10), ETH_IPV6[:50]), (nf_state(2, 2), IPV4), (nf_state(0, 2), bytes(12) + b"\x08\x06" + IPV4),
     (nf_state(0, 2), ETH_IPV4[:33]), (nf_state(3, 7), IPV4), (nf_state(3, 2, 1), IPV4), (nf_state(3, 2, 0, 0, 0, 0, 5), IPV4),
     (nf_state(3, 2) + b"\1", IPV4), (nf_state(3, 2) + bytes(8), IPV4), (nf_state(3, 2)[:2], IPV4), (nf_state(200, 2), ETH_IPV4)],
    ids=["default", "runt", "no-packet", "local-out-ipv4", "local-out-ipv6", "prerouting-ipv4", "local-in-ipv6",
         "family-mismatch", "short-ipv6", "forward-not-ip", "arp", "short-frame", "bad-family", "in-device",
         "okfn", "ctx-too-long", "ctx-zero-tail", "ctx-short", "unknown-hook"],
)
def test_netfilter(testdata, ctx, data):
    compare(testdata("netfilter"), [Run("verdict", ctx=ctx, data=data)], compare_ctx_out=False)


@pytest.mark.parametrize(("ctx", "data"), [(None, IPV4), (nf_state(0, 2), ETH_IPV4), (nf_state(1, 10), ETH_IPV6)],
                         ids=["local-out", "prerouting", "ipv6"])
def test_netfilter_reads_the_packet_through_a_dynptr(testdata, ctx, data):
    compare(testdata("netfilter"), [Run("parse", ctx=ctx, data=data)], compare_ctx_out=False)


def test_a_tc_skb_dynptr_writes_the_packet(testdata):
    compare(testdata("netfilter"), [Run("mark_tos", data=ETH_IPV4)])
