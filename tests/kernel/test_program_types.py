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
