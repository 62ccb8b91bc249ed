"""Bloom filters against the live kernel: with BPF_F_ZERO_SEED the kernel's filter is a pure
function of what was pushed, so both sides must answer "maybe" for the same values never added."""

from __future__ import annotations

import struct

import pytest

from ._differential import Run, compare
from .test_differential import PACKET

pytestmark = pytest.mark.kernel


def test_false_positives_match_the_kernel_with_a_zero_seed(testdata):
    report = compare(testdata("bloom"), [Run("fill", data=PACKET), Run("probe", data=PACKET)])
    bss = report.final["bloom.bss"][b"\0\0\0\0"]
    maybe_words, maybe_bytes, _large, added_seen = struct.unpack_from("<QQQq", bss)
    # the scenario is only a test if the small filters do answer "maybe" for values never pushed
    assert maybe_words and maybe_bytes, (hex(maybe_words), hex(maybe_bytes))
    assert maybe_words != (1 << 64) - 1
    assert added_seen == 12
