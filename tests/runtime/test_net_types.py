"""Test runs of flow dissectors, socket lookups and lightweight tunnels (the kernel-checked
scenarios are in tests/kernel/test_program_types.py)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

import pybpf

SOURCE = Path(__file__).parents[1] / "kernel" / "testdata" / "net_types.bpf.c"
FRAME = bytes(12) + b"\x08\x00" + bytes.fromhex("45000032123400004011000001020304" "0a000002") + bytes(30)


@pytest.fixture
def obj(c_file) -> pybpf.Object:  # type: ignore[no-untyped-def]
    return pybpf.Runtime(clock="virtual").load(c_file(SOURCE.read_text(), "net_types.bpf.c"))


def test_flow_dissector_fills_the_keys(obj: pybpf.Object) -> None:
    result = obj.programs["dissect"].test_run(data=FRAME)
    assert result.retval == 0 and result.ctx_out is None
    assert result.data_out is not None
    nhoff, thoff, addr_proto, _, _, _, ip_proto, n_proto = struct.unpack_from("<HHHBBBBH", result.data_out)
    assert (nhoff, thoff, addr_proto, ip_proto, n_proto) == (14, 34, 0x800, 17, 0x0008)
    assert result.data_out[16:24] == bytes.fromhex("010203040a000002")
    with pytest.raises(pybpf.TestRunError, match=r"\(EINVAL\)$"):
        obj.programs["dissect"].test_run(ctx=b"\1" + bytes(55), data=FRAME)


def test_sk_lookup_sees_its_family_only(obj: pybpf.Object) -> None:
    ctx = struct.pack("<QIII16sHHI16sII", 0, 2, 6, 0x0100007F, b"\1" * 16, 0, 0, 0, bytes(16), 80, 0) + bytes(4)
    result = obj.programs["lookup"].test_run(ctx=ctx)
    assert result.retval == 0 and result.ctx_out == ctx
    assert obj.globals["seen"][3:7] == [2, 6, 80, 0x0100007F]
    with pytest.raises(pybpf.TestRunError, match=r"\(EAFNOSUPPORT\)$"):
        obj.programs["lookup"].test_run(ctx=ctx[:8] + b"\1" + ctx[9:])


def test_lwt_programs_start_at_the_network_header(obj: pybpf.Object) -> None:
    result = obj.programs["tunnel"].test_run(data=FRAME)
    assert result.retval == 0
    assert obj.globals["seen"][7] == (len(FRAME) - 14) * 1000 + 0x45
