"""User memory against kernel memory in the probe-read helpers, on both sides: the program's
own memory is kernel memory, the calling process's is user memory."""

from __future__ import annotations

import ctypes

import pytest

from ._differential import Run, compare

pytestmark = pytest.mark.kernel


def test_user_and_kernel_reads_fault_where_the_kernel_faults(testdata) -> None:  # type: ignore[no-untyped-def]
    user = ctypes.create_string_buffer(b"\x08\x07\x06\x05\x04\x03\x02\x01" * 2 + b"hello\0", 32)
    compare(testdata("user_reads"), [Run("user_reads", ctx=ctypes.addressof(user).to_bytes(8, "little"))])
