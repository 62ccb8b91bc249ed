"""The structural verdicts that tests/verifier/testdata states, checked against the kernel:
each object is loaded by libbpf into the kernel and by pybpf, and both must give the verdict
its source states on its first line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import pybpf
from pybpf.cli import main
from pybpf.verifier import VerifierError

from . import _libbpf

SOURCES = sorted((Path(__file__).parent.parent / "verifier" / "testdata").glob("*.bpf.c"))


def stated_verdict(source: Path) -> str | None:
    verdict = source.read_text().splitlines()[0].removeprefix("/* verdict: ").removesuffix(" */")
    return None if verdict == "accepted" else verdict


def kernel_verdict(obj: Path) -> str | None:
    try:
        _libbpf.KernelObject(obj).close()
    except _libbpf.LibbpfError as err:
        verifier_log = err.log.split("\nlibbpf: ", 1)[0]
        return _libbpf.RawLoad(err.errno or 0, verifier_log).message
    return None


def pybpf_verdict(obj: Path) -> str | None:
    with pybpf.Runtime() as rt:
        try:
            rt.load(obj)
        except VerifierError as err:
            return str(err)
    return None


@pytest.mark.parametrize("source", SOURCES, ids=[s.name.removesuffix(".bpf.c") for s in SOURCES])
def test_kernel_and_pybpf_agree_on_the_stated_verdict(source: Path, build: Callable[..., Path]) -> None:
    obj = build(source)
    assert kernel_verdict(obj) == stated_verdict(source)
    assert pybpf_verdict(obj) == stated_verdict(source)


BEFORE_INTERPRETATION = ["lddw_truncated", "lddw_bad_second_half"]


def load_log_block(text: str) -> list[str]:
    """The lines libbpf prints about a refused load, the verification time left out."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if "BPF program load failed" in line)
    last = next(i for i, line in enumerate(lines) if line.startswith("libbpf: failed to load object"))
    return [re.sub(r"^verification time \d+ usec$", "verification time", line) for line in lines[first : last + 1]]


@pytest.mark.skipif(shutil.which("bpftool") is None, reason="no bpftool")
@pytest.mark.parametrize("name", BEFORE_INTERPRETATION)
def test_prog_load_debug_prints_what_bpftool_prints(
    name: str, build: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """``pybpf prog load -d`` and ``bpftool -d prog load`` print the same block for a program
    refused before interpretation (where pybpf's log is the kernel's, line for line)."""
    obj = build(Path(__file__).parent.parent / "verifier" / "testdata" / f"{name}.bpf.c")
    pin = Path("/sys/fs/bpf") / f"pybpf-test-{os.getpid()}-{name}"
    bpftool = subprocess.run(["bpftool", "-d", "prog", "load", str(obj), str(pin)],
                             capture_output=True, text=True, check=False)
    pin.unlink(missing_ok=True)
    assert bpftool.returncode != 0
    assert main(["prog", "load", "-d", str(obj), str(pin)]) != 0
    assert load_log_block(capsys.readouterr().err) == load_log_block(bpftool.stderr)


NO_BTF_CALLBACK = """\
static long cb(__u64 i, void *ctx) { return 0; }
SEC("syscall") int prog(void *ctx) { return bpf_loop(2, cb, 0, 0); }
char _license[] SEC("license") = "GPL";
"""


@pytest.mark.skipif(shutil.which("llvm-objcopy-19") is None, reason="no llvm-objcopy-19")
def test_a_callback_without_btf_is_refused_by_both(build: Callable[..., Path], tmp_path: Path) -> None:
    """A program whose object lost its BTF cannot take a callback's address."""
    source = tmp_path / "nobtf.bpf.c"
    source.write_text("#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n" + NO_BTF_CALLBACK)
    obj = tmp_path / "nobtf.o"
    subprocess.run(["llvm-objcopy-19", "--remove-section", ".BTF", "--remove-section", ".BTF.ext",
                    str(build(source)), str(obj)], check=True)
    assert kernel_verdict(obj) == pybpf_verdict(obj) == "missing btf func_info"
