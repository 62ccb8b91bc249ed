"""The context of tracepoint, perf event, sock_ops and sk_msg programs, against the live
kernel: which fields may be read or written, at what sizes, and which hold numbers (a trace
record, a perf event's data) rather than pointers to follow."""

from __future__ import annotations

import pytest

from ._differential import compare_load

pytestmark = pytest.mark.kernel


@pytest.mark.parametrize(
    ("case", "off", "accepted"),
    [(0, 0, True), (1, 0, False), (2, 0, False), (3, 8184, True), (3, 8192, False), (3, 12, False),
     (4, 128, True), (5, 168, True), (5, 180, True), (5, 184, False)],
    ids=["store-low-half", "follow-argument", "write", "last-word", "past-8k", "unaligned",
         "register", "sample-period", "addr-high-half", "past-the-end"],
)
def test_trace_and_perf_event_context(testdata, case, off, accepted):
    outcome = compare_load(testdata("trace_ctx", CASE=str(case), OFF=str(off)))
    assert (outcome.kernel_errno == 0) == accepted, outcome.kernel_log


@pytest.mark.parametrize(
    ("section", "off", "ctype", "write", "accepted"),
    [
        ("sockops", 20, "__u32", 0, True),  # family
        ("sockops", 20, "__u16", 0, False),
        ("sockops", 4, "__u32", 1, True),  # reply
        ("sockops", 12, "__u32", 1, False),  # replylong[2]: only reply itself is written
        ("sockops", 164, "__u32", 1, True),  # sk_txhash
        ("sockops", 20, "__u32", 1, False),
        ("sockops", 168, "__u64", 0, True),  # bytes_received
        ("sockops", 168, "__u32", 0, False),
        ("sockops", 212, "__u8", 0, True),  # skb_tcp_flags, in part
        ("sockops", 224, "__u32", 0, False),
        ("sk_msg", 20, "__u32", 0, True),  # remote_ip4
        ("sk_msg", 68, "__u32", 0, True),  # size
        ("sk_msg", 20, "__u8", 0, False),
        ("sk_msg", 20, "__u32", 1, False),
        ("sk_msg", 76, "__u32", 0, False),
    ],
)
def test_socket_program_context(testdata, section, off, ctype, write, accepted):
    path = testdata("ctx_field", SECTION=f'"{section}"', OFF=str(off), TYPE=ctype, WRITE=str(write))
    outcome = compare_load(path)
    assert (outcome.kernel_errno == 0) == accepted, outcome.kernel_log
