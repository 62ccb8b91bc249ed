"""Cgroup storage maps against the live kernel: what a test run's program sees in them, what user
space finds (nothing: no program is attached to a cgroup), and what the maps are charged."""

from __future__ import annotations

import pytest

from ._differential import Delete, Lookup, NextKey, Run, Update, compare, compare_load, last_line
from .test_differential import PACKET

pytestmark = pytest.mark.kernel

KEY16 = bytes(16)


def test_each_test_run_gets_fresh_storage(testdata):
    compare(testdata("cgroup_storage"), [
        Run("count", data=PACKET, repeat=3),
        Run("count", data=PACKET),
        Run("count", data=PACKET, repeat=2),
    ])


def test_user_space_finds_no_value(testdata):
    compare(testdata("cgroup_storage"), [
        Run("count", data=PACKET),
        Lookup("shared", KEY16), Lookup("percpu", bytes(8)),
        Update("shared", KEY16, bytes(16)), Update("shared", KEY16, bytes(16), flags=1),
        Update("percpu", bytes(8), [bytes(8)] * 2, flags=4),
        Delete("shared", KEY16), NextKey("shared", None), NextKey("percpu", None),
    ])


@pytest.mark.parametrize(("case", "message"), [
    (1, "get_local_storage() doesn't support non-zero flags"),
    (2, "cannot pass map_type 19 into func bpf_map_lookup_elem#1"),
    (3, "cannot pass map_type 1 into func bpf_get_local_storage#81"),
])
def test_the_verifier_refuses_what_the_kernel_refuses(testdata, case, message):
    outcome = compare_load(testdata("cgroup_storage", CASE=str(case)))
    assert outcome.kernel_errno == 22 and last_line(outcome.kernel_log) == message
    assert outcome.pybpf_error is not None and message in str(outcome.pybpf_error)


@pytest.mark.parametrize(("size", "pcpu_size", "errno"), [(65407, 32768, 0), (65408, 32768, 7), (65407, 32769, 7)])
def test_value_size_limits(testdata, size, pcpu_size, errno):
    """65407 bytes: U16_MAX less the 128-byte element header of Linux 6.18 x86_64."""
    outcome = compare_load(testdata("storage_limits", SIZE=str(size), PCPU_SIZE=str(pcpu_size)))
    # the kernel's first refusal: libbpf then retries without BTF, which storage maps need (EINVAL)
    assert bool(outcome.kernel_errno) == bool(errno) and (not errno or f"(-{errno})" in outcome.kernel_log)
    assert (outcome.pybpf_error.errno if outcome.pybpf_error is not None else 0) == errno  # type: ignore[attr-defined]
