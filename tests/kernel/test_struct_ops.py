"""struct_ops registration as the live kernel does it: a tcp_congestion_ops registers once
under its name, a second one of the same name is refused while the first is registered, and
one without a required member never registers. The kernel side goes through ``bpftool
struct_ops register``; pybpf's through :meth:`pybpf.StructOps.attach`, with the host's BTF."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf


def _bpftool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("bpftool")
    if tool is None:
        pytest.skip("no bpftool to register struct_ops on the kernel")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=False, timeout=60)


def _register(obj: Path) -> str | None:
    """Register ``obj``'s struct_ops on the kernel: the map id, or None when refused."""
    done = _bpftool("struct_ops", "register", str(obj))
    match = re.search(r" id (\d+)", done.stdout + done.stderr)
    return match.group(1) if done.returncode == 0 and match else None


def _kernel_registers_twice(obj: Path) -> tuple[bool, bool]:
    """Whether the kernel registers ``obj`` once, then a second time while the first holds."""
    ids = [_register(obj)]
    try:
        ids.append(_register(obj))
    finally:
        for map_id in ids:
            if map_id is not None:
                _bpftool("struct_ops", "unregister", "id", map_id)
    return ids[0] is not None, ids[1] is not None


def _pybpf_registers_twice(obj: Path) -> tuple[bool, bool]:
    with pybpf.Runtime(clock="virtual", btf="host") as rt:
        outcomes = []
        for _ in range(2):
            try:
                rt.load(obj).struct_ops["cc"].attach()
                outcomes.append(True)
            except pybpf.MapError:
                outcomes.append(False)
        return outcomes[0], outcomes[1]


def test_a_name_registers_once(testdata: Callable[..., Path]) -> None:
    name = f"pyb{os.getpid() % 100000}"
    obj = testdata("struct_ops_cc", CC_NAME=f'"{name}"', REQUIRED="1")
    kernel = _kernel_registers_twice(obj)
    assert kernel == (True, False)
    assert _pybpf_registers_twice(obj) == kernel


def test_a_missing_required_member_never_registers(testdata: Callable[..., Path]) -> None:
    name = f"pyc{os.getpid() % 100000}"
    obj = testdata("struct_ops_cc", CC_NAME=f'"{name}"')
    kernel = _kernel_registers_twice(obj)
    assert kernel == (False, False)
    assert _pybpf_registers_twice(obj) == kernel


def test_the_programs_run_as_the_kernel_verified_them(testdata: Callable[..., Path]) -> None:
    """The kernel accepted these programs (registration loads them); pybpf runs them on a
    socket laid out by the host's BTF."""
    obj = testdata("struct_ops_cc", CC_NAME='"pycc_run"', REQUIRED="1")
    with pybpf.Runtime(clock="virtual", btf="host") as rt:
        ops = rt.load(obj).struct_ops["cc"]
        assert ops.call("ssthresh", {"snd_cwnd": 9}).retval == 4
        after = ops.call("cong_avoid", {"snd_cwnd": 4, "snd_cwnd_cnt": 3}, 0, 2).args[0]
        assert (after["snd_cwnd"], after["snd_cwnd_cnt"]) == (5, 0)
