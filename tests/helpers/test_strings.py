"""bpf_strtol/bpf_strtoul's parser, and what a run of a declared but unmodelled helper does."""

from __future__ import annotations

from pathlib import Path

import pytest

import pybpf
from pybpf.helpers._strings import parse_unsigned


@pytest.mark.parametrize(
    ("text", "flags", "want"),
    [
        pytest.param(b" \t-42z", 0, (5, 42, True), id="space.sign.stop"),
        pytest.param(b"0x1fg", 0, (4, 31, False), id="hex.detected"),
        pytest.param(b"0x1fg", 16, (4, 31, False), id="hex.prefix.skipped"),
        pytest.param(b"0x", 0, (1, 0, False), id="zero.then.x.is.octal"),
        pytest.param(b"0777", 0, (4, 511, False), id="octal.detected"),
        pytest.param(b"-", 0, (-22, 0, True), id="sign.alone"),
        pytest.param(b"+5", 0, (-22, 0, False), id="plus.is.no.sign"),
        pytest.param(b"18446744073709551616", 10, (-34, 0, False), id="overflow"),
        pytest.param(b"12", 7, (-22, 0, False), id="base.unknown"),
        pytest.param(b"12", 32 | 10, (-22, 0, False), id="flags.past.base"),
        pytest.param(b"\xa012\x0034", 10, (3, 12, False), id="nbsp.and.nul"),
    ],
)
def test_parse_as_the_kernel(text: bytes, flags: int, want: tuple[int, int, bool]) -> None:
    assert parse_unsigned(text, flags) == want


PROGRAM = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("tc")
int hash(struct __sk_buff *skb) { return bpf_get_hash_recalc(skb); }
char LICENSE[] SEC("license") = "GPL";
"""


def test_unmodelled_helper_loads_and_its_run_fails_naming_it(tmp_path: Path) -> None:
    """bpf_get_hash_recalc is declared, so the program loads as on the kernel; its result
    depends on the kernel's boot secret, so a run reaching it fails instead of inventing one."""
    source = tmp_path / "hash.bpf.c"
    source.write_text(PROGRAM)
    with pybpf.Runtime(clock="virtual") as rt:
        prog = rt.load(source).programs["hash"]
        with pytest.raises(pybpf.BpfRuntimeError, match=r"bpf_get_hash_recalc: not modelled by pybpf: .*secret"):
            prog.test_run(data=bytes(64))
