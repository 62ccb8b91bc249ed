"""What an LSM program may return, as Linux 6.18's ``check_return_code`` decides: a hook's
errno or 0, judged on the low 32 bits (the hook returns an int), and a cgroup LSM program's
verdict, 0 or 1. (The oracle kernel refuses LSM programs outright, so these follow its source.)"""

from __future__ import annotations

import re

import pytest

import pybpf


def _returning(section: str, body: str) -> str:
    return f"""
SEC("{section}")
__attribute__((naked)) int prog(void *ctx)
{{
    asm volatile("{body} exit;" ::: "memory");
}}
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.mark.parametrize(("section", "body"), [
    ("lsm/file_open", "w0 = -1;"),  # -EPERM in 32 bits: 0xffffffff in the register
    ("lsm/file_open", "r0 = -4095;"),
    ("lsm/file_open", "r0 = 0;"),
    ("lsm_cgroup/file_open", "r0 = 1;"),
])
def test_accepted_returns(c_file, section: str, body: str) -> None:  # type: ignore[no-untyped-def]
    pybpf.Runtime(clock="virtual").load(c_file(_returning(section, body)))


@pytest.mark.parametrize(("section", "body", "message"), [
    ("lsm/file_open", "r0 = 1;", "At program exit the register R0 has smin=1 smax=1 should have been in [-4095, 0]"),
    ("lsm/file_open", "w0 = -4096;",
     "At program exit the register R0 has smin=4294963200 smax=4294963200 should have been in [-4095, 0]"),
    ("lsm_cgroup/file_open", "r0 = -1;", "At program exit the register R0 has smin=-1 smax=-1 should have been in [0, 1]"),
])
def test_refused_returns(c_file, section: str, body: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(pybpf.VerifierError, match=f"^{re.escape(message)}$"):
        pybpf.Runtime(clock="virtual").load(c_file(_returning(section, body)))


@pytest.mark.parametrize(("section", "message"), [
    ("fentry", "load: program 'prog': no BTF-based attach target is specified (libbpf: EINVAL)"),
    ("lsm", "load: program 'prog': no BTF-based attach target is specified (libbpf: EINVAL)"),
    ("freplace/handler", "load: program 'prog': attach program FD is not set (libbpf: EINVAL)"),
])
def test_programs_libbpf_cannot_aim(c_file, section: str, message: str) -> None:  # type: ignore[no-untyped-def]
    """libbpf's load needs the BTF target the section names, and for freplace the program it
    replaces, which only bpf_program__set_attach_target gives."""
    with pytest.raises(pybpf.ElfError, match=f"^{re.escape(message)}$"):
        pybpf.Runtime(clock="virtual").load(c_file(_returning(section, "r0 = 0;")))
