"""Tunnel metadata helpers on the packets of test runs, on both sides."""

from __future__ import annotations

import pytest

from ._differential import Run, compare

pytestmark = pytest.mark.kernel

PACKET = bytes(12) + b"\x08\x00" + bytes.fromhex("4500002e000000004011000001020304" "0a000002") + bytes(26)


def test_tunnel_metadata_exists_once_a_key_is_set(testdata) -> None:  # type: ignore[no-untyped-def]
    compare(testdata("tunnel"), [Run("tunnel", data=PACKET), Run("tunnel", data=PACKET)])
