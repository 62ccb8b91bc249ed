"""struct_ops registration as the live kernel does it: a tcp_congestion_ops registers once
under its name, a second one of the same name is refused while the first is registered, and
one without a required member never registers. The kernel side goes through ``bpftool
struct_ops register``; pybpf's through :meth:`pybpf.StructOps.attach`, with the host's BTF."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf

from ._libbpf import KernelObject


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


def _dummy_runs(run: Callable[[str, bytes], int]) -> list[tuple[int | str, int]]:
    """Each run's return value (or errno) and the state after it, the state living in this
    process's memory as a caller's would."""
    state = ctypes.c_int32(10)
    at = ctypes.addressof(state)
    steps = [("bump", [at]), ("bump", [0]), ("mix", [at, 4, 65535, 0x1F3, 0x12345]), ("mix", [0, 1, 2, 3, 4]),
             ("bump", [at, 1]), ("bump", [1]), ("bump", [at])]
    out: list[tuple[int | str, int]] = []
    for name, args in steps:
        try:
            outcome: int | str = run(name, struct.pack(f"<{len(args)}Q", *args))
        except OSError as err:
            outcome = f"errno {err.errno}"
        out.append((outcome, state.value))
    return out


def test_dummy_ops_members_test_run_as_the_kernel_runs_them(testdata: Callable[..., Path]) -> None:
    obj = testdata("dummy_ops")
    kernel = KernelObject(obj)
    try:
        programs = {p.name: p for p in kernel}
        expected = _dummy_runs(lambda name, ctx: programs[name].test_run(ctx=ctx, ctx_out=False).retval)
    finally:
        kernel.close()
    with pybpf.Runtime(clock="virtual") as rt:
        loaded = rt.load(obj)

        def run(name: str, ctx: bytes) -> int:
            try:
                return loaded.programs[name].test_run(ctx=ctx, repeat=3).retval
            except pybpf.TestRunError as err:
                raise OSError(err.errno, str(err)) from None

        assert _dummy_runs(run) == expected
    assert expected[0] == (15, 15) and expected[3][0] == "errno 22"
