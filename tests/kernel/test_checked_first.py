"""Errors of helpers whose kernel objects pybpf lacks, on both sides: pybpf returns the
kernel's errno wherever the kernel refuses before reaching the object."""

from __future__ import annotations

import pytest

from ._differential import Run, compare

pytestmark = pytest.mark.kernel

IPV4 = bytes.fromhex("4500002e000000004011000001020304" "0a000002") + bytes(26)


def test_find_vma_snprintf_btf_and_lwt_encap_errors(testdata) -> None:  # type: ignore[no-untyped-def]
    compare(testdata("checked_first"), [Run("checks"), Run("encap", data=bytes(14) + IPV4)])
