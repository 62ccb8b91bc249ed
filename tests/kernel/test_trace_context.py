"""The context of tracepoint and perf event programs, against the live kernel: a trace
record and a perf event's data are plain numbers to read, never pointers to follow."""

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
